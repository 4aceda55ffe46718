#!/usr/bin/env bash
# Makes a throwaway self-signed TLS certificate for the test servers:
#   DIR/cert.pem (CN=localhost, SAN DNS:localhost, IP:127.0.0.1, IP:::1, RSA 2048, 10 years),
#   DIR/key.pem (unencrypted), DIR/both.pem (cert + key, for socat/courier-style servers)
#   and DIR/dh.pem (the fixed RFC 7919 ffdhe2048 group: instant, no DH generation).
# Files already there are kept. Usage: tests/servers/certs.sh DIR
set -euo pipefail

if [[ $# -ne 1 || $1 == -* ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir=$1
mkdir -p -- "$dir"

if [[ ! -s $dir/cert.pem || ! -s $dir/key.pem ]]; then
  tmp=$(mktemp -d "$dir/.certs.XXXXXX")
  trap 'rm -rf -- "$tmp"' EXIT
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
    -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
    -addext "basicConstraints=critical,CA:FALSE" \
    -addext "keyUsage=critical,digitalSignature,keyEncipherment" \
    -addext "extendedKeyUsage=serverAuth" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/err" ||
    { cat "$tmp/err" >&2; exit 1; }
  chmod 600 "$tmp/key.pem"
  chmod 644 "$tmp/cert.pem"
  # Rename last, so a concurrent or interrupted run never leaves half a pair.
  mv -f -- "$tmp/key.pem" "$dir/key.pem"
  mv -f -- "$tmp/cert.pem" "$dir/cert.pem"
  rm -f -- "$dir/both.pem"
fi

if [[ ! -s $dir/both.pem ]]; then
  cat -- "$dir/cert.pem" "$dir/key.pem" >"$dir/both.pem.tmp$$"
  chmod 600 "$dir/both.pem.tmp$$"
  mv -f -- "$dir/both.pem.tmp$$" "$dir/both.pem"
fi

if [[ ! -s $dir/dh.pem ]]; then
  openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$dir/dh.pem.tmp$$" 2>/dev/null
  mv -f -- "$dir/dh.pem.tmp$$" "$dir/dh.pem"
fi
