#!/usr/bin/env bash
# Starts and stops popa3d (a minimal POP3 server: bare "+OK" greeting, bare "-ERR" for CAPA,
# STLS, AUTH …) on 127.0.0.1 for the integration tests, run inetd-style under tcpserver, with
# an optional socat TLS front for implicit TLS (an stunnel-style deployment).
#
#   tests/servers/popa3d.sh start DIR --port P [--tls-port T]
#   tests/servers/popa3d.sh stop DIR
#   tests/servers/popa3d.sh status DIR
#
# popa3d declares Conflicts: pop3-server (with dovecot-pop3d), so it is never installed: its
# .deb is fetched with `apt-get download popa3d` into the cache directory
# ${P3S_CACHE:-/var/cache/pop3scan-test}/popa3d and unpacked there with dpkg-deb -x (set
# P3S_POPA3D_DEB=FILE to unpack a local .deb instead). start also creates the system user
# popa3d and the empty root-owned chroot /var/lib/popa3d when missing (needs root).
# Pids go to DIR/tcpserver.pid and DIR/socat.pid, output to DIR/tcpserver.log, DIR/socat.log.
# start returns 0 once the ports listen and popa3d answers "+OK" and "-ERR" to CAPA.
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
P3S_PROG=popa3d.sh
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
  sed -n '6,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 2 ]] || usage
cmd=$1
mode=create
[[ $cmd == start ]] || mode=
dir=$(p3s_absdir "$2" $mode)
shift 2
cache=${P3S_CACHE:-/var/cache/pop3scan-test}/popa3d
bin=$cache/root/usr/sbin/popa3d

stop() {
  p3s_kill "$dir/socat" "$dir/socat.pid" group
  p3s_kill "$dir/tcpserver" "$dir/tcpserver.pid" group
  return 0
}

status() {
  local rc=0 pid n
  for n in tcpserver socat; do
    if pid=$(p3s_pid_alive "$dir/$n.pid" "$dir/$n"); then
      echo "$n running, pid $pid"
    else
      echo "$n not running"
      [[ $n == socat ]] || rc=1
    fi
  done
  return $rc
}

# Fetch and unpack popa3d into the cache once.
ensure_popa3d() {
  p3s_unpack_debs "$cache" "${P3S_POPA3D_DEB:-}" popa3d "$bin"
}

# What the Debian maintainer scripts would have done: the user popa3d drops to and the
# empty root-owned directory it chroots into.
ensure_system() {
  if ! id -u popa3d >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /var/lib/popa3d --shell /usr/sbin/nologin \
      --user-group popa3d 2>/dev/null || id -u popa3d >/dev/null 2>&1 ||
      p3s_die "cannot create user popa3d"
  fi
  if [[ ! -d /var/lib/popa3d ]]; then
    mkdir -p /var/lib/popa3d
  fi
  chown root:root /var/lib/popa3d
  chmod 755 /var/lib/popa3d
}

start() {
  local port='' tls_port=''
  p3s_port_options "$@"
  local t
  for t in tcpserver socat openssl; do
    command -v "$t" >/dev/null || p3s_die "$t not installed (apt-get install ucspi-tcp socat openssl)"
  done

  stop
  ensure_popa3d
  ensure_system
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"

  : >"$dir/tcpserver.log"
  p3s_launch "$dir/tcpserver" "$dir/tcpserver.pid" "$dir/tcpserver.log" \
    tcpserver -R -H -l localhost -b 128 -c 100 127.0.0.1 "$port" "$bin"
  if ! p3s_wait_listen "$(<"$dir/tcpserver.pid")" 10 t "127.0.0.1:$port"; then
    tail -n 20 "$dir/tcpserver.log" >&2 || true
    stop
    return 1
  fi
  if [[ -n $tls_port ]]; then
    "$here/certs.sh" "$dir"
    : >"$dir/socat.log"
    p3s_launch "$dir/socat" "$dir/socat.pid" "$dir/socat.log" \
      socat "OPENSSL-LISTEN:$tls_port,bind=127.0.0.1,reuseaddr,fork,backlog=128,cert=$dir/both.pem,verify=0" \
      "TCP:127.0.0.1:$port"
    if ! p3s_wait_listen "$(<"$dir/socat.pid")" 10 t "127.0.0.1:$tls_port"; then
      tail -n 20 "$dir/socat.log" >&2 || true
      stop
      return 1
    fi
  fi
  # One try each, no polling: popa3d greets "+OK" and answers CAPA with "-ERR", and the TLS
  # front relays the greeting.
  if ! p3s_wait_greeting "$(<"$dir/tcpserver.pid")" 0 popa3d '+OK*' '-ERR*' "$port" "$tls_port"; then
    tail -n 20 "$dir/tcpserver.log" "$dir/socat.log" >&2 2>/dev/null || true
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
