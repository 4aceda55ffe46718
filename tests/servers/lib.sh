# shellcheck shell=bash
# Shared helpers for the test-server fixtures in tests/servers/ (sourced, not run).
#
# Every process a fixture starts is launched with `setsid` (so it leads its own
# process group) and with the environment marker P3S_FIXTURE=<DIR>/<name>.
# `stop` finds processes by that exact marker (read from /proc/PID/environ) as
# well as by the pid file, so it also cleans up after a crashed run whose pid
# file is stale or missing, and never touches anything another run started.

p3s_log() { printf '%s: %s\n' "${P3S_PROG:-tests/servers}" "$*" >&2; }
p3s_die() { p3s_log "$*"; exit 1; }

# p3s_absdir DIR [create] -> absolute path of DIR (created first with "create").
p3s_absdir() {
  [[ ${2:-} == create ]] && mkdir -p -- "$1"
  if [[ -d $1 ]]; then (cd -- "$1" && pwd -P); else realpath -m -- "$1"; fi
}

# Processes are also recognised by P3S_CMDMATCH, when a fixture sets it: strings (one a
# line) of which one appears in /proc/PID/cmdline (Dovecot overwrites its environment with its process
# titles, so dovecot.sh matches its config path and its unique instance name instead).
P3S_CMDMATCH=

# p3s_marked_pids MARKER -> pids (one a line) whose environment holds P3S_FIXTURE=MARKER
# or whose command line contains P3S_CMDMATCH.
p3s_marked_pids() {
  local f p
  {
    # grep -z reads the NUL-separated environment; one grep for all processes.
    grep -lzxF -- "P3S_FIXTURE=$1" /proc/[0-9]*/environ 2>/dev/null || true
    if [[ -n $P3S_CMDMATCH ]]; then
      grep -laF -- "$P3S_CMDMATCH" /proc/[0-9]*/cmdline 2>/dev/null || true
    fi
  } | while IFS= read -r f; do
    p=${f#/proc/}; p=${p%/*}
    [[ $p == "$$" || $p == "$BASHPID" ]] || echo "$p"
  done | sort -un
}

# p3s_running PID : true if PID exists and is not a zombie.
p3s_running() {
  local st
  st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z ]]
}

# p3s_is_marked PID MARKER : true if PID is alive and carries MARKER (or P3S_CMDMATCH).
p3s_is_marked() {
  grep -qzxF -- "P3S_FIXTURE=$2" "/proc/$1/environ" 2>/dev/null && return 0
  [[ -n $P3S_CMDMATCH ]] && grep -qaF -- "$P3S_CMDMATCH" "/proc/$1/cmdline" 2>/dev/null
}

# p3s_pid_alive PIDFILE MARKER -> prints the pid and returns 0 if the pid file names
# a live process carrying MARKER; returns 1 otherwise (missing or stale file).
p3s_pid_alive() {
  local pidfile=$1 marker=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(head -n1 -- "$pidfile" 2>/dev/null | tr -dc 0-9)
  [[ -n $pid ]] && p3s_is_marked "$pid" "$marker" && p3s_running "$pid" || return 1
  echo "$pid"
}

# p3s_launch MARKER PIDFILE LOGFILE CMD... : start CMD in the background in a new
# session (it leads its own process group), stdin from /dev/null, output appended
# to LOGFILE, pid to PIDFILE.
p3s_launch() {
  local marker=$1 pidfile=$2 logfile=$3
  shift 3
  P3S_FIXTURE=$marker setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
}

