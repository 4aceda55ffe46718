#!/usr/bin/env bash
# bench/run.sh — runs every benchmark of bench/ in turn (each compares pop3scan with nmap on the
# same targets in the same run and prints the ratios; history.sh compares pop3scan with and
# without its scan history, pg.sh with it in PostgreSQL, report.sh times the report in Chromium).
# Build first: make build.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
echo "== $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r)"
bash "$here/single.sh" "$@"
bash "$here/scale.sh" "$@"
bash "$here/accuracy-all.sh" "$@"
bash "$here/rate.sh" "$@"
bash "$here/history.sh" "$@"
bash "$here/pg.sh" "$@"
bash "$here/tls.sh" "$@"
bash "$here/realnet.sh" "$@"
bash "$here/report.sh" "$@"
bash "$here/discover.sh" "$@"
