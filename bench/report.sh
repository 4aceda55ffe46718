#!/usr/bin/env bash
# bench/report.sh — the HTML report of a /16 (issue 15): its size, what --report costs the scan,
# how long `pop3scan report` takes over the JSONL, and how fast headless Chromium shows it and
# answers a search, key by key. Loopback only: p3testd on 0.0.0.0:PORT (every 127.x.y.z reaches
# it; the server of bench/scale.sh), scanned at -c CONCURRENCY.
#
#   bench/report.sh [BINARY]
#   env: RUNS (3), CIDR (127.0.0.0/16), CONCURRENCY (5000), TERM_TYPED (127.0.3.4),
#        P3TESTD (build/tests/testserver/p3testd)
#
# Measured, medians of RUNS:
#   - pop3scan -c C -f jsonl -o /dev/null -p PORT CIDR             (the scan alone)
#   - the same with --report R.html                                (the scan writing its report)
#     wall time and peak RSS of each, interleaved so both see the same machine;
#   - pop3scan report -o R2.html S.jsonl                           (from the JSONL), time and RSS;
#   - the report's size (goal: at most 15 MB);
#   - Chromium, a fresh browser and profile per run (bench/report_chromium.py): the Navigation
#     Timing of the page (first view = domContentLoadedEventEnd: HTML parsed and the script done,
#     tables drawn; goal: under 3 s), and, typing TERM_TYPED into the search box, the
#     milliseconds each key took to filter 65,536 records and redraw (measured in the page).
# Needs chromium, chromium-driver, python3-selenium (scripts/install-deps.sh test) and
# /usr/bin/time. Exit status 1 when a check fails (wrong record count, console errors).
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
runs=${RUNS:-3}
cidr=${CIDR:-127.0.0.0/16}
conc=${CONCURRENCY:-5000}
term=${TERM_TYPED:-127.0.3.4}

die() { echo "report.sh: $*" >&2; exit 1; }
[[ $cidr =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+/([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 8)) ||
  die "'$cidr' is not a range inside 127.0.0.0/8 (loopback only)"
n_targets=$((1 << (32 - BASH_REMATCH[1])))
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$testd" ] || die "no p3testd at $testd"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
command -v chromium >/dev/null && command -v chromedriver >/dev/null ||
  die "chromium and chromium-driver missing (scripts/install-deps.sh test)"
/usr/bin/python3 -c 'import selenium' 2>/dev/null || die "python3-selenium missing"

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"
((conc < hard - 100)) || conc=$((hard - 100))

dir=$(mktemp -d /tmp/p3s-bench-report.XXXXXX)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && { kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; }
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$dir/script" <<'EOF'
start send "+OK ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n"; close
on * send "-ERR\r\n"
EOF
"$testd" --listen "0.0.0.0:0" --ready-file "$dir/ready" "$dir/script" 2>"$dir/p3testd.err" &
srv_pid=$!
for _ in $(seq 100); do [ -s "$dir/ready" ] && break; sleep 0.05; done
[ -s "$dir/ready" ] || die "p3testd did not start: $(cat "$dir/p3testd.err")"
port=$(awk '{print $3; exit}' "$dir/ready")
cp "$bin" "$dir/pop3scan" # a rebuild during the run must not change the binary under test
bin=$dir/pop3scan

# measure NAME CMD...: wall ms and peak RSS KiB of CMD appended to $dir/NAME.ms / NAME.kb
measure() {
  local name=$1 t0 t1 rc=0
  shift
  t0=$(date +%s%N)
  /usr/bin/time -f %M -o "$dir/rss" "$@" >/dev/null 2>"$dir/err" || rc=$?
  t1=$(date +%s%N)
  [ "$rc" -eq 0 ] || die "$name exited $rc: $(head -n 3 "$dir/err")"
  echo $(((t1 - t0) / 1000000)) >>"$dir/$name.ms"
  tail -n 1 "$dir/rss" >>"$dir/$name.kb"
}
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
max() { sort -n "$1" | tail -n 1; }

echo "report: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
echo "  p3testd on 0.0.0.0:$port; $cidr = $n_targets targets; -c $conc; medians of $runs runs"

for i in $(seq "$runs"); do
  measure scan "$bin" -c "$conc" -f jsonl -o /dev/null -p "$port" "$cidr"
  measure scan_report "$bin" -c "$conc" -f jsonl -o /dev/null --report "$dir/report.html" \
    -p "$port" "$cidr"
done
# once more with the JSONL kept: the check of the records, and the input of pop3scan report
"$bin" -c "$conc" -f jsonl -o "$dir/scan.jsonl" -p "$port" "$cidr" >/dev/null 2>&1
records=$(wc -l <"$dir/scan.jsonl")
pop3=$(grep -c '"state":"pop3"' "$dir/scan.jsonl" || true)
[ "$records" -eq "$n_targets" ] && [ "$pop3" -eq "$n_targets" ] ||
  die "the scan gave $records records, $pop3 pop3 (want $n_targets)"
for i in $(seq "$runs"); do
  measure report "$bin" report -o "$dir/again.html" "$dir/scan.jsonl"
done
size=$(stat -c %s "$dir/report.html")
jsonl_size=$(stat -c %s "$dir/scan.jsonl")

/usr/bin/python3 "$here/bench/report_chromium.py" "$dir/report.html" "$runs" "$term" >"$dir/chromium.jsonl"
read -r dcl load ready resp first_key med_key max_key count errors < <(/usr/bin/python3 - "$dir/chromium.jsonl" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k] for r in runs)
keys = [k["ms"] for r in runs for k in r["typing"][1:]]
print(med("dom_content_loaded_ms"), med("load_ms"), med("ready_ms"), med("response_end_ms"),
      statistics.median(r["typing"][0]["ms"] for r in runs), round(statistics.median(keys), 1),
      max(keys),
      runs[0]["typing"][-1]["count"], sum(len(r["console_errors"]) for r in runs))
EOF
)
want=$(grep -o '"ip":"[^"]*","port":[0-9]*' "$dir/scan.jsonl" | sed 's/"ip":"//; s/","port":/:/' |
  grep -cF "$term" || true)

