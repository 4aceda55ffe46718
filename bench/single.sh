#!/usr/bin/env bash
# bench/single.sh — one target, the whole process: pop3scan scanning a plain+STLS port and an
# implicit-TLS port of a local Dovecot (fast login mode), median wall time over RUNS runs (goal:
# under 100 ms), and nmap -sV with the pop3-capabilities script on the same ports in the same
# run, printing the ratio. Loopback only.
#
#   bench/single.sh [BINARY]      env: RUNS (default 20), NMAP_RUNS (default 3)
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
runs=${RUNS:-20}
nmap_runs=${NMAP_RUNS:-3}
plain=${PLAIN_PORT:-31110}
tls=${TLS_PORT:-31995}

dir=$(mktemp -d /tmp/p3s-bench-single.XXXXXX)
# Scans keep a history by default (docs/history.md): the benchmark's goes here, not to $HOME.
export XDG_STATE_HOME=$dir/state
trap 'bash "$here/tests/servers/dovecot.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
bash "$here/tests/servers/dovecot.sh" start "$dir" --listen 127.0.0.1 --port "$plain" \
  --tls-port "$tls" --plaintext yes --fast >/dev/null

# Wall time of one command in milliseconds (fractional).
wall_ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s%N)
  awk -v d=$((t1 - t0)) 'BEGIN {printf "%.3f\n", d / 1e6}'
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# Sanity: the scan must find both ports as confirmed POP3 before timing means anything.
out=$("$bin" --format jsonl -p "$plain,tls:$tls" 127.0.0.1)
confirmed=$(grep -c '"confidence":"confirmed"' <<<"$out" || true)
if [ "$confirmed" -ne 2 ]; then
  echo "single.sh: expected 2 confirmed POP3 records, got:" >&2
  echo "$out" >&2
  exit 1
fi

"$bin" -p "$plain,tls:$tls" 127.0.0.1 >/dev/null # warm caches
p3s_times=()
for _ in $(seq "$runs"); do
  p3s_times+=("$(wall_ms "$bin" --format jsonl -p "$plain,tls:$tls" 127.0.0.1)")
done
p3s_med=$(printf '%s\n' "${p3s_times[@]}" | median)

nmap_times=()
for _ in $(seq "$nmap_runs"); do
  nmap_times+=("$(wall_ms nmap -Pn -n -sV -p "$plain,$tls" --script pop3-capabilities 127.0.0.1)")
done
nmap_med=$(printf '%s\n' "${nmap_times[@]}" | median)

ratio=$(awk -v a="$nmap_med" -v b="$p3s_med" 'BEGIN {printf "%.1f", a / b}')
goal=$(awk -v b="$p3s_med" 'BEGIN {print (b < 100) ? "met" : "NOT met"}')
echo "single target, plain+STLS port and implicit-TLS port on local Dovecot (fast mode):"
printf '  pop3scan  median %8.1f ms over %d runs (goal < 100 ms: %s)\n' "$p3s_med" "$runs" "$goal"
printf '  nmap -sV  median %8.1f ms over %d runs (-Pn -n -sV --script pop3-capabilities)\n' \
  "$nmap_med" "$nmap_runs"
echo "  ratio     nmap / pop3scan = ${ratio}x"
