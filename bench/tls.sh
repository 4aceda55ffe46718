#!/usr/bin/env bash
# bench/tls.sh — TLS at scale (issue 20), loopback only. Starts the project's test server p3testd
# serving POP3 over implicit TLS (TLS 1.3, a self-signed RSA-2048 certificate) on 0.0.0.0:PORT,
# so every 127.x.y.z reaches it, then, in the same run and on the same server:
#   - pop3scan -f jsonl -o FILE -p tls:PORT CIDR, at -c 200 and -c 3000, with --no-tls-versions
#     and with the default version checks, and at -c 3000 with the handshake cap fixed at half
#     of -c for comparison (RUNS times each, interleaved), each under
#     /usr/bin/time: wall, client CPU (user+sys) per target, peak RSS;
#   - openssl s_time -new against the same server for SECONDS_TIME after each round of scans: the
#     client user CPU of one full handshake, the least a TLS scanner can spend per target.
# It prints the medians and the issue's ratios: memory per concurrent TLS connection and per
# version-check slot, (RSS at -c 3000 − RSS at -c 200) / 2,800; the client CPU of a scan with
# version checks over one without; pop3scan's user CPU per target at -c 3000 over s_time's user
# CPU per handshake.
#
# REALNET=1 runs the real-network regime of TLS instead: p3testd waits DELAY ms before it
# answers a ClientHello (--tls-delay), before its greeting and before every answer (--delay),
# so a dialogue is 5 round trips of which the handshake is one; pop3scan --no-tls-versions scans
# CIDR at -c CONC with the default handshake cap (adapting from 64 to half of -c), with a fixed
# cap of half of -c (--tls-handshakes CONC/2, the default before the cap adapted) and with no
# cap (--tls-handshakes 0), RUNS times each, interleaved: wall, peak RSS, and the capped runs'
# wall over the uncapped one's. The cap must not cost throughput here. The
# server's certificate is then its own P-256 one: an RSA-2048 signature per handshake would
# make the single-threaded server, not the round trips, the bottleneck.
#
#   bench/tls.sh [BINARY]
#   env: RUNS (3), CIDR (127.0.0.0/20; REALNET: 127.0.0.0/18), PORT (0: a free one),
#        SECONDS_TIME (5), P3TESTD (build/tests/testserver/p3testd),
#        REALNET (0), DELAY (REALNET: 500), CONC (REALNET: 3000)
#
# Exit status: 0 when every run gave one pop3 record per address, 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
runs=${RUNS:-3}
realnet=${REALNET:-0}
delay=${DELAY:-500}
conc=${CONC:-3000}
if [ "$realnet" = 1 ]; then cidr=${CIDR:-127.0.0.0/18}; else cidr=${CIDR:-127.0.0.0/20}; fi
port=${PORT:-0}
stime=${SECONDS_TIME:-5}

die() { echo "tls.sh: $*" >&2; exit 1; }
[[ $cidr =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+/([0-9]+)$ ]] || die "CIDR must lie inside 127.0.0.0/8"
bits=${BASH_REMATCH[1]}
((bits >= 8 && bits <= 32)) || die "bad prefix /$bits"
n=$((1 << (32 - bits)))
[ -x "$bin" ] || die "no pop3scan at $bin (make build)"
[ -x "$testd" ] || die "no p3testd at $testd (make build with tests enabled)"
[ -x /usr/bin/time ] || die "/usr/bin/time missing (apt-get install time)"
command -v openssl >/dev/null || die "openssl missing"

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -n "$hard"

dir=$(mktemp -d /tmp/p3s-bench-tls.XXXXXX)
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

bash "$here/tests/servers/certs.sh" "$dir" >/dev/null
if [ "$port" = 0 ]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi
cat > "$dir/script" <<'SCRIPT'
profile default
start send "+OK TLS bench ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUIDL\r\nUSER\r\nSASL PLAIN\r\n.\r\n"
on QUIT send "+OK bye\r\n" ; close
on * send "-ERR\r\n"
SCRIPT
if [ "$realnet" = 1 ]; then
  srv_opts=(--delay "$delay" --tls-delay "$delay")
else
  srv_opts=(--cert "$dir/cert.pem" --key "$dir/key.pem")
fi
"$testd" --ready-file "$dir/ready" "${srv_opts[@]}" \
  --tls-listen "0.0.0.0:$port" "$dir/script" 2>"$dir/testd.err" &
srv_pid=$!
for _ in $(seq 200); do [ -s "$dir/ready" ] && break; sleep 0.05; done
[ -s "$dir/ready" ] || { cat "$dir/testd.err" >&2; die "p3testd did not start"; }

failed=0
# run NAME ARGS...: one scan; appends "wall user sys rss_kib" to $dir/NAME.
run() {
  local name=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$dir/time" "$bin" --no-db -f jsonl -o "$dir/out.jsonl" \
    --read-timeout 10s --connect-timeout 10s --deadline 30s "$@" -p "tls:$port" "$cidr" \
    2>"$dir/err" || true
  local pop3
  pop3=$(grep -c '"state":"pop3"' "$dir/out.jsonl" || true)
  if [ "$pop3" != "$n" ]; then
    echo "FAIL: $name: $pop3 pop3 records of $n" >&2
    head -3 "$dir/err" >&2
    failed=1
  fi
  cat "$dir/time" >> "$dir/$name"
}

