#!/usr/bin/env bash
# bench/accuracy.sh — identification accuracy side by side (issue 5), loopback only. Every
# service of the project's corpus bench/corpus/greetings.tsv is played by the test server
# p3testd on its own address 127.77.X.Y (a generated script: one profile per entry, `match cidr
# 127.77.X.Y/32`, serving the entry's greeting, CAPA answer and USER reply, `+OK` and close on
# QUIT, a bare `-ERR` to anything else); then, in the same run:
#   - pop3scan -f jsonl --no-tls-versions -p PORT <addresses>
#   - nmap -Pn -n -sT -sV -p PORT <addresses> -oX FILE   (default intensity 7, no -T4;
#     NMAP_OPTS=--version-all for intensity 9)
# bench/accuracy.py scores both against the corpus and prints, for each tool: product right %,
# version right % (over the entries that have an expected version), wrong names (a product
# named that is not the expected one: the worst error), wrong versions, and both wall times.
# The per-entry table (expected / pop3scan / nmap) goes to TABLE. How nmap's product strings are
# mapped to the corpus products: the NMAP_PRODUCTS table at the top of bench/accuracy.py.
#
# Entries with a certificate column (Exchange Online, Gmail, AOL, …: operators named by their
# certificate) are served on implicit TLS, on TLS_PORT of their own address, by one p3testd per
# distinct certificate subject (a self-signed P-256 certificate made with openssl); both tools
# scan those addresses with a second command (pop3scan -p tls:TLS_PORT; nmap -p TLS_PORT, which
# finds the TLS itself). The wall times are the sums of the two commands of each tool.
#
#   bench/accuracy.sh [BINARY]
#   env: PORT (0: a free one), TLS_PORT (0: a free one), TABLE (/tmp/p3s-accuracy-table.txt),
#        NMAP_OPTS (extra nmap options, e.g. --version-all), P3TESTD
#        (build/tests/testserver/p3testd), CORPUS (bench/corpus/greetings.tsv), KEEP (a directory:
#        the generated script, pop3scan's JSONL and nmap's XML are copied there)
#
# Exit status: 0 when both tools gave a result for every entry (whatever the rates), 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
corpus=${CORPUS:-$here/bench/corpus/greetings.tsv}
table=${TABLE:-/tmp/p3s-accuracy-table.txt}
port=${PORT:-0}
tls_port=${TLS_PORT:-0}
nmap_opts=${NMAP_OPTS:-}
py=/usr/bin/python3

die() { echo "accuracy.sh: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$testd" ] || die "no p3testd at $testd (make build with tests enabled)"
[ -x "$py" ] || die "$py missing"
command -v nmap >/dev/null || die "nmap missing (scripts/install-deps.sh bench)"
command -v openssl >/dev/null || die "openssl missing (for the certificates of the TLS entries)"

