#!/usr/bin/env bash
# test-under-load.sh — runs the integration tests of the given build directories while another
# process keeps every core busy, to show that no time bound in the tests fails on a loaded
# machine (issue 11, item 3). The load is plain busy loops at the tests' own priority, one per
# core, stopped whatever happens.
#
#   scripts/test-under-load.sh [BUILD_DIR...]      default: build build-asan
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(build build-asan)
cores=$(nproc)
pids=()
stop_load() { [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true; }
trap stop_load EXIT
for _ in $(seq "$cores"); do
  (while :; do :; done) &
  pids+=($!)
done
echo "test-under-load: $cores busy loops running (pids ${pids[*]})"
rc=0
for d in "${dirs[@]}"; do
  start=$(date +%s)
  echo "test-under-load: $d: load average $(cut -d' ' -f1-3 /proc/loadavg) before"
  if ctest --test-dir "$d" -R '^integration[.]' --output-on-failure -j2; then
    echo "test-under-load: $d passed in $(( $(date +%s) - start )) s with every core busy" \
      "(load average $(cut -d' ' -f1-3 /proc/loadavg) after)"
  else
    echo "test-under-load: $d FAILED with every core busy" >&2
    rc=1
  fi
done
exit $rc
