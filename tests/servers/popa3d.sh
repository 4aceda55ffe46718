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

# Fetch and unpack popa3d into the cache once (serialised with a lock).
ensure_popa3d() {
  [[ -x $bin ]] && return 0
  mkdir -p -- "$cache"
  exec {lock}>"$cache/.lock"
  flock "$lock"
  if [[ ! -x $bin ]]; then
    local deb=${P3S_POPA3D_DEB:-}
    if [[ -z $deb ]]; then
      local dl=$cache/download
      rm -rf -- "$dl"
      mkdir -p -- "$dl"
      # The _apt sandbox user cannot write to a root-owned directory: download as root.
      if ! (cd -- "$dl" && apt-get download -q -o APT::Sandbox::User=root popa3d >&2); then
        p3s_log "apt-get download popa3d failed; running apt-get update once and retrying"
        apt-get update -q >&2 || true
        (cd -- "$dl" && apt-get download -q -o APT::Sandbox::User=root popa3d >&2) ||
          p3s_die "cannot download popa3d"
      fi
      deb=$(find "$dl" -maxdepth 1 -name 'popa3d_*.deb' | head -n1)
    fi
    [[ -f $deb ]] || p3s_die "no popa3d .deb at $deb"
    rm -rf -- "$cache/root.tmp"
    dpkg-deb -x "$deb" "$cache/root.tmp"
    rm -rf -- "$cache/root"
    mv -- "$cache/root.tmp" "$cache/root"
  fi
  flock -u "$lock"
  exec {lock}>&-
  [[ -x $bin ]] || p3s_die "popa3d binary missing after unpacking: $bin"
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

# check_pop3 ADDR PORT : popa3d greets "+OK" and answers CAPA with "-ERR".
check_pop3() {
  local out greet ans
  out=$(p3s_pop3_dialogue "$1" "$2" CAPA) || { p3s_log "cannot connect to $1:$2"; return 1; }
  greet=$(sed -n 1p <<<"$out")
  ans=$(sed -n 2p <<<"$out")
  [[ $greet == +OK* && $ans == -ERR* ]] ||
    { p3s_log "unexpected dialogue on $1:$2: greeting '$greet', CAPA answer '$ans'"; return 1; }
}

# check_tls PORT : the TLS front relays the "+OK" greeting.
check_tls() {
  local out
  out=$(printf 'QUIT\r\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" -quiet 2>/dev/null) || true
  [[ $out == +OK* ]] || { p3s_log "no +OK through the TLS front on port $1 (got '${out%%$'\r'*}')"; return 1; }
}

start() {
  local port='' tls_port=''
  while [[ $# -gt 0 ]]; do
    case $1 in
      --port) port=${2:?}; shift 2 ;;
      --tls-port) tls_port=${2:?}; shift 2 ;;
      *) p3s_log "unknown option: $1"; usage ;;
    esac
  done
  [[ -n $port ]] || p3s_die "--port is required"
  p3s_check_port "$port"
  [[ -z $tls_port ]] || p3s_check_port "$tls_port"
  [[ $port != "$tls_port" ]] || p3s_die "--port and --tls-port must differ"
  local t
  for t in tcpserver socat openssl; do
    command -v "$t" >/dev/null || p3s_die "$t not installed (apt-get install ucspi-tcp socat openssl)"
  done

  stop
  ensure_popa3d
  ensure_system
  ! p3s_port_busy t 127.0.0.1 "$port" || p3s_die "port 127.0.0.1:$port already in use"
  [[ -z $tls_port ]] || ! p3s_port_busy t 127.0.0.1 "$tls_port" ||
    p3s_die "port 127.0.0.1:$tls_port already in use"

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
  if ! check_pop3 127.0.0.1 "$port" || { [[ -n $tls_port ]] && ! check_tls "$tls_port"; }; then
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
