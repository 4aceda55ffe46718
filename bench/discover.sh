#!/usr/bin/env bash
# bench/discover.sh — how fast --discover finds the mail hosts of many domains (issue 16), and
# that --dns-concurrency bounds its DNS queries in flight. Loopback only: dnsmasq (started by
# tests/servers/dnsmasq.sh on 127.0.0.1) serves a generated zone of DOMAINS domains
# d00000.sK.bench.test …. dnsmasq keeps --srv-host, --mx-host and --cname records in lists it
# walks for every query, so one instance holding 10,000 domains answers a few hundred queries a
# second and measures itself, not pop3scan: the domains are spread over SHARDS back-end
# instances (sK.bench.test on the K-th), and the one pop3scan asks forwards each sK.bench.test
# to its back end (dns-forward-max raised above the largest limit, so none is dropped). Each
# domain has
#   SRV _pop3s._tcp.D -> pop.D:995, MX D -> mx.D, A of pop.D and mx.D (one 127.10.x.y address per
#   domain), mail.D a CNAME of mx.D; pop3, pop.mail, imap and D itself do not exist (NXDOMAIN),
# so a domain costs 3 SRV/MX queries and the A and AAAA of 7 names (the CNAME's target asked
# within the same answer): about 17 queries. Then, RUNS times for each limit in LIMITS:
#   pop3scan discover -q? -f jsonl -iL domains --resolver 127.0.0.1:P --dns-concurrency LIMIT
# timed, with its own count of queries and of the most in flight (dns.c counts every query
# between sending it and its answer); dnsmasq's log of queries received is checked against that
# count (c-ares sending a query again after 5 s without an answer shows as one more there), and
# every domain must come out with its two entries (110 and 995/tls on its address).
# Last, one --discover scan (-p 1, nothing listens: every connection is refused at once) of the
# same domains, for the whole path. Prints the figures for bench/RESULTS.md.
#
#   bench/discover.sh [BINARY]
#   env: DOMAINS (10000), LIMITS ("10 100 300 1000"), RUNS (3), SHARDS (10), CLEAN (100)
#
# pop3scan must keep to every limit (most in flight <= limit). Up to CLEAN in flight, dnsmasq
# must also answer everything: every query seen once (or again after a c-ares retransmission),
# 2 entries a domain, none with an error. Past it the figures show what the resolver does with
# the burst (dnsmasq's UDP socket holds a few hundred queries; what overflows is lost, c-ares
# asks again after the read timeout, and a name asked twice in vain is an error entry): they are
# reported, not failed.
#
# Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
domains=${DOMAINS:-10000}
limits=${LIMITS:-10 100 300 1000}
clean=${CLEAN:-100}
runs=${RUNS:-3}
shards=${SHARDS:-10}

die() { echo "discover.sh: $*" >&2; exit 1; }
failures=()
fail() { echo "FAIL: $*" >&2; failures+=("$*"); }
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
command -v dnsmasq >/dev/null || die "dnsmasq missing (apt-get install dnsmasq-base)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
((domains >= 1 && domains <= 60000)) || die "DOMAINS: 1 to 60000"

