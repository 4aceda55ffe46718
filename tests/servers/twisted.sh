#!/usr/bin/env bash
# Starts and stops a POP3 server built on Twisted 22.4's twisted.mail.pop3 (Debian's
# python3-twisted; tests/servers/twisted_pop3d.py) on 127.0.0.1 for the integration tests:
# cleartext POP3 on one port (Twisted has no STLS), implicit TLS on another.
#
#   tests/servers/twisted.sh start DIR --port P [--tls-port T] [--cert FILE --key FILE]
#   tests/servers/twisted.sh stop DIR
#   tests/servers/twisted.sh status DIR
#
# python3-twisted installs with apt (scripts/install-deps.sh test). The server runs under Debian's
# /usr/bin/python3, whatever python3 comes first on PATH (Twisted is installed for that one only).
# One process, one in-memory user (poptest / poptest, empty mailbox). Pid in DIR/twisted.pid,
# Twisted's log in DIR/twisted.log. start returns 0 once each port answers with Twisted's greeting,
# an APOP timestamp alone (TLS port through openssl s_client).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
P3S_PROG=twisted.sh
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
marker="$dir/twisted"
pidfile="$dir/twisted.pid"
py=/usr/bin/python3
# Seconds start waits for the ports to listen and then to answer.
start_timeout=${P3S_START_TIMEOUT:-20}

stop() {
  p3s_kill "$marker" "$pidfile" group
  return 0
}

status() {
  p3s_status twisted "$pidfile" "$marker"
}

start() {
  local port='' tls_port='' cert='' key=''
  p3s_port_options certs "$@"
  "$py" -c 'import twisted.mail.pop3' 2>/dev/null ||
    p3s_die "$py has no twisted.mail (run scripts/install-deps.sh test: python3-twisted)"
  local t
  for t in openssl ss setsid; do
    command -v "$t" >/dev/null || p3s_die "$t not installed"
  done

  stop
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"
  if [[ -z $cert ]]; then
    "$here/certs.sh" "$dir"
    cert=$dir/cert.pem key=$dir/key.pem
  fi
  [[ -r $cert && -r $key ]] || p3s_die "cannot read $cert or $key"
  : >"$dir/twisted.log"

  # -u: unbuffered, so the log is complete when start fails.
  PYTHONDONTWRITEBYTECODE=1 p3s_launch "$marker" "$pidfile" "$dir/twisted.log" \
    "$py" -u "$here/twisted_pop3d.py" "$port" "${tls_port:--}" "$cert" "$key"
  local pid wants=("127.0.0.1:$port")
  pid=$(<"$pidfile")
  [[ -z $tls_port ]] || wants+=("127.0.0.1:$tls_port")
  if ! p3s_wait_listen "$pid" "$start_timeout" t "${wants[@]}" ||
    ! p3s_wait_greeting "$pid" "$start_timeout" Twisted '+OK <*@*>*' '+OK*' "$port" "$tls_port"; then
    p3s_log "twisted failed to start; output tail:"
    tail -n 20 "$dir/twisted.log" >&2 || true
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
