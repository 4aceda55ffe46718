# shellcheck shell=bash
# Shared helpers for the test-server fixtures in tests/servers/ (sourced, not run).
#
# Every process a fixture starts is launched with `setsid` (so it leads its own
# process group) and with the environment marker P3S_FIXTURE=<DIR>/<name>.
# `stop` finds processes by that exact marker (read from /proc/PID/environ) as
# well as by the pid file, so it also cleans up after a crashed run whose pid
# file is stale or missing, and never touches anything another run started.

# The fixture script that sourced this file: it names every message, and its header holds the
# usage text. P3S_HERE: this directory, where the scripts find certs.sh and their other files.
P3S_SCRIPT=${BASH_SOURCE[1]:-}
P3S_PROG=${P3S_SCRIPT##*/}
P3S_HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)

p3s_log() { printf '%s: %s\n' "${P3S_PROG:-tests/servers}" "$*" >&2; }
p3s_die() { p3s_log "$*"; exit 1; }

# The command line every fixture has, `CMD DIR [OPTIONS]`, and its dispatch: one copy, so that
# every script takes and refuses the same things.

# usage : print the fixture's usage, the block of its header comment that starts at the first
# "#   tests/servers/" line and ends before the next bare "#", and exit 2. Read from the header so
# that what the script documents and what it prints cannot drift apart.
usage() {
  awk '/^#   tests\/servers\// { f = 1 } f && /^#$/ { exit } f { sub(/^# ?/, ""); print }' \
    "$P3S_SCRIPT" >&2
  exit 2
}

