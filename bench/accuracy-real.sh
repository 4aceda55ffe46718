#!/usr/bin/env bash
# bench/accuracy-real.sh — identification accuracy on the real POP3 servers Debian 12 packages
# (issue 12 item 5, the third set), side by side with nmap -sV, loopback only. Starts all eight
# with the test suite's fixtures (tests/servers/*.sh), each with a cleartext port (STLS where the
# server has it) and an implicit-TLS port (a socat front for popa3d and Solid POP3, which have no
# TLS of their own), on free ports of 127.0.0.1; then, in the same run:
#   - pop3scan -f jsonl -p P1,tls:T1,P2,tls:T2,… 127.0.0.1   (its default dialogue: USER probe,
#     STLS, TLS version probes)
#   - nmap -Pn -n -sT -sV -p P1,T1,P2,T2,… 127.0.0.1 -oX FILE   (default intensity 7; nmap finds
#     the TLS ports itself; NMAP_OPTS adds options, e.g. --version-all)
# and scores both with bench/accuracy.py score-real: the same rules and nmap name table
# (NMAP_PRODUCTS) as bench/accuracy.sh — product right, version right (over the ports whose
# server shows a version), wrong names counted apart from misses. Prints one line per port, the
# sums and both wall times; the per-port table goes to TABLE. Every server is stopped on exit,
# whatever happens (trap). Needs root (the fixtures) and scripts/install-deps.sh bench.
#
#   bench/accuracy-real.sh [BINARY]
#   env: TABLE (/tmp/p3s-accuracy-real-table.txt), NMAP_OPTS, KEEP (a directory: pop3scan's
#        JSONL, nmap's XML and the port list are copied there)
#
# Exit status: 0 when every server started and both tools gave a result for every port (whatever
# the rates), 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
table=${TABLE:-/tmp/p3s-accuracy-real-table.txt}
nmap_opts=${NMAP_OPTS:-}
servers_dir=$here/tests/servers
py=/usr/bin/python3

die() { echo "accuracy-real.sh: $*" >&2; exit 1; }
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$py" ] || die "$py missing"
[ "$(id -u)" -eq 0 ] || die "must run as root (the server fixtures need it)"
command -v nmap >/dev/null || die "nmap missing (scripts/install-deps.sh bench)"

# What each server should be named: fixture, vendor, product, version ("-": the server shows
# none). Names as in bench/products.tsv; versions as Debian 12 ships them.
servers=(
  "dovecot|Dovecot|Dovecot|-"
  "cyrus|Cyrus|Cyrus IMAP|3.6.1"
  "courier|Courier|Courier Mail Server|-"
  "popa3d|Openwall|popa3d|-"
  "mailutils|GNU|Mailutils|-"
  "solid-pop3d|Solid POP3|Solid POP3|-"
  "perdition|Perdition|Perdition POP3 proxy|-"
  "twisted|Twisted Matrix Labs|Twisted Mail|-"
)

dir=$(mktemp -d /tmp/p3s-bench-real.XXXXXX)
started=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
  local s
  # The tool running now (wall runs it in the background so that a signal is handled at once).
  if [ -n "${W_PID:-}" ]; then kill "$W_PID" 2>/dev/null || true; wait "$W_PID" 2>/dev/null || true; fi
  for s in "${started[@]}"; do
    bash "$servers_dir/$s.sh" stop "$dir/$s" >/dev/null 2>&1 || echo "accuracy-real.sh: stopping $s failed" >&2
  done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_ports N: N distinct free TCP ports on 127.0.0.1, none of 110, 995, 2024.
free_ports() {
  $py - "$1" <<'EOF'
import socket, sys
socks, ports = [], []
while len(ports) < int(sys.argv[1]):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
    p = s.getsockname()[1]
    if p not in (110, 995, 2024):
        ports.append(p)
print(" ".join(map(str, ports)))
EOF
}

