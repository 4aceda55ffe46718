#!/usr/bin/env bash
# Starts and stops the Perdition 2.2 POP3 proxy (Debian's perdition) on 127.0.0.1 for the
# integration tests: perdition.pop3 with STLS on one port, perdition.pop3s (implicit TLS) on another.
#
#   tests/servers/perdition.sh start DIR --port P [--tls-port T] [--cert FILE --key FILE]
#   tests/servers/perdition.sh stop DIR
#   tests/servers/perdition.sh status DIR
#
# perdition installs with apt (scripts/install-deps.sh test); its own service stays off. Each
# listener is a perdition process in the foreground (--no_daemon) that forks a child per
# connection, with an empty config file (DIR/empty.conf, so /etc/perdition/perdition.conf is not
# read), no map library (-M ""), logging to stderr (-F +, into DIR/perdition.log), no pid file and
# no DNS or port look-ups (-n). Perdition answers the greeting, CAPA, STLS, USER and QUIT itself;
# only PASS connects to the back end, which here is 127.0.0.1 port 9 where nothing listens: the
# tests never log in.
#
# Perdition overwrites its environment and command line with its process title ("perdition.pop3:
# daemon"), so lib.sh's marker cannot find it. Both listeners therefore run in a PID namespace of
# their own (unshare --pid --fork --kill-child), whose unshare process keeps the marker: stop
# kills it, and with its first process gone the kernel kills every process in the namespace,
# children included. start returns 0 once each port answers with Perdition's greeting (TLS port
# through openssl s_client); pid in DIR/perdition.pid (the unshare process).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
P3S_PROG=perdition.sh
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
bindir=/usr/sbin
# Where PASS would be proxied to: a loopback port nothing listens on.
backend=127.0.0.1:9
# Seconds start waits for the ports to listen and then to answer.
start_timeout=${P3S_START_TIMEOUT:-20}

marker="$dir/perdition"
pidfile="$dir/perdition.pid"

stop() {
  p3s_kill "$marker" "$pidfile" group
  return 0
}

status() {
  p3s_status perdition "$pidfile" "$marker"
}

# Inside the namespace (PID 1 there): the listeners, then wait for them.
run_inside() {
  local port=$1 tls_port=$2
  listener pop3 POP3 tls_listen "$port" &
  [[ -z $tls_port ]] || listener pop3s POP3S ssl_listen "$tls_port" &
  wait
}

# listener NAME PROTOCOL SSL-MODE PORT : one perdition listener (perdition.NAME), in the foreground.
listener() {
  local name=$1 proto=$2 ssl_mode=$3 port=$4
  "$bindir/perdition.$name" --protocol "$proto" --ssl_mode "$ssl_mode" \
    --bind_address 127.0.0.1 --listen_port "$port" --outgoing_server "$backend" --no_lookup \
    --config_file "$dir/empty.conf" --map_library "" --log_facility + --no_daemon --pid_file "" \
    --ssl_cert_file "$dir/tls/cert.pem" --ssl_key_file "$dir/tls/key.pem" \
    --ssl_dh_params_file "$dir/tls/dh.pem"
}

start() {
  local port='' tls_port='' cert='' key=''
  p3s_port_options certs "$@"
  [[ $(id -u) -eq 0 ]] || p3s_die "must run as root (perdition starts as root and drops to nobody)"
  [[ -x $bindir/perdition.pop3 && -x $bindir/perdition.pop3s ]] ||
    p3s_die "perdition not installed (run scripts/install-deps.sh test)"
  local t
  for t in openssl ss setsid unshare; do
    command -v "$t" >/dev/null || p3s_die "$t not installed"
  done

  stop
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"
  "$here/certs.sh" "$dir"
  [[ -n $cert ]] || cert=$dir/cert.pem key=$dir/key.pem
  [[ -r $cert && -r $key ]] || p3s_die "cannot read $cert or $key"
  rm -rf -- "$dir/tls"
  mkdir -p -- "$dir/tls"
  cp -- "$cert" "$dir/tls/cert.pem"
  cp -- "$key" "$dir/tls/key.pem"
  cp -- "$dir/dh.pem" "$dir/tls/dh.pem"
  chmod 600 "$dir/tls/key.pem"
  : >"$dir/empty.conf"
  : >"$dir/perdition.log"

  p3s_launch "$marker" "$pidfile" "$dir/perdition.log" \
    unshare --pid --fork --kill-child bash "${BASH_SOURCE[0]}" _inside "$dir" "$port" "$tls_port"
  local pid wants=("127.0.0.1:$port")
  pid=$(<"$pidfile")
  [[ -z $tls_port ]] || wants+=("127.0.0.1:$tls_port")
  if ! p3s_wait_listen "$pid" "$start_timeout" t "${wants[@]}" ||
    ! p3s_wait_greeting "$pid" "$start_timeout" Perdition '+OK POP3 perditon ready on 127.0.0.1 *' \
      '+OK*' "$port" "$tls_port"; then
    p3s_log "perdition failed to start; output tail:"
    tail -n 20 "$dir/perdition.log" >&2 || true
    stop
    return 1
  fi
}

case $cmd in
  start) start "$@" ;;
  stop) [[ $# -eq 0 ]] || usage; stop ;;
  status) status ;;
  _inside) run_inside "$@" ;;
  *) usage ;;
esac
