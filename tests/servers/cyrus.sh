#!/usr/bin/env bash
# Starts and stops a private Cyrus IMAP 3.6 POP3 server (pop3d under Cyrus' master) on 127.0.0.1
# for the integration tests: cleartext POP3 with STLS on one port, implicit TLS on another.
#
#   tests/servers/cyrus.sh start DIR --port P [--tls-port T] [--cert FILE --key FILE]
#   tests/servers/cyrus.sh stop DIR
#   tests/servers/cyrus.sh status DIR
#
# cyrus-pop3d declares Conflicts: pop3-server (with dovecot-pop3d), so it is never installed:
# `apt-get download cyrus-common cyrus-pop3d` into ${P3S_CACHE:-/var/cache/pop3scan-test}/cyrus,
# unpacked there with dpkg-deb -x (P3S_CYRUS_DEBS=DIR unpacks the two .debs found in DIR instead).
# Its runtime libraries come from apt (scripts/install-deps.sh test); start checks them with ldd.
# start creates the system user cyrus (group mail) when missing (needs root). Everything else
# (imapd.conf, cyrus.conf, config directory, spool, sasldb, TLS files) lives in DIR; nothing is
# read from /etc. Login: user poptest, password poptest (USER/PASS, SASL PLAIN, LOGIN), when
# saslpasswd2 (sasl2-bin) is installed. start returns 0 once each port answers with the Cyrus
# greeting (TLS port through openssl s_client); pid in DIR/cyrus.pid, master's output in
# DIR/cyrus.log (Cyrus itself logs to syslog, absent here). stop kills master and its pop3d.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
P3S_PROG=cyrus.sh
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
  sed -n '5,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
cmd=$1
mode=create
[[ $cmd == start ]] || mode=
dir=$(p3s_absdir "$2" $mode)
shift 2
marker="$dir/cyrus"
pidfile="$dir/cyrus.pid"
cache=${P3S_CACHE:-/var/cache/pop3scan-test}/cyrus
root=$cache/root
libdir=$root/usr/lib/x86_64-linux-gnu
bindir=$root/usr/lib/cyrus/bin
# Seconds start waits for the ports to listen and then to answer.
start_timeout=${P3S_START_TIMEOUT:-20}

stop() {
  p3s_kill "$marker" "$pidfile" group
  return 0
}

status() {
  local pid
  if pid=$(p3s_pid_alive "$pidfile" "$marker"); then
    echo "cyrus running, pid $pid"
  else
    echo "cyrus not running"
    return 1
  fi
}

# Fetch and unpack cyrus-common and cyrus-pop3d into the cache once (serialised with a lock).
ensure_cyrus() {
  [[ -x $bindir/master && -x $bindir/pop3d ]] && return 0
  mkdir -p -- "$cache"
  exec {lock}>"$cache/.lock"
  flock "$lock"
  if [[ ! -x $bindir/master || ! -x $bindir/pop3d ]]; then
    local src=${P3S_CYRUS_DEBS:-} pkg deb
    if [[ -z $src ]]; then
      src=$cache/download
      rm -rf -- "$src"
      mkdir -p -- "$src"
      # The _apt sandbox user cannot write to a root-owned directory: download as root.
      if ! (cd -- "$src" && apt-get download -q -o APT::Sandbox::User=root cyrus-common cyrus-pop3d >&2); then
        p3s_log "apt-get download cyrus-common cyrus-pop3d failed; running apt-get update once and retrying"
        apt-get update -q >&2 || true
        (cd -- "$src" && apt-get download -q -o APT::Sandbox::User=root cyrus-common cyrus-pop3d >&2) ||
          p3s_die "cannot download cyrus-common cyrus-pop3d"
      fi
    fi
    rm -rf -- "$cache/root.tmp"
    for pkg in cyrus-common cyrus-pop3d; do
      deb=$(find "$src" -maxdepth 1 -name "${pkg}_*.deb" | sort | tail -n1)
      [[ -f $deb ]] || p3s_die "no ${pkg}_*.deb in $src"
      dpkg-deb -x "$deb" "$cache/root.tmp"
    done
    rm -rf -- "$root"
    mv -- "$cache/root.tmp" "$root"
  fi
  flock -u "$lock"
  exec {lock}>&-
  [[ -x $bindir/master && -x $bindir/pop3d ]] || p3s_die "Cyrus binaries missing after unpacking: $bindir"
}

