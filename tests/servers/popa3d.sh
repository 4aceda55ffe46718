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

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture popa3d "$@"

cache=${P3S_CACHE:-/var/cache/pop3scan-test}/popa3d
bin=$cache/root/usr/sbin/popa3d

stop() { p3s_inetd_stop; }
status() { p3s_inetd_status; }

# Fetch and unpack popa3d into the cache once.
ensure_popa3d() {
  p3s_unpack_debs "$cache" "${P3S_POPA3D_DEB:-}" popa3d "$bin"
}

# What the Debian maintainer scripts would have done: the user popa3d drops to and the
# empty root-owned directory it chroots into.
ensure_system() {
  p3s_system_user popa3d /var/lib/popa3d
  mkdir -p /var/lib/popa3d
  chown root:root /var/lib/popa3d
  chmod 755 /var/lib/popa3d
}

start() {
  local port='' tls_port=''
  p3s_port_options "$@"
  p3s_need_commands tcpserver socat openssl

  stop
  ensure_popa3d
  ensure_system
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"

  # One try for the greetings, no polling: tcpserver listening means popa3d answers, with "+OK",
  # and "-ERR" to CAPA; the TLS front relays the greeting.
  p3s_inetd_serve popa3d '+OK*' '-ERR*' 0 "$bin"
}

p3s_dispatch