# wall OUT CMD...: runs CMD with stdout to OUT, stderr to $dir/err; sets W_MS and W_RC. CMD runs
# in the background and is waited for, so that INT or TERM stop the run at once (bash runs a trap
# only after a foreground command ends) and cleanup can end it by its pid.
W_PID=
wall() {
  local out=$1 t0 t1
  shift
  t0=$(date +%s%N)
  W_RC=0
  "$@" >"$out" 2>"$dir/err" &
  W_PID=$!
  wait "$W_PID" || W_RC=$?
  W_PID=
  t1=$(date +%s%N)
  W_MS=$(((t1 - t0) / 1000000))
}
secs() { awk -v m="$1" 'BEGIN {printf "%.2f", m / 1000}'; }

# A copy: a rebuild during the run must not change (or break) the binary under test.
cp "$bin" "$dir/pop3scan"
bin=$dir/pop3scan

read -r -a ports <<<"$(free_ports $((2 * ${#servers[@]})))"
: >"$dir/ports"
p3s_spec='' nmap_spec=''
t_start=$(date +%s%N)
i=0
for entry in "${servers[@]}"; do
  IFS='|' read -r name vendor product version <<<"$entry"
  port=${ports[i]} tport=${ports[i + 1]}
  i=$((i + 2))
  started+=("$name")
  bash "$servers_dir/$name.sh" start "$dir/$name" --port "$port" --tls-port "$tport" >"$dir/$name.start" 2>&1 ||
    { cat "$dir/$name.start" >&2; die "$name did not start"; }
  printf '%s\t%s\tplain\t%s\t%s\t%s\n%s\t%s\ttls\t%s\t%s\t%s\n' "$name" "$port" "$vendor" "$product" \
    "$version" "$name" "$tport" "$vendor" "$product" "$version" >>"$dir/ports"
  p3s_spec+="${p3s_spec:+,}$port,tls:$tport"
  nmap_spec+="${nmap_spec:+,}$port,$tport"
done
start_ms=$((($(date +%s%N) - t_start) / 1000000))

echo "accuracy-real: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(nmap --version | head -n 1 | cut -d' ' -f1-3), pop3scan $("$bin" --version 2>&1 | head -n 1)"
echo "  ${#servers[@]} servers started in $(secs $start_ms) s, $((2 * ${#servers[@]})) ports on 127.0.0.1"

failed=0
wall "$dir/p3s-real.jsonl" "$bin" -f jsonl -p "$p3s_spec" 127.0.0.1
p3s_ms=$W_MS
[ "$W_RC" -eq 0 ] || { echo "FAIL: pop3scan exited $W_RC: $(head -n 3 "$dir/err")" >&2; failed=1; }
# shellcheck disable=SC2086 # NMAP_OPTS is a list of options
wall "$dir/nmap-real.out" nmap -Pn -n -sT -sV $nmap_opts -p "$nmap_spec" 127.0.0.1 -oX "$dir/nmap-real.xml"
nmap_ms=$W_MS
[ "$W_RC" -eq 0 ] || { echo "FAIL: nmap exited $W_RC: $(head -n 3 "$dir/err")" >&2; failed=1; }

echo "  commands:"
echo "    pop3scan -f jsonl -p $p3s_spec 127.0.0.1"
echo "    nmap -Pn -n -sT -sV${nmap_opts:+ $nmap_opts} -p $nmap_spec 127.0.0.1 -oX FILE"
echo
$py "$here/bench/accuracy.py" score-real "$dir/ports" "$dir" "$table" || failed=1
if [ -n "${KEEP:-}" ]; then
  mkdir -p "$KEEP"
  cp "$dir"/ports "$dir"/p3s-*.jsonl "$dir"/nmap-*.xml "$KEEP"/
fi
echo
printf '  wall time  pop3scan %s s, nmap -sV %s s (nmap/pop3scan %s); per-port table: %s\n' \
  "$(secs $p3s_ms)" "$(secs $nmap_ms)" \
  "$(awk -v a=$nmap_ms -v b=$p3s_ms 'BEGIN {printf "%.0fx", b ? a / b : 0}')" "$table"
exit $failed
