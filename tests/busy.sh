#!/usr/bin/env bash
# tests/busy.sh — the integration suites with every core kept busy by another process: the proof
# that no time bound in the tests depends on an idle machine (issue 11 item 3).
#
#   tests/busy.sh [BUILD_DIR...]      (default: build build-asan; each configured and built)
#
# Starts one busy loop per core (plain shell loops at normal priority, so the scheduler shares
# each core between a loop and the tests), runs `ctest -R '^integration[.]' -j2` in each build
# directory in turn, and stops the loops whatever happens. Prints the load average before and
# after each suite and ctest's summary; exits with the first failing ctest's status.
set -uo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- build build-asan
loops=()
stop() { [ ${#loops[@]} -gt 0 ] && kill "${loops[@]}" 2>/dev/null; wait 2>/dev/null; }
trap stop EXIT
for _ in $(seq "$(nproc)"); do
  ( while :; do :; done ) &
  loops+=($!)
done
echo "busy: ${#loops[@]} busy loops (pids ${loops[*]})"
status=0
for dir in "$@"; do
  echo "busy: $dir: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s)
  ctest --test-dir "$dir" -R '^integration[.]' -j2 --output-on-failure
  rc=$?
  echo "busy: $dir: ctest exit $rc in $(( $(date +%s) - start )) s, load after $(cut -d' ' -f1-3 /proc/loadavg)"
  [ $status -eq 0 ] && status=$rc
done
exit $status