if [ "$realnet" = 1 ]; then
  echo "== bench/tls.sh REALNET: $n targets ($cidr) on implicit TLS, every answer and the ServerHello $delay ms late, -c $conc, $runs runs each, $(date -u +%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  for _ in $(seq "$runs"); do
    run capdefault --no-tls-versions -c "$conc" --read-timeout 30s --deadline 120s
    run caphalf --no-tls-versions -c "$conc" --tls-handshakes $((conc / 2)) --read-timeout 30s --deadline 120s
    run nocap --no-tls-versions -c "$conc" --tls-handshakes 0 --read-timeout 30s --deadline 120s
  done
  python3 - "$dir" "$conc" <<'PY'
import statistics, sys
d, c = sys.argv[1], int(sys.argv[2])
def load(name):
    rows = [list(map(float, l.split())) for l in open(f"{d}/{name}") if l.strip()]
    return {"walls": [r[0] for r in rows], "wall": statistics.median(r[0] for r in rows),
            "rss": statistics.median(r[3] for r in rows) / 1024}
r = {k: load(k) for k in ("capdefault", "caphalf", "nocap")}
label = {"capdefault": f"default cap (adapts from 64 to {c // 2} handshakes at once)",
         "caphalf": f"--tls-handshakes {c // 2} (fixed half: the default before session 6)",
         "nocap": "--tls-handshakes 0 (no cap)"}
print("| | wall (runs) | median wall | / no cap | peak RSS |")
print("|---|---|---:|---:|---:|")
for k, x in r.items():
    runs = ", ".join(f"{w:.1f}" for w in x["walls"])
    print(f"| {label[k]} | {runs} s | {x['wall']:.1f} s | {x['wall'] / r['nocap']['wall']:.2f} | {x['rss']:.1f} MiB |")
PY
  exit $failed
fi

echo "== bench/tls.sh: $n targets ($cidr) on implicit TLS, $runs runs each, $(date -u +%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
# openssl s_time: "N connections in T real seconds, B bytes read per connection" and
# "N connections in U.UUs; R connections/user sec": user CPU per handshake = 1/R. Run in every
# round, right after its scans: the machine's speed drifts (other work, the host), and a ratio
# of figures taken minutes apart would measure the drift.
stime_round() {
  openssl s_time -connect "127.0.0.1:$port" -new -time "$stime" >"$dir/stime" 2>&1 || true
  local ms
  ms=$(awk '/connections\/user sec/ { for (i = 1; i <= NF; i++) if ($i == "connections/user") print 1000 / $(i - 1) }' "$dir/stime" | head -1)
  [ -n "$ms" ] || { cat "$dir/stime" >&2; die "openssl s_time gave no figure"; }
  echo "$ms" >> "$dir/stime_ms"
}
for _ in $(seq "$runs"); do
  run plain200 --no-tls-versions -c 200
  run plain3000 --no-tls-versions -c 3000
  run half3000 --no-tls-versions -c 3000 --tls-handshakes 1500
  run vers200 -c 200
  run vers3000 -c 3000
  stime_round
done

python3 - "$dir" "$n" <<'PY'
import statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
st_rounds = [float(l) for l in open(f"{d}/stime_ms") if l.strip()]
st = statistics.median(st_rounds)
def load(name):
    rows = [list(map(float, l.split())) for l in open(f"{d}/{name}") if l.strip()]
    med = lambda i: statistics.median(r[i] for r in rows)
    return {"rows": rows, "wall": med(0), "user": med(1), "sys": med(2), "rss": med(3) / 1024,
            "cpu_ms": statistics.median((r[1] + r[2]) * 1000 / n for r in rows),
            "user_ms": statistics.median(r[1] * 1000 / n for r in rows)}
r = {k: load(k) for k in ("plain200", "plain3000", "half3000", "vers200", "vers3000")}
label = {"plain200": "--no-tls-versions -c 200", "plain3000": "--no-tls-versions -c 3000",
         "half3000": "--no-tls-versions -c 3000 --tls-handshakes 1500 (fixed half, for comparison)",
         "vers200": "default (version checks) -c 200", "vers3000": "default (version checks) -c 3000"}
print(f"| | wall | client CPU (user+sys) per target | user CPU per target | peak RSS |")
print(f"|---|---:|---:|---:|---:|")
for k in r:
    x = r[k]
    print(f"| `{label[k]}` | {x['wall']:.1f} s | {x['cpu_ms']:.2f} ms | {x['user_ms']:.2f} ms | {x['rss']:.1f} MiB |")
print()
conn_kib = (r["plain3000"]["rss"] - r["plain200"]["rss"]) * 1024 / 2800
slot_kib = (r["vers3000"]["rss"] - r["vers200"]["rss"]) * 1024 / 2800
print(f"openssl s_time -new: {st:.3f} ms client user CPU per handshake (rounds "
      + ", ".join(f"{x:.3f}" for x in st_rounds) + ")")
print(f"memory per concurrent TLS connection: {conn_kib:.1f} KiB (goal <= 24)")
print(f"memory per version-check slot:        {slot_kib:.1f} KiB (goal <= 32)")
for c in ("200", "3000"):
    print(f"version checks / none, client CPU at -c {c}: "
          f"{r['vers' + c]['cpu_ms'] / r['plain' + c]['cpu_ms']:.2f} x (goal <= 1.5)")
per_round = [row[1] * 1000 / n / s for row, s in zip(r["plain3000"]["rows"], st_rounds)]
print(f"user CPU per target at -c 3000 / s_time per handshake: "
      f"{r['plain3000']['user_ms'] / st:.2f} x of the medians, rounds "
      + ", ".join(f"{x:.2f}" for x in per_round) + " x (goal <= 1.2)")
PY
exit $failed
