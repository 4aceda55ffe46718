#!/usr/bin/env bash
# bench/realnet.sh — the real-network regime on loopback (issue 13, item 5). On loopback every
# answer comes at once, so the other benchmarks measure CPU; on a real network each answer takes a
# round trip and concurrency decides throughput. Here the test server p3testd waits DELAY ms before
# its greeting and before every answer (--delay), on 0.0.0.0:PORT so every 127.x.y.z reaches it,
# and in the same run:
#   - pop3scan -c CONC -f jsonl -o FILE -p PORT CIDR under /usr/bin/time: wall, peak RSS, exactly
#     one record per address, every one pop3 confirmed;
#   - the ideal for that concurrency: min(CONC, targets) dialogues at a time, each taking the
#     dialogue time (the median of the records' own timing_ms.total: greeting, CAPA, USER, QUIT,
#     4 x DELAY), i.e. targets x dialogue / CONC seconds; pop3scan's share of it. A run of a
#     few waves cannot reach it (a slot does whole dialogues: ceil(targets / CONC) of them on
#     the busiest), so two more figures: that bound, and the steady-state rate — dialogues
#     started per second between the first dialogue's end and the last one's start (from the
#     records' timestamps), against CONC / dialogue;
#   - nmap -Pn -n -sT --script +pop3-capabilities -p PORT NMAP_CIDR (its script scan, which sends
#     CAPA only) in the same regime: targets/s, and pop3scan's targets/s over it.
# -c above the descriptor limit is lowered by pop3scan itself, with a message (printed here).
#
#   bench/realnet.sh [BINARY]
#   env: CONC (15000), DELAY (500), CIDR (127.0.0.0/16), NMAP_CIDR (127.1.0.0/22), PORT (0),
#        P3TESTD (build/tests/testserver/p3testd), NMAP (1: run nmap; 0: skip it),
#        EXTRA (more pop3scan options, e.g. --no-db; default none: the scan keeps its history)
#
# Exit status: 0 when the record count checked out, 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
conc=${CONC:-15000}
delay=${DELAY:-500}
cidr=${CIDR:-127.0.0.0/16}
nmap_cidr=${NMAP_CIDR:-127.1.0.0/22}
port=${PORT:-0}
run_nmap=${NMAP:-1}

die() { echo "realnet.sh: $*" >&2; exit 1; }
size_of() {
  [[ $1 =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+/([0-9]+)$ ]] || die "'$1' must lie inside 127.0.0.0/8"
  local bits=${BASH_REMATCH[1]}
  ((bits >= 8 && bits <= 32)) || die "bad prefix in $1"
  echo $((1 << (32 - bits)))
}
n=$(size_of "$cidr")
n_nmap=$(size_of "$nmap_cidr")
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$testd" ] || die "no p3testd at $testd (make build with tests enabled)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"

