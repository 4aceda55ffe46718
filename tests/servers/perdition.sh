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

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture perdition "$@"

bindir=/usr/sbin
# Where PASS would be proxied to: a loopback port nothing listens on.
backend=127.0.0.1:9

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
  p3s_need_root "perdition starts as root and drops to nobody"
  [[ -x $bindir/perdition.pop3 && -x $bindir/perdition.pop3s ]] ||
    p3s_die "perdition not installed (run scripts/install-deps.sh test)"
  p3s_need_commands openssl ss setsid unshare

  stop
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"
  p3s_default_cert
  p3s_dh_params
  p3s_copy_tls "$dir/tls"
  cp -- "$dir/dh.pem" "$dir/tls/dh.pem"
  : >"$dir/empty.conf"

  p3s_serve Perdition '+OK POP3 perditon ready on 127.0.0.1 *' '+OK*' "$dir/perdition.log" \
    unshare --pid --fork --kill-child bash "${BASH_SOURCE[0]}" _inside "$dir" "$port" "$tls_port"
}

p3s_dispatch _inside run_inside