# Every shared library of master and pop3d must resolve (they come from apt).
check_libs() {
  local missing
  missing=$(LD_LIBRARY_PATH=$libdir ldd "$bindir/master" "$bindir/pop3d" 2>&1 |
    awk '/not found/ { print $1 }' | sort -u | tr '\n' ' ')
  [[ -z $missing ]] ||
    p3s_die "Cyrus needs libraries that are not installed: ${missing}(run scripts/install-deps.sh test)"
}

# What the Debian maintainer scripts would have done: the user Cyrus drops to.
ensure_system() {
  getent group mail >/dev/null || p3s_die "group mail missing"
  if ! id -u cyrus >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /var/lib/cyrus --shell /usr/sbin/nologin \
      --gid mail cyrus 2>/dev/null || id -u cyrus >/dev/null 2>&1 ||
      p3s_die "cannot create user cyrus"
  fi
}

# wait_ready PID SECONDS PORT [TLS_PORT] : each port answers with a Cyrus greeting (pop3d is
# forked per connection, so a listening socket alone does not prove it runs).
wait_ready() {
  local pid=$1 secs=$2 port=$3 tls_port=${4:-} deadline out
  deadline=$((SECONDS + secs))
  while :; do
    out=$(p3s_pop3_dialogue 127.0.0.1 "$port" CAPA 2>/dev/null) || out=
    if [[ $(sed -n 1p <<<"$out") == "+OK "*"Cyrus POP3"* && $(sed -n 2p <<<"$out") == +OK* ]]; then
      break
    fi
    p3s_running "$pid" || { p3s_log "master exited during start-up"; return 1; }
    ((SECONDS < deadline)) || { p3s_log "no Cyrus greeting on port $port (got '${out%%$'\n'*}')"; return 1; }
    sleep 0.1
  done
  [[ -n $tls_port ]] || return 0
  while :; do
    out=$(printf 'QUIT\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$tls_port" -quiet 2>/dev/null) || true
    [[ $out == "+OK "*"Cyrus POP3"* ]] && return 0
    p3s_running "$pid" || { p3s_log "master exited during start-up"; return 1; }
    ((SECONDS < deadline)) || { p3s_log "no Cyrus greeting over TLS on port $tls_port (got '${out%%$'\r'*}')"; return 1; }
    sleep 0.1
  done
}

start() {
  local port='' tls_port='' cert='' key=''
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=${2:?}; shift 2 ;;
      --tls-port) tls_port=${2:?}; shift 2 ;;
      --cert) cert=${2:?}; shift 2 ;;
      --key) key=${2:?}; shift 2 ;;
      *) p3s_log "unknown option: $1"; usage ;;
    esac
  done
  [[ -n $port ]] || p3s_die "--port is required"
  p3s_check_port "$port"
  [[ -z $tls_port ]] || p3s_check_port "$tls_port"
  [[ $port != "$tls_port" ]] || p3s_die "--port and --tls-port must differ"
  [[ -n $cert && -n $key || -z $cert && -z $key ]] || p3s_die "--cert and --key go together"
  [[ $(id -u) -eq 0 ]] || p3s_die "must run as root (Cyrus' master starts as root and drops to user cyrus)"
  local t
  for t in apt-get dpkg-deb ldd openssl ss setsid flock; do
    command -v "$t" >/dev/null || p3s_die "$t not installed"
  done

  stop
  ensure_cyrus
  check_libs
  ensure_system
  ! p3s_port_busy t 127.0.0.1 "$port" || p3s_die "port 127.0.0.1:$port already in use"
  [[ -z $tls_port ]] || ! p3s_port_busy t 127.0.0.1 "$tls_port" ||
    p3s_die "port 127.0.0.1:$tls_port already in use"

  if [[ -z $cert ]]; then
    "$here/certs.sh" "$dir"
    cert=$dir/cert.pem key=$dir/key.pem
  fi
  [[ -r $cert && -r $key ]] || p3s_die "cannot read $cert or $key"

  # master and pop3d run as cyrus and must reach DIR: give "others" search (x) permission on
  # DIR and its parents if they lack it (mktemp -d makes 0700).
  local p=$dir
  while [[ $p != / ]]; do
    [[ $(( $(stat -c '0%a' -- "$p") & 1 )) -eq 1 ]] || chmod o+x -- "$p"
    p=$(dirname -- "$p")
  done

  rm -rf -- "$dir/config" "$dir/spool" "$dir/run" "$dir/tls"
  mkdir -p "$dir/config/socket" "$dir/spool" "$dir/run" "$dir/tls"
  # Private copies the cyrus user can read (the key may be root-only).
  cp -- "$cert" "$dir/tls/cert.pem"
  cp -- "$key" "$dir/tls/key.pem"
  chmod 600 "$dir/tls/key.pem"

  cat >"$dir/imapd.conf" <<EOF
