#!/usr/bin/env bash
# mkcert.sh — a self-signed test certificate with chosen names and validity dates, made with the
# openssl command line (`openssl ca -selfsign`, which, unlike `req -x509` in OpenSSL 3.0, takes
# explicit start and end dates: needed for expired and not-yet-valid certificates).
#
#   tests/servers/mkcert.sh DIR NAME CN SANS START END
#     writes DIR/NAME.pem (certificate) and DIR/NAME.key (P-256 key)
#     SANS: an openssl subjectAltName value ("DNS:mail.test,IP:127.0.0.1"), or "" for none
#     START, END: YYYYMMDDHHMMSSZ (UTC)
set -euo pipefail
[[ $# -eq 6 ]] || { sed -n '6,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
dir=$1 name=$2 cn=$3 sans=$4 start=$5 end=$6
work=$(mktemp -d "$dir/.mkcert.XXXXXX")
trap 'rm -rf "$work"' EXIT
: >"$work/index.txt"
echo 01 >"$work/serial"
{
  echo "[ca]"
  echo "default_ca = test_ca"
  echo "[test_ca]"
  echo "database = $work/index.txt"
  echo "serial = $work/serial"
  echo "new_certs_dir = $work"
  echo "default_md = sha256"
  echo "policy = anything"
  echo "unique_subject = no"
  echo "copy_extensions = none"
  echo "[anything]"
  echo "commonName = supplied"
  echo "[ext]"
  echo "basicConstraints = critical,CA:true"
  echo "keyUsage = digitalSignature,keyCertSign"
  [[ -n $sans ]] && echo "subjectAltName = $sans"
  echo "[req]"
  echo "distinguished_name = dn"
  echo "[dn]"
} >"$work/ca.cnf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$name.key" 2>/dev/null
openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -config "$work/ca.cnf" -out "$work/req.csr"
openssl ca -batch -selfsign -config "$work/ca.cnf" -keyfile "$dir/$name.key" -in "$work/req.csr" \
  -startdate "$start" -enddate "$end" -extensions ext -out "$dir/$name.pem" 2>"$work/log" ||
  { cat "$work/log" >&2; exit 1; }