dir=$(mktemp -d /tmp/p3s-bench-realnet.XXXXXX)
export XDG_STATE_HOME=$dir/state # the scan history of this run stays here
srv_pid=
cleanup() {
  if [ -n "$srv_pid" ]; then
    kill "$srv_pid" 2>/dev/null || true
    wait "$srv_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$port" = 0 ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi
cat > "$dir/script" <<'SCRIPT'
profile default
start send "+OK realnet ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
on USER send "-ERR no such user\r\n"
on QUIT send "+OK bye\r\n" ; close
on * send "-ERR\r\n"
SCRIPT
"$testd" --delay "$delay" --ready-file "$dir/ready" --listen "0.0.0.0:$port" "$dir/script" \
  2>"$dir/testd.err" &
srv_pid=$!
for _ in $(seq 200); do [ -s "$dir/ready" ] && break; sleep 0.05; done
[ -s "$dir/ready" ] || { cat "$dir/testd.err" >&2; die "p3testd did not start"; }

echo "== bench/realnet.sh: $n targets ($cidr), every reply $delay ms late, -c $conc${EXTRA:+ $EXTRA}, $(date -u +%H:%MZ)"
/usr/bin/time -f "%e %M" -o "$dir/time" "$bin" -f jsonl -o "$dir/out.jsonl" -c "$conc" \
  --read-timeout 5s --deadline 30s ${EXTRA:-} -p "$port" "$cidr" 2>"$dir/err" || true
grep -v '^$' "$dir/err" | head -5 || true
read -r wall rss_kib < "$dir/time"

nmap_wall=
if [ "$run_nmap" = 1 ]; then
  command -v nmap >/dev/null || die "nmap missing (scripts/install-deps.sh bench)"
  start=$(date +%s.%N)
  nmap -Pn -n -sT --script +pop3-capabilities -p "$port" -oX "$dir/nmap.xml" "$nmap_cidr" \
    >/dev/null 2>&1 || true
  nmap_wall=$(python3 -c "import time; print(time.time() - $start)")
fi

python3 - "$dir" "$n" "$conc" "$wall" "$rss_kib" "$n_nmap" "${nmap_wall:-0}" <<'PY'
import collections, datetime, json, math, statistics, sys
import xml.etree.ElementTree as ET
d, n, conc, wall, rss, n_nmap, nmap_wall = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
recs = [json.loads(l) for l in open(f"{d}/out.jsonl")]
ips = collections.Counter(r["ip"] for r in recs)
ok = len(recs) == n and len(ips) == n and all(
    r["state"] == "pop3" and r["confidence"] == "confirmed" for r in recs)
dialogue = statistics.median(r["timing_ms"]["total"] for r in recs) / 1000
ideal = n * dialogue / min(conc, n)
print(f"records: {len(recs)} for {n} addresses, {len(ips)} distinct, "
      f"{sum(r['state'] == 'pop3' for r in recs)} pop3 — {'OK' if ok else 'WRONG'}")
print(f"dialogue (median of the records): {dialogue:.3f} s")
print(f"| | wall | targets/s | peak RSS |")
print(f"|---|---:|---:|---:|")
print(f"| pop3scan -c {conc} | {wall:.1f} s | {n / wall:,.0f} | {rss / 1024:.1f} MiB |")
print(f"| ideal (targets x dialogue / c) | {ideal:.1f} s | {n / ideal:,.0f} | |")
if nmap_wall:
    found = 0
    try:
        for h in ET.parse(f"{d}/nmap.xml").getroot().iter("host"):
            for sc in h.iter("script"):
                if sc.get("id") == "pop3-capabilities":
                    found += 1
    except (ET.ParseError, FileNotFoundError):
        pass
    print(f"| nmap --script pop3-capabilities ({n_nmap} targets, {found} answered) | "
          f"{nmap_wall:.1f} s | {n_nmap / nmap_wall:,.0f} | |")
bound = math.ceil(n / min(conc, n)) * dialogue
print(f"| bound (ceil(targets / c) whole dialogues per slot) | {bound:.1f} s | {n / bound:,.0f} | |")
def when(r):
    return datetime.datetime.strptime(r["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
starts = sorted(when(r) for r in recs)
first_end = min(when(r) + r["timing_ms"]["total"] / 1000 for r in recs)
window = [t for t in starts if t >= first_end]
steady = (len(window) - 1) / (window[-1] - window[0]) if len(window) > 1 and window[-1] > window[0] else 0
print(f"steady state: {steady:,.0f} dialogues started/s over {window[-1] - window[0] if window else 0:.1f} s "
      f"(from the first dialogue's end to the last start); c / dialogue = {min(conc, n) / dialogue:,.0f}/s")
print(f"pop3scan / ideal: {ideal / wall:.2f} (goal >= 0.9); / bound: {bound / wall:.2f}; "
      f"steady state / (c / dialogue): {steady * dialogue / min(conc, n):.2f}")
print(f"peak RSS: {rss / 1024:.1f} MiB (goal <= 64 MiB at -c 15000)")
if nmap_wall:
    print(f"pop3scan / nmap script scan, targets/s: {(n / wall) / (n_nmap / nmap_wall):.1f}")
sys.exit(0 if ok else 1)
PY