# p3s_kill MARKER PIDFILE [group] : send TERM to the process in the pid file (to its
# whole process group with "group"), and to every other process carrying MARKER; wait
# up to ~6 s for all of them (and the group) to exit, then KILL what is left.
p3s_kill() {
  local marker=$1 pidfile=$2 mode=${3:-} pid='' pids='' left i p
  if pid=$(p3s_pid_alive "$pidfile" "$marker"); then
    pids=$(pgrep -g "$pid" 2>/dev/null || true)
    if [[ $mode == group ]]; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    else
      kill -TERM "$pid" 2>/dev/null || true
    fi
  fi
  # Leftovers of a crashed run (their leader gone) get TERM directly.
  for p in $(p3s_marked_pids "$marker"); do
    [[ $p == "$pid" ]] && continue
    if [[ -z $pid ]] || ! grep -qx -- "$p" <<<"$pids"; then kill -TERM "$p" 2>/dev/null || true; fi
    pids+=$'\n'$p
  done
  for ((i = 0; i < 120; i++)); do
    left=
    for p in $pids; do p3s_running "$p" && left+=" $p"; done
    [[ -z $left ]] && break
    sleep 0.05
  done
  if [[ -n $left ]]; then
    p3s_log "killing leftover processes of $marker:$left"
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL $left 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      left=
      for p in $pids; do p3s_running "$p" && left+=" $p"; done
      [[ -z $left ]] && break
      sleep 0.05
    done
  fi
  rm -f -- "$pidfile"
}

# p3s_hostport ADDR PORT -> "ADDR:PORT" or "[ADDR]:PORT" as `ss` prints it.
p3s_hostport() {
  if [[ $1 == *:* ]]; then printf '[%s]:%s' "$1" "$2"; else printf '%s:%s' "$1" "$2"; fi
}

# p3s_listening PROTO ADDR PORT : true if something listens on exactly ADDR:PORT
# (PROTO t for TCP, u for UDP).
p3s_listening() {
  local want
  want=$(p3s_hostport "$2" "$3")
  ss -Hln"$1" 2>/dev/null | awk -v w="$want" '$4 == w { f = 1 } END { exit !f }'
}

# p3s_port_busy PROTO ADDR PORT : true if ADDR:PORT is taken, also by a wildcard bind.
p3s_port_busy() {
  local want
  want=$(p3s_hostport "$2" "$3")
  ss -Hln"$1" 2>/dev/null | awk -v w="$want" -v p=":$3" '
    { l = $4; a = substr(l, 1, length(l) - length(p)) }
    substr(l, length(l) - length(p) + 1) == p && (l == w || a == "0.0.0.0" || a == "*" || a ~ /^\[::\]/) { f = 1 }
    END { exit !f }'
}

# p3s_check_port N : N must be a port number other than the reserved ones.
p3s_check_port() {
  if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 65535)); then p3s_die "bad port: $1"; fi
  case $1 in 110 | 995 | 2024) p3s_die "refusing port $1 (reserved: 110, 995, 2024)" ;; esac
}

