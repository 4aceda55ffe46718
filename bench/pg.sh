#!/usr/bin/env bash
# bench/pg.sh — the history in PostgreSQL (issue 17, docs/scale-out.md), loopback only: a
# throwaway PostgreSQL 15 (tests/servers/postgres.sh) and p3testd on 0.0.0.0:PORT, then
#   - speed: pop3scan -c 5000 -f jsonl -o /dev/null -p PORT CIDR with --no-db and with --db URI,
#     in RUNS back-to-back pairs, without first in odd pairs and with first in even ones (a
#     machine that speeds up or slows down over the run favours neither); ratio = the median of
#     the pairs' time without / time with (goal >= 0.9), and the records per second the store
#     took. Each run scans a port of its own (p3testd listens on PORTS ports, taken in turn): a
#     /16 leaves 65,536 connections in TIME_WAIT for a minute, and a run that reused their port
#     paid for them in every connect (up to half again of its time);
#   - four shards at once (--campaign, --shard I/4 of CIDR, four processes): records per second
#     into the one database, and the slowest shard against a shard alone;
#   - size: the database's bytes per record;
#   - the speed ratio again with the database on a core of its own (own_core, last);
#   - CPU: pop3scan's own (user+sys) per record with and without the store, and the
#     PostgreSQL cluster's during the run with it (the backend, and the walwriter,
#     checkpointer, autovacuum that work meanwhile), so that the client's cost and the server's
#     can be told apart (in a deployment the database has a machine of its own);
# and checks that every run stored every record exactly once. Prints the figures for
# bench/RESULTS.md. With PARTS=1, also where the store's cost lies (parts, below): the same /16
# into databases whose record table a trigger or a setting changes, RUNS rounds each running
# every variant once and --no-db once.
#
#   bench/pg.sh [BINARY]
#   env: RUNS (5), CONCURRENCY (5000), CIDR (127.0.0.0/16), PORTS (12), P3TESTD
#        (build/tests/testserver/p3testd), PARTS (0)
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${1:-$here/build/src/pop3scan}
testd=${P3TESTD:-$here/build/tests/testserver/p3testd}
runs=${RUNS:-5}
conc=${CONCURRENCY:-5000}
cidr=${CIDR:-127.0.0.0/16}

die() { echo "pg.sh: $*" >&2; exit 1; }
failures=()
fail() { echo "FAIL: $*" >&2; failures+=("$*"); }
case $cidr in 127.*/*) ;; *) die "CIDR must lie inside 127.0.0.0/8 (loopback only)" ;; esac
n=$((1 << (32 - ${cidr#*/})))
[ -x "$bin" ] && [ -x "$testd" ] || die "build first (make build)"
hard=$(ulimit -Hn); [ "$hard" = unlimited ] && hard=1048576; ulimit -n "$hard"

dir=$(mktemp -d /tmp/p3s-bench-pg.XXXXXX)
pgdir=$(mktemp -d /tmp/p3s-bench-pgdata.XXXXXX) # its own: the server's user cannot enter $dir
export XDG_STATE_HOME=$dir/state
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && { kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; }
  bash "$here/tests/servers/postgres.sh" stop "$pgdir" || true
  rm -rf "$dir" "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pgport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bash "$here/tests/servers/postgres.sh" start "$pgdir" --port "$pgport" >/dev/null
uri=$(cat "$pgdir/uri")
sql() { psql "$uri" -X -At -c "$1"; }

