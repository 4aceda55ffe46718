#!/usr/bin/env bash
# fuzz/run.sh — build the libFuzzer targets (fuzz/fuzz_*.c) and run each for a while.
#
#   bash fuzz/run.sh [--time SECONDS | --runs N] [--build-only] [TARGET...]
#
# TARGET is a name like `session` or `fuzz_session`; default: every fuzz/fuzz_*.c. Builds with
# clang in build-fuzz (P3S_FUZZ=ON: -fsanitize=fuzzer-no-link,address,undefined everywhere).
# Each target reads its seed corpus fuzz/corpus/NAME/ (never written) and build-fuzz/corpus/NAME/,
# where new inputs go. Options for one target come from fuzz/NAME.options (libFuzzer flags, one
# per line) and fuzz/NAME.dict. A crash, leak, timeout or failed check fails the run; the input
# is saved in build-fuzz/crashes/ (reproduce: build-fuzz/fuzz/fuzz_NAME FILE). Default: 20 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${P3S_FUZZ_BUILD:-build-fuzz}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac # absolute: libFuzzer paths below
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

mode=time
amount=20
build_only=0
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) mode=time; amount=$2; shift 2 ;;
    --runs) mode=runs; amount=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) n=${1#fuzz_}; names+=("${n%.c}"); shift ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do
    n=$(basename "$f" .c); names+=("${n#fuzz_}")
  done
fi
for n in "${names[@]}"; do
  [ -f "fuzz/fuzz_$n.c" ] || { echo "run.sh: no fuzz/fuzz_$n.c" >&2; exit 2; }
done

command -v clang >/dev/null || { echo "run.sh: clang is needed (scripts/install-deps.sh test)" >&2; exit 2; }
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS="-O1 -gline-tables-only" -DP3S_FUZZ=ON -DP3S_TESTS=OFF -DBUILD_TESTING=OFF \
  >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$BUILD" -j"$JOBS" --target "${targets[@]}" >"$BUILD/fuzz-build.log" 2>&1 || {
  tail -50 "$BUILD/fuzz-build.log" >&2; echo "run.sh: build failed ($BUILD/fuzz-build.log)" >&2; exit 1; }
[ $build_only -eq 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$BUILD/crashes" "$BUILD/logs"
status=0
summary=()
for n in "${names[@]}"; do
  seeds=fuzz/corpus/$n
  work=$BUILD/corpus/$n
  mkdir -p "$work"
  args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 "-artifact_prefix=$BUILD/crashes/$n-")
  [ "$mode" = time ] && args+=("-max_total_time=$amount") || args+=("-runs=$amount")
  [ -f "fuzz/$n.dict" ] && args+=("-dict=fuzz/$n.dict")
  if [ -f "fuzz/$n.options" ]; then
    while read -r opt; do
      case "$opt" in ''|'#'*) ;; *) args+=("$opt") ;; esac
    done <"fuzz/$n.options"
  fi
  dirs=("$work")
  [ -d "$seeds" ] && dirs+=("$seeds")
  log=$BUILD/logs/$n.log
  start=$(date +%s)
  rc=0
  "$BUILD/fuzz/fuzz_$n" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2 || true)
  line=$(printf '%-10s %12s execs %6s s  cov %s' "$n" "${execs:-?}" "$secs" "${cov:-?}")
  if [ $rc -ne 0 ]; then
    status=1
    art=$(grep -Eo "$BUILD/crashes/[^ ]+" "$log" | tail -1 || true)
    line="$line  FAILED (exit $rc) input: ${art:-see $log}"
    echo "---- $n: $log (last lines)" >&2
    grep -v '^#' "$log" | tail -40 >&2
  fi
  echo "$line"
  summary+=("$line")
done
echo "---- fuzz summary ($mode $amount)"
printf '%s\n' "${summary[@]}"
exit $status
