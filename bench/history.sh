#!/usr/bin/env bash
# bench/history.sh — what the scan history (issue 14, docs/history.md) costs, loopback only.
# Starts the project's test server p3testd on 0.0.0.0:PORT (every 127.x.y.z reaches it), then:
#   - speed: pop3scan -c 5000 -f jsonl -o /dev/null -p PORT CIDR with --no-db and with --db FILE,
#     in RUNS back-to-back pairs (the with-store runs all go into one file, as a monitoring
#     job's history grows); ratio = the median of the pairs' time without / time with (goal
#     >= 0.9), and pop3scan's CPU time with and without;
#   - size: the file's bytes per record after those runs;
#   - diff: `pop3scan diff --db FILE A B` of two scans of CIDR, the same (no change) and after the
#     server changed its greeting and capabilities (every record changed), text and JSONL,
#     DIFF_RUNS times each: median wall time (goal < 2 s for a /16) and peak RSS;
#   - flat memory: the peak RSS of diff for two scans of a /20, a /18 and CIDR, and of diff of
#     two JSONL files of CIDR (loaded into a temporary database on disk);
# and checks every scan stored every record. Prints the figures for bench/RESULTS.md.
#
#   bench/history.sh [BINARY]
#   env: RUNS (5), DIFF_RUNS (3), CONCURRENCY (5000), CIDR (127.0.0.0/16), PORT (0: a free one),
#        P3TESTD (build/tests/testserver/p3testd)
#
# Exit status: 0 when every check passed (goals met or not: the figures say), 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
runs=${RUNS:-5}
diff_runs=${DIFF_RUNS:-3}
conc=${CONCURRENCY:-5000}
cidr=${CIDR:-127.0.0.0/16}
port=${PORT:-0}

die() { echo "history.sh: $*" >&2; exit 1; }
failures=()
fail() { echo "FAIL: $*" >&2; failures+=("$*"); }

case $cidr in
  127.*/*) bits=${cidr#*/} ;;
  *) die "CIDR must lie inside 127.0.0.0/8 (loopback only), not '$cidr'" ;;
esac
((bits >= 8 && bits <= 24)) || die "CIDR: a /8 to a /24"
n=$((1 << (32 - bits)))
base=${cidr%/*}
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$testd" ] || die "no p3testd at $testd"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
command -v python3 >/dev/null || die "python3 missing"

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"

dir=$(mktemp -d /tmp/p3s-bench-history.XXXXXX)
export XDG_STATE_HOME=$dir/state # not the real home, should a run lack --db
srv_pid=
stop_server() {
  if [ -n "$srv_pid" ]; then
    kill "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
    srv_pid=
  fi
}
cleanup() { stop_server; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$bin" "$dir/pop3scan"
bin=$dir/pop3scan

# measure OUT CMD...: M_MS (wall, ms), M_KB (peak RSS, KiB), M_CPU (user + system, ms), M_RC.
measure() {
  local out=$1 t0 t1
  shift
  t0=$(date +%s%N)
  M_RC=0
  /usr/bin/time -f '%M %U %S' -o "$dir/rss" "$@" >"$out" 2>"$dir/err" || M_RC=$?
  t1=$(date +%s%N)
  read -r M_KB M_CPU < <(tail -n 1 "$dir/rss" | awk '{printf "%s %.0f\n", $1, ($2 + $3) * 1000}')
  M_MS=$(awk -v d=$((t1 - t0)) 'BEGIN {printf "%.3f", d / 1e6}')
}
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
max() { sort -n | tail -n 1; }
secs() { awk -v m="$1" 'BEGIN {printf "%.2f", m / 1000}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
list_s() { local s="" x; for x in "$@"; do s+="$(secs "$x") "; done; echo "${s% }"; }
sql() { python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
print(*c.execute(sys.argv[2]).fetchone())' "$@"; }

# server GREETING CAPA: (re)starts p3testd on the same port with that greeting and CAPA list.
server() {
  stop_server
  cat >"$dir/script" <<EOF
start send "+OK $1\r\n"
on CAPA send "+OK\r\n$2.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n"; close
on * send "-ERR\r\n"
EOF
  rm -f "$dir/ready"
  "$testd" --listen "0.0.0.0:$port" --ready-file "$dir/ready" "$dir/script" 2>"$dir/p3testd.err" &
  srv_pid=$!
  for _ in $(seq 100); do [ -s "$dir/ready" ] && break; sleep 0.05; done
  [ -s "$dir/ready" ] || die "p3testd did not start: $(cat "$dir/p3testd.err")"
  port=$(awk '{print $3; exit}' "$dir/ready")
}

# scan DB CIDR: one stored scan; checks the file holds every record.
scan_into() {
  local db=$1 range=$2 want=$((1 << (32 - ${2#*/})))
  measure /dev/null "$bin" -c "$conc" -f jsonl -o /dev/null --db "$db" -p "$port" "$range"
  [ "$M_RC" -eq 0 ] || fail "pop3scan --db exited $M_RC: $(head -n 3 "$dir/err")"
  local got
  got=$(sql "$db" "SELECT records || ' ' || status FROM scan ORDER BY id DESC LIMIT 1")
  [ "$got" = "$want complete" ] || fail "scan of $range stored '$got', want '$want complete'"
}