# p3s_check_loopback ADDR : only loopback addresses may be bound.
p3s_check_loopback() {
  [[ $1 == ::1 || $1 =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] ||
    p3s_die "refusing non-loopback address: $1"
}

# p3s_wait_listen PID SECONDS PROTO ADDR:PORT... : wait until every ADDR:PORT listens
# (ADDR may be IPv6, split at the last colon). Fails early if PID dies.
p3s_wait_listen() {
  local pid=$1 secs=$2 proto=$3 i ap ok
  shift 3
  for ((i = 0; i < secs * 20; i++)); do
    ok=1
    for ap in "$@"; do
      p3s_listening "$proto" "${ap%:*}" "${ap##*:}" || { ok=0; break; }
    done
    ((ok)) && return 0
    p3s_running "$pid" || { p3s_log "process $pid exited during start-up"; return 1; }
    sleep 0.05
  done
  p3s_log "timed out after ${secs}s waiting for: $*"
  return 1
}

# p3s_pop3_dialogue ADDR PORT CMD : print the greeting line and the first line of the
# answer to CMD from a cleartext POP3 server (bash /dev/tcp, 3 s read timeouts).
p3s_pop3_dialogue() {
  local greet ans fd
  exec {fd}<>"/dev/tcp/$1/$2" || return 1
  IFS= read -r -t 3 -u "$fd" greet || greet=
  printf '%s\r\n' "$3" 1>&"$fd"
  IFS= read -r -t 3 -u "$fd" ans || ans=
  printf 'QUIT\r\n' 1>&"$fd" 2>/dev/null || true
  exec {fd}>&-
  printf '%s\n%s\n' "${greet%$'\r'}" "${ans%$'\r'}"
}

# The fixtures for servers that take --port P [--tls-port T] (popa3d, Cyrus, Courier) share
# what follows: one copy of the option checks, the .deb fetching, the library check and the
# greeting poll, so a fix to one (a lock, a retry, a timeout) reaches all of them.

# p3s_port_options [certs] ARGS... : parse start's --port P and --tls-port T (with "certs" also
# --cert FILE --key FILE) into the caller's locals port, tls_port (cert, key) and check them.
# Shared because the three scripts have the same command line; an unknown option logs and
# calls the script's own usage.
p3s_port_options() {
  local certs=0
  [[ ${1:-} == certs ]] && { certs=1; shift; }
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=${2:?}; shift 2 ;;
      --tls-port) tls_port=${2:?}; shift 2 ;;
      --cert) ((certs)) || { p3s_log "unknown option: $1"; usage; }; cert=${2:?}; shift 2 ;;
      --key) ((certs)) || { p3s_log "unknown option: $1"; usage; }; key=${2:?}; shift 2 ;;
      *) p3s_log "unknown option: $1"; usage ;;
    esac
  done
  [[ -n $port ]] || p3s_die "--port is required"
  p3s_check_port "$port"
  [[ -z $tls_port ]] || p3s_check_port "$tls_port"
  [[ $port != "$tls_port" ]] || p3s_die "--port and --tls-port must differ"
  ((!certs)) || [[ -n $cert && -n $key || -z $cert && -z $key ]] ||
    p3s_die "--cert and --key go together"
}

# p3s_ports_free ADDR PORT... : die unless every ADDR:PORT is free (empty PORTs are skipped).
# Shared so that every fixture fails at once, with the same message, on a taken port.
p3s_ports_free() {
  local addr=$1 port
  shift
  for port in "$@"; do
    [[ -z $port ]] || ! p3s_port_busy t "$addr" "$port" ||
      p3s_die "port $(p3s_hostport "$addr" "$port") already in use"
  done
}

# p3s_status NAME PIDFILE MARKER : the `status` command of a one-process fixture.
p3s_status() {
  local pid
  if pid=$(p3s_pid_alive "$2" "$3"); then
    echo "$1 running, pid $pid"
  else
    echo "$1 not running"
    return 1
  fi
}

# p3s_allow_traverse DIR : give "others" search (x) permission on DIR and its parents where
# they lack it (mktemp -d makes 0700). Shared by the servers whose processes drop to a user
# of their own and must still reach their files in DIR.
p3s_allow_traverse() {
  local p=$1
  while [[ $p != / ]]; do
    [[ $(( $(stat -c '0%a' -- "$p") & 1 )) -eq 1 ]] || chmod o+x -- "$p"
    p=$(dirname -- "$p")
  done
}

# p3s_all_x FILE... : true if every FILE is executable.
p3s_all_x() {
  local f
  for f in "$@"; do [[ -x $f ]] || return 1; done
}