# Generated by tests/servers/cyrus.sh for a throwaway test instance.
configdirectory: $dir/config
partition-default: $dir/spool
servername: localhost
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $dir/config/sasldb2
sasl_mech_list: PLAIN LOGIN
allowplaintext: yes
tls_server_cert: $dir/tls/cert.pem
tls_server_key: $dir/tls/key.pem
lmtpsocket: $dir/config/socket/lmtp
idlesocket: $dir/config/socket/idle
notifysocket: $dir/config/socket/notify
syslog_prefix: p3s-cyrus
EOF
  {
    echo "# Generated by tests/servers/cyrus.sh for a throwaway test instance."
    echo "SERVICES {"
    echo "  pop3 cmd=\"$bindir/pop3d -C $dir/imapd.conf -U 30\" listen=\"127.0.0.1:$port\" prefork=0 maxchild=200"
    [[ -z $tls_port ]] ||
      echo "  pop3s cmd=\"$bindir/pop3d -s -C $dir/imapd.conf -U 30\" listen=\"127.0.0.1:$tls_port\" prefork=0 maxchild=200"
    echo "}"
  } >"$dir/cyrus.conf"
  chmod 644 "$dir/imapd.conf" "$dir/cyrus.conf"

  if command -v saslpasswd2 >/dev/null; then
    printf 'poptest' | saslpasswd2 -f "$dir/config/sasldb2" -c -p -u localhost poptest ||
      p3s_log "saslpasswd2 failed: no login user (the server still runs)"
  fi
  chown -R cyrus:mail "$dir/config" "$dir/spool" "$dir/run" "$dir/tls"
  : >"$dir/cyrus.log"

  # -D: stay in the foreground; -l: listen backlog. The marker survives into pop3d.
  LD_LIBRARY_PATH=$libdir p3s_launch "$marker" "$pidfile" "$dir/cyrus.log" \
    "$bindir/master" -C "$dir/imapd.conf" -M "$dir/cyrus.conf" -p "$dir/run/master.pid" -l 128 -D
  local pid wants=("127.0.0.1:$port")
  pid=$(<"$pidfile")
  [[ -z $tls_port ]] || wants+=("127.0.0.1:$tls_port")
  if ! p3s_wait_listen "$pid" "$start_timeout" t "${wants[@]}" ||
    ! wait_ready "$pid" "$start_timeout" "$port" "$tls_port"; then
    p3s_log "cyrus failed to start; output tail:"
    tail -n 20 "$dir/cyrus.log" >&2 || true
    stop
    return 1
  fi
}

case $cmd in
  start) start "$@" ;;
  stop) [[ $# -eq 0 ]] || usage; stop ;;
  status) status ;;
  *) usage ;;
esac