cat >"$dir/script" <<'EOF'
start send "+OK ready\r\n"
on CAPA send "+OK\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"
on USER send "-ERR no\r\n"
on QUIT send "+OK\r\n"; close
on * send "-ERR\r\n"
EOF
nports=${PORTS:-12}
listen=(); for _ in $(seq "$nports"); do listen+=(--listen 0.0.0.0:0); done
"$testd" "${listen[@]}" --ready-file "$dir/ready" "$dir/script" 2>"$dir/p3testd.err" &
srv_pid=$!
for _ in $(seq 100); do [ -s "$dir/ready" ] && break; sleep 0.05; done
[ -s "$dir/ready" ] || die "p3testd did not start"
mapfile -t ports < <(awk '{print $3}' "$dir/ready")
[ "${#ports[@]}" -eq "$nports" ] || die "p3testd listens on ${#ports[@]} ports, not $nports"
next=0
next_port() { port=${ports[next]}; next=$(( (next + 1) % nports )); }
next_port

ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Every run starts with nothing left to write: the cluster's dirty pages checkpointed and the
# kernel's written back. Otherwise a run after a --db run shares the cores with the writing of
# that run's pages (by the checkpointer and the kernel's flusher threads): --no-db runs took
# 7.4-8.2 s while a cluster's 1.1 GB were being written, and 5.4 s after. What a run leaves to
# write is counted in its own PostgreSQL CPU (the CHECKPOINT after it, by the checkpointer, a
# child of the cluster).
settle() { psql "${uri%/*}/postgres" -X -q -c CHECKPOINT >/dev/null; sync; }
# The cluster's CPU so far, in ms: the postmaster's own and that of the children it reaped
# (backends that ended), plus its live children's (/proc: the bench runs as the server's user
# or root).
tck=$(getconf CLK_TCK)
pg_cpu_ms() {
  local pm c
  pm=$(head -n 1 "$pgdir/data/postmaster.pid")
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$pm/stat"
    for c in $(cat /proc/"$pm"/task/*/children); do
      awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || true
    done; } | awk -v t="$tck" '{s += $1} END {printf "%d", s * 1000 / t}'
}
us_per() { awk -v ms="$1" -v n="$n" 'BEGIN {printf "%.1f", ms * 1000 / n}'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a / b}'; }
# pop3scan on the current port (the options, then what to scan), run under `under` and `pin`
# (own_core: taskset).
under=() pin=()
scan() { "${under[@]}" "${pin[@]}" "$bin" -q -c "$conc" -f jsonl -o /dev/null -p "$port" "$@"; }
# scan under time(1); pop3scan's user+sys CPU in ms goes to $dir/cpu.
timed() {
  local rc=0
  under=(/usr/bin/time -f '%U %S' -o "$dir/time")
  scan "$@" || rc=$?
  under=()
  awk 'END {printf "%d", ($1 + $2) * 1000}' "$dir/time" >"$dir/cpu"
  return $rc
}
# One pair of runs of CIDR, --no-db and --db URI, in an order that alternates with I (a
# machine that speeds up or slows down over the bench favours neither). Sets without and with
# (ms), cpu_off and cpu_on (pop3scan's CPU, ms) and pg_ms (the cluster's during the run with the
# store, and its checkpoint after), and checks that the store took every record.
pair() {
  local i=$1 order t0 p0 got
  for order in $( ((i % 2)) && echo "without with" || echo "with without"); do
    next_port
    settle
    p0=$(pg_cpu_ms)
    t0=$(ms)
    if [ "$order" = without ]; then
      timed --no-db "$cidr" || fail "--no-db run $i"
      without=$(( $(ms) - t0 )) cpu_off=$(cat "$dir/cpu")
    else
      timed --db "$uri" "$cidr" || fail "--db run $i"
      with=$(( $(ms) - t0 )) cpu_on=$(cat "$dir/cpu")
      settle
      pg_ms=$(( $(pg_cpu_ms) - p0 ))
    fi
  done
  got=$(sql "SELECT records || ' ' || status FROM scan ORDER BY id DESC LIMIT 1")
  [ "$got" = "$n complete" ] || fail "run $i stored '$got', want '$n complete'"
}

echo "pg: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $(sql 'SHOW server_version')"
echo "  p3testd on 0.0.0.0, $nports ports taken in turn; $cidr = $n targets; -c $conc"
ratios=() withs=() withouts=() rates=() cpu_without=() cpu_with=() cpu_pg=()
for i in $(seq "$runs"); do
  pair "$i"
  withouts+=("$without"); withs+=("$with")
  cpu_without+=("$cpu_off"); cpu_with+=("$cpu_on"); cpu_pg+=("$pg_ms")
  ratios+=("$(ratio "$without" "$with")")
  rates+=("$(awk -v n="$n" -v b="$with" 'BEGIN {printf "%.0f", n / (b / 1000)}')")
  echo "  pair $i: without $without ms, with $with ms, ratio ${ratios[-1]}, ${rates[-1]} records/s stored;" \
    "CPU per record: pop3scan $(us_per "${cpu_without[-1]}") us without, $(us_per "${cpu_with[-1]}") us with," \
    "PostgreSQL $(us_per "${cpu_pg[-1]}") us"
done
echo "  speed ratio, median of $runs pairs (goal >= 0.9): $(printf '%s\n' "${ratios[@]}" | median)"
echo "  median without / with: $(printf '%s\n' "${withouts[@]}" | median) / $(printf '%s\n' "${withs[@]}" | median) ms"
echo "  records/s one shard (median): $(printf '%s\n' "${rates[@]}" | median)"
cw=$(printf '%s\n' "${cpu_with[@]}" | median) co=$(printf '%s\n' "${cpu_without[@]}" | median)
echo "  CPU per record (medians): pop3scan $(us_per "$co") us without the store, $(us_per "$cw") us with" \
  "(the client's cost $(us_per "$((cw - co))") us); PostgreSQL $(us_per "$(printf '%s\n' "${cpu_pg[@]}" | median)") us"

# Four shards at once into the one database, as four machines would.
for round in $(seq "$runs"); do
  next_port
  settle
  p0=$(pg_cpu_ms)
  t0=$(ms)
  pids=()
  for s in 0 1 2 3; do
    ( s0=$(ms); scan --db "$uri" --campaign "four-$round" --shard "$s/4" "$cidr" ||
        echo "shard $s failed" >>"$dir/fail"
      echo $(( $(ms) - s0 )) >"$dir/shard-$s" ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(ms)
  settle
  p1=$(pg_cpu_ms)
  [ ! -s "$dir/fail" ] || fail "$(cat "$dir/fail")"
  got=$(sql "SELECT count(*) || ' ' || count(DISTINCT ip) FROM record r JOIN scan s ON s.id = r.scan_id JOIN campaign c ON c.id = s.campaign_id WHERE c.name = 'four-$round'")
  [ "$got" = "$n $n" ] || fail "four shards stored '$got', want '$n $n'"
  slowest=$(cat "$dir"/shard-* | sort -n | tail -n 1)
  echo "  four shards at once, round $round: $((t1 - t0)) ms for $n records, $(awk -v n="$n" -v t=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (t / 1000)}') records/s into the database, slowest shard $slowest ms, PostgreSQL $(us_per $((p1 - p0))) us CPU per record"
done
records=$(sql "SELECT count(*) FROM record")
bytes=$(sql "SELECT pg_database_size(current_database())")
echo "  database: $records records, $bytes bytes, $(awk -v b="$bytes" -v r="$records" 'BEGIN {printf "%.0f", b / r}') bytes per record (indexes and the JSON included)"

# Where the store's cost lies: the same scan into a database of its own per variant, each made
# by a first one-target scan and then changed by SQL. A row trigger makes COPY insert row by
# row instead of in groups (PostgreSQL's rule for BEFORE triggers), so the trigger variants
# compare with `trigger`, a trigger that returns its row unchanged, not with `stored`:
#   stored     the schema as it is
#   trigger    the schema, and a row trigger that changes nothing
#   json400    a trigger that cuts the stored JSON to its first 400 bytes (of about 1,200)
#   dropped    a trigger that drops every row: the COPY is received and parsed, nothing stored
#   unlogged   no WAL for the table, and no record_key index
parts() {
  local admin=${uri%/*}/postgres fn
  fn="CREATE FUNCTION p3s_part() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN %s END\$\$;
      CREATE TRIGGER p3s_part BEFORE INSERT ON record FOR EACH ROW EXECUTE FUNCTION p3s_part();"
  local -A change=(
    [stored]=''
    [trigger]=$(printf "$fn" 'RETURN NEW;')
    [json400]=$(printf "$fn" 'NEW.json := left(NEW.json, 400); RETURN NEW;')
    [dropped]=$(printf "$fn" 'RETURN NULL;')
    [unlogged]='ALTER TABLE record SET UNLOGGED; ALTER TABLE record DROP CONSTRAINT record_key;'
  )
  local names=(stored trigger json400 dropped unlogged) v
  for v in "${names[@]}"; do
    psql "$admin" -X -q -c "CREATE DATABASE p3s_part_$v" >/dev/null
    next_port
    scan --db "${uri%/*}/p3s_part_$v" 127.0.0.1 || fail "the schema scan of part $v"
    [ -z "${change[$v]}" ] || psql "${uri%/*}/p3s_part_$v" -X -q -c "${change[$v]}" >/dev/null
  done
  local -A pg wall
  local nodb=() r t0 p0
  for r in $(seq "$runs"); do
    next_port
    settle
    t0=$(ms); scan --no-db "$cidr" || fail "--no-db, parts round $r"
    nodb+=($(( $(ms) - t0 )))
    for v in "${names[@]}"; do
      next_port
      settle
      p0=$(pg_cpu_ms); t0=$(ms)
      scan --db "${uri%/*}/p3s_part_$v" "$cidr" || fail "part $v, round $r"
      wall[$v]+="$(( $(ms) - t0 )) "
      settle
      pg[$v]+="$(( $(pg_cpu_ms) - p0 )) "
    done
  done
  local without w
  without=$(printf '%s\n' "${nodb[@]}" | median)
  echo "  where the store's cost lies (medians of $runs rounds; --no-db $without ms):"
  for v in "${names[@]}"; do
    w=$(printf '%s\n' ${wall[$v]} | median)
    echo "    $v: PostgreSQL $(us_per "$(printf '%s\n' ${pg[$v]} | median)") us CPU per record, $w ms," \
      "ratio $(ratio "$without" "$w")"
  done
}
[ "${PARTS:-0}" = 0 ] || parts

# The database on a core of its own, as in a deployment where it has a machine of its own
# (docs/scale-out.md): the cluster's processes on the last CPU, pop3scan and p3testd on the
# others, for the runs with the store and without it alike. What is left of the store's cost on
# the scan's cores is the client's: the writer thread, the batches, the wait for a COMMIT.
own_core() {
  local last=$(( $(nproc) - 1 )) pm p own=()
  [ "$last" -ge 1 ] || { echo "  the database on a core of its own: skipped, one CPU"; return; }
  pm=$(head -n 1 "$pgdir/data/postmaster.pid")
  # a child that ended meanwhile (an autovacuum worker) has nothing to pin
  for p in "$pm" $(cat /proc/"$pm"/task/*/children); do taskset -a -p -c "$last" "$p" >/dev/null 2>&1 || true; done
  taskset -cp "$pm" | grep -q "list: $last$" || fail "the cluster was not pinned to CPU $last"
  taskset -a -p -c "0-$((last - 1))" "$srv_pid" >/dev/null
  pin=(taskset -c "0-$((last - 1))")
  for i in $(seq "$runs"); do
    pair "$i"
    own+=("$(ratio "$without" "$with")")
    echo "  own core, pair $i: without $without ms, with $with ms, ratio ${own[-1]}"
  done
  pin=()
  echo "  speed ratio with the database on CPU $last, pop3scan and p3testd on the others, median of" \
    "$runs pairs (goal >= 0.9): $(printf '%s\n' "${own[@]}" | median)"
}
own_core
if [ ${#failures[@]} -gt 0 ]; then
  echo "pg.sh: ${#failures[@]} check(s) failed" >&2
  exit 1
fi