work=$(mktemp -d /tmp/p3s-bench-discover.XXXXXX)
dnsdir=$work/dns
cleanup() {
  bash "$here/tests/servers/dnsmasq.sh" stop "$dnsdir" >/dev/null 2>&1 || true
  for k in $(seq 0 $((shards - 1))); do
    bash "$here/tests/servers/dnsmasq.sh" stop "$work/back$k" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The zones (one per back end) and the domain list.
python3 - "$domains" "$shards" "$work" <<'PY'
import sys
n, shards, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
zones = [open(f"{work}/zone{k}.conf", "w") for k in range(shards)]
with open(f"{work}/domains.txt", "w") as d:
    for i in range(n):
        dom = f"d{i:05d}.s{i % shards}.bench.test"
        addr = f"127.10.{i // 250}.{i % 250 + 1}"
        zones[i % shards].write(f"srv-host=_pop3s._tcp.{dom},pop.{dom},995,10,0\n"
                                f"mx-host={dom},mx.{dom},10\n"
                                f"host-record=pop.{dom},{addr}\n"
                                f"host-record=mx.{dom},{addr}\n"
                                f"cname=mail.{dom},mx.{dom}\n")
        d.write(dom + "\n")
for z in zones:
    z.close()
PY
echo "dns-forward-max=20000" >"$work/front.conf"
for k in $(seq 0 $((shards - 1))); do
  bport=$(free_port)
  bash "$here/tests/servers/dnsmasq.sh" start "$work/back$k" --port "$bport" \
    --extra "$work/zone$k.conf" >/dev/null
  echo "server=/s$k.bench.test/127.0.0.1#$bport" >>"$work/front.conf"
done
port=$(free_port)
bash "$here/tests/servers/dnsmasq.sh" start "$dnsdir" --port "$port" --extra "$work/front.conf" \
  >/dev/null
log=$dnsdir/dnsmasq.log

echo "== discover.sh: $domains domains over $shards back ends, dnsmasq $(dnsmasq --version | head -1 | awk '{print $3}'),"\
     "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "limit  run  seconds  domains/s  queries  queries/s  most-in-flight  dnsmasq-saw  entries  errors  pop3scan-cpu-s"
for limit in $limits; do
  for run in $(seq 1 "$runs"); do
    before=$(grep -c ' query\[' "$log" || true)
    start=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$work/cpu" "$bin" discover -f jsonl -iL "$work/domains.txt" \
      --resolver "127.0.0.1:$port" --dns-concurrency "$limit" >"$work/out.jsonl" 2>"$work/err"
    end=$(date +%s.%N)
    cpu=$(awk '{printf "%.2f", $1 + $2}' "$work/cpu")
    after=$(grep -c ' query\[' "$log" || true)
    line=$(tail -n 1 "$work/err")
    q=$(sed -n 's/.* \([0-9]*\) DNS queries.*/\1/p' <<<"$line")
    peak=$(sed -n 's/.*at most \([0-9]*\) in flight.*/\1/p' <<<"$line")
    entries=$(wc -l <"$work/out.jsonl")
    secs=$(echo "$end - $start" | bc -l)
    bad=$(grep -c '"error":"' "$work/out.jsonl" || true)
    printf "%5s  %3s  %7.2f  %9.0f  %7s  %9.0f  %14s  %11s  %7s  %6s  %14s\n" "$limit" "$run" \
      "$secs" "$(echo "$domains / $secs" | bc -l)" "$q" "$(echo "$q / $secs" | bc -l)" "$peak" \
      "$((after - before))" "$entries" "$bad" "$cpu"
    [ -n "$peak" ] && ((peak <= limit)) || fail "limit $limit: $peak queries in flight"
    ((limit <= clean)) || continue
    # dnsmasq may see a query twice: c-ares sends it again when no answer came within the read
    # timeout (5 s). More than one in a thousand would mean lost queries, not the odd straggler.
    saw=$((after - before))
    ((saw >= q && (saw - q) * 1000 <= q)) || fail "limit $limit: dnsmasq saw $saw, pop3scan sent $q"
    ((entries == 2 * domains)) || fail "limit $limit: $entries entries, expected $((2 * domains))"
    ((bad == 0)) || fail "limit $limit: $bad entries with an error"
  done
done

# The whole path: discovery, then a connection per entry (refused: port 1).
start=$(date +%s.%N)
"$bin" --discover --no-db -q -f jsonl -o "$work/scan.jsonl" -p 1 -iL "$work/domains.txt" \
  --resolver "127.0.0.1:$port" --dns-concurrency 100 2>"$work/err" || true
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
records=$(wc -l <"$work/scan.jsonl")
printf "scan --discover -p 1 (SRV 995/tls + port 1): %d records in %.2f s, %.0f domains/s\n" \
  "$records" "$secs" "$(echo "$domains / $secs" | bc -l)"
((records == 2 * domains)) || fail "scan: $records records, expected $((2 * domains))"

if ((${#failures[@]})); then
  echo "discover.sh: ${#failures[@]} check(s) failed" >&2
  exit 1
fi
echo "discover.sh: every check passed"