dir=$(mktemp -d /tmp/p3s-bench-accuracy.XXXXXX)
# Scans keep a history by default (docs/history.md): the benchmark's goes here, not to $HOME.
export XDG_STATE_HOME=$dir/state
pids=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_testd NAME ARGS...: p3testd with the generated script; waits for its ready file.
start_testd() {
  local name=$1
  shift
  "$testd" "$@" --ready-file "$dir/$name.ready" "$dir/script" 2>"$dir/$name.err" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "$dir/$name.ready" ] && return 0; sleep 0.05; done
  die "p3testd ($name) did not start: $(cat "$dir/$name.err")"
}
free_port() { $py -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'; }

# wall OUT CMD...: runs CMD with stdout to OUT, stderr to $dir/err; sets W_MS and W_RC.
wall() {
  local out=$1 t0 t1
  shift
  t0=$(date +%s%N)
  W_RC=0
  "$@" >"$out" 2>"$dir/err" || W_RC=$?
  t1=$(date +%s%N)
  W_MS=$(((t1 - t0) / 1000000))
}
secs() { awk -v m="$1" 'BEGIN {printf "%.2f", m / 1000}'; }

$py "$here/bench/accuracy.py" setup "$corpus" "$dir"
"$testd" --check "$dir/script" || die "generated script rejected"
plain=() tls=()
declare -A group_addrs group_cert
while IFS=$'\t' read -r addr group cert; do
  if [ "$group" = 0 ]; then
    plain+=("$addr")
  else
    tls+=("$addr")
    group_addrs[$group]+=" $addr"
    group_cert[$group]=$cert
  fi
done <"$dir/entries"

start_testd plain --listen "0.0.0.0:$port"
port=$(awk '{print $3; exit}' "$dir/plain.ready")
if [ ${#tls[@]} -gt 0 ]; then
  [ "$tls_port" != 0 ] || tls_port=$(free_port)
  for g in "${!group_addrs[@]}"; do
    # "CN=a, O=b" -> "/CN=a/O=b"
    subj="/${group_cert[$g]//, //}"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "$subj" \
      -keyout "$dir/cert$g.pem" -out "$dir/cert$g.crt" 2>"$dir/openssl.err" ||
      die "openssl: $(cat "$dir/openssl.err")"
    cat "$dir/cert$g.crt" >>"$dir/cert$g.pem"
    args=()
    for a in ${group_addrs[$g]}; do args+=(--tls-listen "$a:$tls_port"); done
    start_testd "tls$g" "${args[@]}" --cert "$dir/cert$g.pem"
  done
fi

# A copy: a rebuild during the run must not change (or break) the binary under test.
cp "$bin" "$dir/pop3scan"
bin=$dir/pop3scan

echo "accuracy: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(nmap --version | head -n 1 | cut -d' ' -f1-3), pop3scan $("$bin" --version 2>&1 | head -n 1)"
echo "  corpus $corpus: ${#plain[@]} entries in clear on 127.77.x.y:$port, ${#tls[@]} on implicit TLS on 127.77.x.y:$tls_port (${#group_cert[@]} certificates)"

failed=0
p3s_ms=0 nmap_ms=0
cmds=()
# run TOOL PART PORTSPEC ADDRS...
run() {
  local tool=$1 part=$2 spec=$3
  shift 3
  if [ "$tool" = pop3scan ]; then
    cmds+=("pop3scan -f jsonl --no-tls-versions -p $spec <$# addresses>")
    wall "$dir/p3s-$part.jsonl" "$bin" -f jsonl --no-tls-versions -p "$spec" "$@"
    p3s_ms=$((p3s_ms + W_MS))
  else
    cmds+=("nmap -Pn -n -sT -sV${nmap_opts:+ $nmap_opts} -p $spec <$# addresses> -oX FILE")
    # shellcheck disable=SC2086
    wall "$dir/nmap-$part.out" nmap -Pn -n -sT -sV $nmap_opts -p "$spec" "$@" -oX "$dir/nmap-$part.xml"
    nmap_ms=$((nmap_ms + W_MS))
  fi
  if [ "$W_RC" -ne 0 ]; then
    echo "FAIL: $tool ($part) exited $W_RC: $(head -n 3 "$dir/err")" >&2
    failed=1
  fi
}
run pop3scan plain "$port" "${plain[@]}"
[ ${#tls[@]} -eq 0 ] || run pop3scan tls "tls:$tls_port" "${tls[@]}"
run nmap plain "$port" "${plain[@]}"
[ ${#tls[@]} -eq 0 ] || run nmap tls "$tls_port" "${tls[@]}"

echo "  commands:"
printf '    %s\n' "${cmds[@]}"
echo
$py "$here/bench/accuracy.py" score "$corpus" "$dir" "$table" || failed=1
if [ -n "${KEEP:-}" ]; then
  mkdir -p "$KEEP"
  cp "$dir"/script "$dir"/entries "$dir"/p3s-*.jsonl "$dir"/nmap-*.xml "$KEEP"/
fi
echo
printf '  wall time  pop3scan %s s, nmap -sV %s s (nmap/pop3scan %s); per-entry table: %s\n' \
  "$(secs $p3s_ms)" "$(secs $nmap_ms)" \
  "$(awk -v a=$nmap_ms -v b=$p3s_ms 'BEGIN {printf "%.0fx", b ? a / b : 0}')" "$table"
exit $failed