server "ready" 'TOP\r\nUSER\r\nUIDL\r\n'
echo "history: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), SQLite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)')"
echo "  p3testd on 0.0.0.0:$port; $cidr = $n targets; -c $conc"

# --- speed: without and with the store, interleaved -----------------------------------------
# Each run is a pair, without then with or (every other run) with then without, back to back:
# on a shared machine the load drifts over minutes, and the ratio within a pair sees the same
# load. The figure is the median of the pairs' ratios.
db=$dir/history.sqlite3
without=() with=() with_kb=() without_kb=() without_cpu=() with_cpu=() pairs=()
run_without() {
  measure "$dir/out" "$bin" -c "$conc" -f jsonl -o /dev/null --no-db -p "$port" "$cidr"
  [ "$M_RC" -eq 0 ] || fail "pop3scan --no-db exited $M_RC: $(head -n 3 "$dir/err")"
  without+=("$M_MS") without_kb+=("$M_KB") without_cpu+=("$M_CPU")
}
run_with() {
  scan_into "$db" "$cidr"
  with+=("$M_MS") with_kb+=("$M_KB") with_cpu+=("$M_CPU")
}
for i in $(seq "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then run_without; run_with; else run_with; run_without; fi
  pairs+=("$(awk -v a="${without[-1]}" -v b="${with[-1]}" 'BEGIN {printf "%.3f", a / b}')")
done
med_without=$(printf '%s\n' "${without[@]}" | median)
med_with=$(printf '%s\n' "${with[@]}" | median)
ratio=$(printf '%s\n' "${pairs[@]}" | median)
ratio=$(awk -v r="$ratio" 'BEGIN {printf "%.2f", r}')
ratio_medians=$(awk -v a="$med_without" -v b="$med_with" 'BEGIN {printf "%.2f", a / b}')
cpu_without=$(printf '%s\n' "${without_cpu[@]}" | median)
cpu_with=$(printf '%s\n' "${with_cpu[@]}" | median)
db_bytes=$(stat -c %s "$db")
[ -e "$db-wal" ] && db_bytes=$((db_bytes + $(stat -c %s "$db-wal")))
records=$(sql "$db" "SELECT count(*) FROM record")
[ "$records" -eq $((runs * n)) ] || fail "the file holds $records records, want $((runs * n))"
per_record=$((db_bytes / records))
json_bytes=$(sql "$db" "SELECT sum(length(json)) / count(*) FROM record")

# --- diff of two stored scans: no change, then every record changed ----------------------------
last=$(sql "$db" "SELECT max(id) FROM scan")
prev=$((last - 1))
diff_row() { # LABEL ARGS...: DIFF_RUNS runs of pop3scan diff ARGS; prints a row, sets D_MED
  local label=$1 ms=() kb=()
  shift
  for _ in $(seq "$diff_runs"); do
    measure "$dir/diff.out" "$bin" diff "$@"
    [ "$M_RC" -eq 0 ] || fail "diff $*: exit $M_RC: $(head -n 3 "$dir/err")"
    ms+=("$M_MS") kb+=("$M_KB")
  done
  D_MED=$(printf '%s\n' "${ms[@]}" | median)
  D_KB=$(printf '%s\n' "${kb[@]}" | max)
  printf '  %-44s %6s s  peak RSS %5s MiB  %8s lines out  (runs: %s)\n' "$label" \
    "$(secs "$D_MED")" "$(mib "$D_KB")" "$(wc -l <"$dir/diff.out")" "$(list_s "${ms[@]}")"
}
echo
echo "speed, $runs interleaved runs each:"
printf '  %-10s median %6s s  (runs: %s)  peak RSS %s MiB\n' "--no-db" "$(secs "$med_without")" \
  "$(list_s "${without[@]}")" "$(mib "$(printf '%s\n' "${without_kb[@]}" | max)")"
printf '  %-10s median %6s s  (runs: %s)  peak RSS %s MiB\n' "--db FILE" "$(secs "$med_with")" \
  "$(list_s "${with[@]}")" "$(mib "$(printf '%s\n' "${with_kb[@]}" | max)")"
echo "  ratio (time without / time with), median of the pairs: $ratio (goal >= 0.9); pairs: ${pairs[*]}"
echo "  ratio of the medians: $ratio_medians"
echo "  pop3scan's CPU time (user + system), median: $(secs "$cpu_without") s without, $(secs "$cpu_with") s with: +$(awk -v a="$cpu_without" -v b="$cpu_with" -v n="$n" 'BEGIN {printf "%.1f", (b - a) * 1000 / n}') us per record"
echo
echo "size: $db_bytes bytes for $records records = $per_record bytes per record (the JSONL record alone: $json_bytes)"
echo
echo "diff of two scans of $cidr ($n records each):"
diff_row "no change, text" --db "$db" "$prev" "$last"
grep -q "^No changes ($n addresses" "$dir/diff.out" || fail "diff of two same scans: $(head -n 4 "$dir/diff.out")"
diff_row "no change, jsonl" --db "$db" -f jsonl "$prev" "$last"
[ ! -s "$dir/diff.out" ] || fail "diff -f jsonl of two same scans printed changes"
nochange_ms=$D_MED

server "mail ready" 'TOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n'
scan_into "$db" "$cidr"
last=$(sql "$db" "SELECT max(id) FROM scan")
prev=$((last - 1))
diff_row "every record changed, text" --db "$db" "$prev" "$last"
diff_row "every record changed, jsonl" --db "$db" -f jsonl "$prev" "$last"
[ "$(wc -l <"$dir/diff.out")" -eq $((2 * n)) ] ||
  fail "diff -f jsonl: $(wc -l <"$dir/diff.out") changes, want $((2 * n)) (greeting and capabilities of each)"
changed_ms=$D_MED

# --- flat memory: diff's peak RSS as the scans grow, from the history and from JSONL files ----
echo
echo "diff's peak RSS by the number of records per side (every record changed, text):"
sizes=()
for size in 20 18; do [ "$size" -gt "$bits" ] && sizes+=("$size"); done
for size in "${sizes[@]}" "$bits"; do
  # two scans of the range, the server changed in between: stored, and written as JSONL
  small=$dir/h$size.sqlite3
  for state in a b; do
    if [ "$state" = a ]; then
      server "ready" 'TOP\r\nUSER\r\nUIDL\r\n'
    else
      server "mail ready" 'TOP\r\nUSER\r\nUIDL\r\nPIPELINING\r\n'
    fi
    measure /dev/null "$bin" -c "$conc" -f jsonl -o "$dir/$size$state.jsonl" --db "$small" \
      -p "$port" "$base/$size"
    [ "$M_RC" -eq 0 ] || fail "pop3scan of $base/$size exited $M_RC: $(head -n 3 "$dir/err")"
  done
  diff_row "/$size: $((1 << (32 - size))) records, history" --db "$small" 1 2
  diff_row "/$size: $((1 << (32 - size))) records, JSONL files" "$dir/${size}a.jsonl" "$dir/${size}b.jsonl"
  rm -f "$dir/${size}a.jsonl" "$dir/${size}b.jsonl" "$small"*
done

echo
goal=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.9) ? "met" : "NOT met"}')
dgoal=$(awk -v a="$nochange_ms" -v b="$changed_ms" 'BEGIN {print (a < 2000 && b < 2000) ? "met" : "NOT met"}')
echo "goals: store speed ratio $ratio >= 0.9 $goal; diff of two $n-record scans under 2 s $dgoal"
echo "commands:"
echo "  pop3scan -c $conc -f jsonl -o /dev/null [--no-db | --db FILE] -p PORT $cidr"
echo "  pop3scan diff --db FILE [-f jsonl] OLD NEW"
if [ ${#failures[@]} -gt 0 ]; then
  echo "${#failures[@]} check(s) failed" >&2
  exit 1
fi