# p3s_unpack_debs CACHE SRC "PKG..." FILE... : make CACHE/root hold the Debian packages PKG
# unpacked with dpkg-deb -x, unless every FILE is already executable. SRC, when not empty, is a
# directory holding PKG_*.deb (or, for a single PKG, the .deb file itself); otherwise they are
# fetched with apt-get download (an apt-get update and one retry if that fails). Shared because
# popa3d, Cyrus and Courier all conflict with dovecot-pop3d and so are never installed; the lock
# serialises concurrent starts and the rename leaves no half-unpacked tree behind.
p3s_unpack_debs() {
  local cache=$1 src=$2 pkgs=$3 pkg deb lock
  shift 3
  p3s_all_x "$@" && return 0
  mkdir -p -- "$cache"
  exec {lock}>"$cache/.lock"
  flock "$lock"
  if ! p3s_all_x "$@"; then
    if [[ -z $src ]]; then
      src=$cache/download
      rm -rf -- "$src"
      mkdir -p -- "$src"
      # The _apt sandbox user cannot write to a root-owned directory: download as root.
      # shellcheck disable=SC2086 # a list of package names
      if ! (cd -- "$src" && apt-get download -q -o APT::Sandbox::User=root $pkgs >&2); then
        p3s_log "apt-get download $pkgs failed; running apt-get update once and retrying"
        apt-get update -q >&2 || true
        # shellcheck disable=SC2086
        (cd -- "$src" && apt-get download -q -o APT::Sandbox::User=root $pkgs >&2) ||
          p3s_die "cannot download $pkgs"
      fi
    fi
    rm -rf -- "$cache/root.tmp"
    for pkg in $pkgs; do
      if [[ -f $src ]]; then
        deb=$src
      else
        deb=$(find "$src" -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null | sort | tail -n1) || deb=
      fi
      [[ -f $deb ]] || p3s_die "no ${pkg}_*.deb in $src"
      dpkg-deb -x "$deb" "$cache/root.tmp"
    done
    rm -rf -- "$cache/root"
    mv -- "$cache/root.tmp" "$cache/root"
  fi
  flock -u "$lock"
  exec {lock}>&-
  p3s_all_x "$@" || p3s_die "binaries missing after unpacking in $cache/root: $*"
}

# p3s_check_libs NAME FILE... : die unless every shared library of the FILEs resolves (run with
# LD_LIBRARY_PATH set where the unpacked tree brings its own). Shared because the unpacked
# binaries' libraries come from apt, and a missing one must name install-deps.sh, not fail later.
p3s_check_libs() {
  local name=$1 missing
  shift
  missing=$(ldd "$@" 2>&1 | awk '/not found/ { print $1 }' | sort -u | tr '\n' ' ')
  [[ -z $missing ]] ||
    p3s_die "$name needs libraries that are not installed: ${missing}(run scripts/install-deps.sh test)"
}

# p3s_wait_greeting PID SECONDS NAME GREETING CAPA PORT [TLS_PORT] : poll until the cleartext
# PORT greets with the glob GREETING and answers CAPA with the glob CAPA, then until TLS_PORT
# (through openssl s_client) greets with GREETING; fails when PID dies or SECONDS pass (0: one
# try each). Shared because these servers fork or exec the POP3 program per connection, so a
# listening socket alone does not prove it runs.
p3s_wait_greeting() {
  local pid=$1 secs=$2 name=$3 greeting=$4 capa=$5 port=$6 tls_port=${7:-} deadline out
  deadline=$((SECONDS + secs))
  while :; do
    out=$(p3s_pop3_dialogue 127.0.0.1 "$port" CAPA 2>/dev/null) || out=
    # shellcheck disable=SC2053 # globs on purpose
    [[ $(sed -n 1p <<<"$out") == $greeting && $(sed -n 2p <<<"$out") == $capa ]] && break
    p3s_running "$pid" || { p3s_log "$name exited during start-up"; return 1; }
    ((SECONDS < deadline)) ||
      { p3s_log "no $name greeting and CAPA answer on port $port (got '${out//$'\n'/' / '}')"; return 1; }
    sleep 0.1
  done
  [[ -n $tls_port ]] || return 0
  while :; do
    out=$(printf 'QUIT\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$tls_port" -quiet 2>/dev/null) || true
    # shellcheck disable=SC2053
    [[ $out == $greeting ]] && return 0
    p3s_running "$pid" || { p3s_log "$name exited during start-up"; return 1; }
    ((SECONDS < deadline)) ||
      { p3s_log "no $name greeting over TLS on port $tls_port (got '${out%%$'\r'*}')"; return 1; }
    sleep 0.1
  done
}