ms() { awk -v m="$1" 'BEGIN {printf "%.2f s", m / 1000}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
echo
echo "scan of $cidr ($records records, JSONL $(awk -v b="$jsonl_size" 'BEGIN {printf "%.1f MB", b/1e6}')):"
echo "  without --report    $(ms "$(median "$dir/scan.ms")")  peak RSS $(mib "$(max "$dir/scan.kb")")"
echo "  with --report       $(ms "$(median "$dir/scan_report.ms")")  peak RSS $(mib "$(max "$dir/scan_report.kb")")"
echo "  pop3scan report     $(ms "$(median "$dir/report.ms")")  peak RSS $(mib "$(max "$dir/report.kb")")  (from the JSONL)"
awk -v b="$size" 'BEGIN {printf "report size: %.2f MB (goal <= 15 MB: %s)\n", b / 1e6, (b <= 15e6) ? "met" : "NOT met"}'
echo "Chromium, cold, medians of $runs:"
awk -v d="$dcl" -v l="$load" -v r="$ready" -v s="$resp" 'BEGIN {
  printf "  file read %.0f ms; first view (DOMContentLoaded, tables drawn) %.0f ms (goal < 3000 ms: %s); load %.0f ms; script done at %.0f ms\n", s, d, (d < 3000) ? "met" : "NOT met", l, r }'
echo "  typing '$term' into the search: first key $first_key ms (builds the search text), then median $med_key ms, max $max_key ms per key; $count records match (want $want)"
echo "commands:"
echo "  pop3scan -c $conc -f jsonl -o /dev/null -p PORT $cidr"
echo "  pop3scan -c $conc -f jsonl -o /dev/null --report report.html -p PORT $cidr"
echo "  pop3scan -c $conc -f jsonl -o scan.jsonl -p PORT $cidr"
echo "  pop3scan report -o again.html scan.jsonl"
echo "  /usr/bin/python3 bench/report_chromium.py report.html $runs '$term'"
[ "$errors" -eq 0 ] || die "console errors in Chromium: $(head -c 500 "$dir/chromium.jsonl")"
[ "$count" -eq "$want" ] || die "the search found $count records, want $want"
