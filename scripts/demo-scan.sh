#!/usr/bin/env bash
# demo-scan.sh — what `make scan` does with no TARGET: start a real Dovecot on loopback high ports
# with a throwaway config (tests/servers/dovecot.sh), scan it, and stop it, so a newcomer sees a
# full result offline.
#
#   scripts/demo-scan.sh BINARY [pop3scan options]
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=$1
shift
dir=$(mktemp -d /tmp/pop3scan-demo.XXXXXX)
trap 'bash "$here/tests/servers/dovecot.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
plain=21110 tls=21995
echo "Starting a throwaway Dovecot on 127.0.0.1:$plain (STLS) and :$tls (implicit TLS)..." >&2
bash "$here/tests/servers/dovecot.sh" start "$dir" --listen 127.0.0.1 --port $plain \
  --tls-port $tls --plaintext yes >/dev/null
"$bin" -p "$plain,tls:$tls" "$@" 127.0.0.1
