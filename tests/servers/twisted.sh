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

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
p3s_fixture twisted "$@"

py=/usr/bin/python3

start() {
  local port='' tls_port='' cert='' key=''
  p3s_port_options certs "$@"
  "$py" -c 'import twisted.mail.pop3' 2>/dev/null ||
    p3s_die "$py has no twisted.mail (run scripts/install-deps.sh test: python3-twisted)"
  p3s_need_commands openssl ss setsid

  stop
  p3s_ports_free 127.0.0.1 "$port" "$tls_port"
  p3s_default_cert

  # -u: unbuffered, so the log is complete when start fails.
  p3s_serve Twisted '+OK <*@*>*' '+OK*' "$dir/twisted.log" env PYTHONDONTWRITEBYTECODE=1 \
    "$py" -u "$P3S_HERE/twisted_pop3d.py" "$port" "${tls_port:--}" "$cert" "$key"
}

p3s_dispatch