# p3s_fixture NAME ARGS... : read ARGS, the fixture's command line, into the globals the script
# works with: cmd, opts (the OPTIONS), dir (absolute; created by start only, so that stop or
# status on a mistyped DIR leave nothing behind), and, for a fixture that is one process group,
# its marker DIR/NAME and pid file DIR/NAME.pid. NAME also names it in status.
p3s_fixture() {
  fixture=$1
  shift
  (($# >= 2)) || usage
  cmd=$1
  local mode=
  [[ $cmd != start ]] || mode=create
  dir=$(p3s_absdir "$2" $mode)
  marker=$dir/$fixture
  pidfile=$dir/$fixture.pid
  opts=("${@:3}")
}

# stop and status of a fixture that is one process group led by the pid in pidfile: TERM to the
# group, since the servers fork a child per connection that must go too. A script whose server
# differs (Dovecot, dnsmasq, the inetd-style ones below) defines its own after sourcing this.
stop() {
  p3s_kill "$marker" "$pidfile" group
}

status() {
  p3s_status "$fixture" "$pidfile" "$marker"
}

# p3s_dispatch [CMD FUNCTION]... : run what the fixture was called for: start with the options,
# stop and status (which take none), or an internal command of the script's (CMD, run as
# FUNCTION with the options: what the script runs of itself inside a namespace or under
# tcpserver, never by hand).
# shellcheck disable=SC2120 # most scripts have no internal command
p3s_dispatch() {
  while (($# >= 2)); do
    if [[ $cmd == "$1" ]]; then
      "$2" "${opts[@]}"
      return
    fi
    shift 2
  done
  case $cmd in
    start) start "${opts[@]}" ;;
    stop) ((${#opts[@]} == 0)) || usage; stop ;;
    status) status ;;
    *) usage ;;
  esac
}

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
  local marker=$1 pidfile=$2 mode=${3:-} pid='' pids='' left p
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
  # shellcheck disable=SC2086 # lists of pids
  left=$(p3s_still_running 120 $pids)
  if [[ -n $left ]]; then
    p3s_log "killing leftover processes of $marker:$left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    # shellcheck disable=SC2086
    p3s_still_running 40 $pids >/dev/null
  fi
  rm -f -- "$pidfile"
}

# p3s_still_running TRIES PID... -> " PID PID…", those still running after waiting up to TRIES
# times 50 ms for all of them to exit (empty when none is).
p3s_still_running() {
  local tries=$1 i p left=
  shift
  for ((i = 0; i < tries; i++)); do
    left=
    for p in "$@"; do p3s_running "$p" && left+=" $p"; done
    [[ -z $left ]] && break
    sleep 0.05
  done
  echo "$left"
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

# The fixtures for servers that take --port P [--tls-port T] (all but Dovecot and dnsmasq) share
# what follows: one copy of the option checks, the .deb fetching, the library check and the
# greeting poll, so a fix to one (a lock, a retry, a timeout) reaches all of them.

# p3s_options "NAME..." ARGS... : read ARGS, start's options, each --NAME VALUE with NAME one of
# the list, into the caller's variables of that name (a dash becomes an underscore: --tls-port
# sets tls_port), which the caller declares local. An unknown option or one without its value
# logs and calls usage. One reader, so that every fixture takes and refuses options alike.
p3s_options() {
  local p3s_names=" $1 " p3s_name
  shift
  while (($#)); do
    p3s_name=${1#--}
    [[ $1 == --* && $p3s_names == *" $p3s_name "* ]] || { p3s_log "unknown option: $1"; usage; }
    (($# >= 2)) || { p3s_log "$1 needs a value"; usage; }
    printf -v "${p3s_name//-/_}" '%s' "$2"
    shift 2
  done
}

# p3s_port_options [certs] ARGS... : parse start's --port P and --tls-port T (with "certs" also
# --cert FILE --key FILE) into the caller's locals port, tls_port (cert, key) and check them.
# Shared because these scripts have the same command line.
p3s_port_options() {
  local certs=0
  [[ ${1:-} == certs ]] && { certs=1; shift; }
  if ((certs)); then p3s_options "port tls-port cert key" "$@"; else p3s_options "port tls-port" "$@"; fi
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
# popa3d, Cyrus, Courier and Solid POP3 conflict with dovecot-pop3d and so are never installed;
# the lock serialises concurrent starts and the rename leaves no half-unpacked tree behind.
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

# What the starts of the fixtures share: the checks before anything runs, the certificate, the
# system user, the launch with its readiness wait and the clean-up when the server does not come
# up. One copy, so that every fixture fails the same way, and a fix (a timeout, a message, a
# clean-up step) reaches all of them.

# p3s_need_root WHY : die unless run as root; WHY says what needs root.
p3s_need_root() {
  [[ $(id -u) -eq 0 ]] || p3s_die "must run as root ($1)"
}

# p3s_need_commands CMD... : die naming the first CMD that is not installed, before start has
# stopped or changed anything.
p3s_need_commands() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null || p3s_die "$c not installed (run scripts/install-deps.sh test)"
  done
}

# p3s_default_cert : when start got no --cert and --key, point the caller's cert and key at the
# throwaway pair certs.sh makes in DIR; either way both must be readable.
p3s_default_cert() {
  if [[ -z $cert ]]; then
    "$P3S_HERE/certs.sh" "$dir"
    cert=$dir/cert.pem key=$dir/key.pem
  fi
  [[ -r $cert && -r $key ]] || p3s_die "cannot read $cert or $key"
}

# p3s_dh_params : DIR/dh.pem, the fixed RFC 7919 group ffdhe2048 for DHE suites (instant, no
# parameter generation), also when --cert kept certs.sh from making it.
p3s_dh_params() {
  [[ -s $dir/dh.pem ]] ||
    openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$dir/dh.pem" 2>/dev/null
}

# p3s_copy_tls DEST : fresh private copies of the caller's cert and key as DEST/cert.pem and
# DEST/key.pem (mode 600), for servers that read them after dropping root: the originals may be
# root-only, or somewhere the server's user cannot reach.
p3s_copy_tls() {
  rm -rf -- "$1"
  mkdir -p -- "$1"
  cp -- "$cert" "$1/cert.pem"
  cp -- "$key" "$1/key.pem"
  chmod 600 "$1/key.pem"
}

# p3s_system_user USER HOME [GROUP] : create the system user USER when missing, as the Debian
# package's maintainer scripts would have (the servers fetched with apt-get download never ran
# them): in GROUP, which must exist, or in a group of its own. A concurrent start that creates it
# first is no error.
p3s_system_user() {
  local user=$1 home=$2 group=${3:-}
  local -a group_opts=(--user-group)
  if [[ -n $group ]]; then
    getent group "$group" >/dev/null || p3s_die "group $group missing"
    group_opts=(--gid "$group")
  fi
  id -u "$user" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --home-dir "$home" --shell /usr/sbin/nologin \
    "${group_opts[@]}" "$user" 2>/dev/null || id -u "$user" >/dev/null 2>&1 ||
    p3s_die "cannot create user $user"
}

# p3s_start_failed NAME LOG... : what start does when its server does not come up: say so with
# the tail of the LOGs, stop whatever did start (the script's stop), return 1.
p3s_start_failed() {
  p3s_log "$1 failed to start; output tail:"
  shift
  tail -n 20 -- "$@" >&2 2>/dev/null || true
  stop
  return 1
}

# p3s_serve NAME GREETING CAPA LOG CMD... : launch CMD, a POP3 server that is one process group,
# with the fixture's marker and pid file, output to LOG (emptied first); then wait up to
# P3S_START_TIMEOUT seconds (default 20) until 127.0.0.1 listens on the caller's port and
# tls_port and both greet as p3s_wait_greeting checks. On failure p3s_start_failed.
p3s_serve() {
  local name=$1 greeting=$2 capa=$3 log=$4 secs=${P3S_START_TIMEOUT:-20} pid
  local -a wants=("127.0.0.1:$port")
  shift 4
  [[ -z $tls_port ]] || wants+=("127.0.0.1:$tls_port")
  : >"$log"
  p3s_launch "$marker" "$pidfile" "$log" "$@"
  pid=$(<"$pidfile")
  if p3s_wait_listen "$pid" "$secs" t "${wants[@]}" &&
    p3s_wait_greeting "$pid" "$secs" "$name" "$greeting" "$capa" "$port" "$tls_port"; then
    return 0
  fi
  p3s_start_failed "$name" "$log"
}

# The inetd-style fixtures (popa3d, Solid POP3: no daemon mode, no TLS of their own) share what
# follows: tcpserver runs the server per connection on 127.0.0.1 at the caller's port, and with a
# tls_port a socat TLS front relays it to that port (an stunnel-style deployment). Each of the two
# has its own marker, pid file and log: DIR/tcpserver.* and DIR/socat.*.

# p3s_inetd_serve NAME GREETING CAPA SECS CMD... : start tcpserver running CMD and the TLS front,
# wait (10 s each) until they listen, then up to SECS seconds (0: one try) for the greetings as
# p3s_wait_greeting checks. On failure p3s_start_failed.
p3s_inetd_serve() {
  local name=$1 greeting=$2 capa=$3 secs=$4
  shift 4
  p3s_inetd_launch tcpserver "$port" tcpserver -R -H -l localhost -b 128 -c 100 127.0.0.1 "$port" "$@" ||
    return 1
  if [[ -n $tls_port ]]; then
    "$P3S_HERE/certs.sh" "$dir"
    p3s_inetd_launch socat "$tls_port" \
      socat "OPENSSL-LISTEN:$tls_port,bind=127.0.0.1,reuseaddr,fork,backlog=128,cert=$dir/both.pem,verify=0" \
      "TCP:127.0.0.1:$port" || return 1
  fi
  p3s_wait_greeting "$(<"$dir/tcpserver.pid")" "$secs" "$name" "$greeting" "$capa" "$port" "$tls_port" ||
    p3s_start_failed "$name" "$dir/tcpserver.log" "$dir/socat.log"
}

# p3s_inetd_launch PART PORT CMD... : launch CMD as PART (tcpserver or socat) and wait until it
# listens on 127.0.0.1:PORT.
p3s_inetd_launch() {
  local part=$1 port=$2
  shift 2
  : >"$dir/$part.log"
  p3s_launch "$dir/$part" "$dir/$part.pid" "$dir/$part.log" "$@"
  p3s_wait_listen "$(<"$dir/$part.pid")" 10 t "127.0.0.1:$port" ||
    p3s_start_failed "$part" "$dir/$part.log"
}

# p3s_inetd_stop : the TLS front first, so that it relays nothing to a closing port.
p3s_inetd_stop() {
  p3s_kill "$dir/socat" "$dir/socat.pid" group
  p3s_kill "$dir/tcpserver" "$dir/tcpserver.pid" group
}

# p3s_inetd_status : both parts' pids; exit 1 only when tcpserver is down (the front is optional).
p3s_inetd_status() {
  local rc=0 pid part
  for part in tcpserver socat; do
    if pid=$(p3s_pid_alive "$dir/$part.pid" "$dir/$part"); then
      echo "$part running, pid $pid"
    else
      echo "$part not running"
      [[ $part == socat ]] || rc=1
    fi
  done
  return $rc
}
