#!/usr/bin/env bash
# bench/accuracy-all.sh — the three identification sets of issue 12 in one run, each scored for
# pop3scan and nmap -sV on the same services in the same run, then side by side:
#   corpus  bench/corpus/greetings.tsv  the greetings the rules were written from (accuracy.sh)
#   blind   bench/blind/greetings.tsv   written by someone who had not seen the rules, never
#                                       edited to pass (bench/blind/README.md) (accuracy.sh)
#   real    the real POP3 servers Debian 12 packages, plain and TLS (accuracy-real.sh)
# Each set's full report (misses, wrong names, wall times) is printed as it finishes; the
# per-entry tables go to /tmp/p3s-accuracy-{corpus,blind,real}-table.txt.
#
#   bench/accuracy-all.sh [BINARY]
#   env: NMAP_OPTS (passed on), KEEP (a directory: each set's raw results under KEEP/SET)
#
# Exit status: 0 when every set ran to the end, 1 otherwise.
set -euo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
out=$(mktemp -d /tmp/p3s-accuracy-all.XXXXXX)
trap 'rm -rf "$out"' EXIT

run_set() {   # NAME SCRIPT [CORPUS]
    local name=$1 script=$2 corpus=${3:-}
    shift 3
    local keep=${KEEP:+$KEEP/$name}
    [ -n "$keep" ] && mkdir -p "$keep"
    echo "== set $name"
    if ! CORPUS=$corpus TABLE=/tmp/p3s-accuracy-$name-table.txt KEEP=$keep \
            bash "$here/$script" "$@" > "$out/$name.log" 2>&1; then
        cat "$out/$name.log"
        echo "accuracy-all.sh: set $name failed" >&2
        return 1
    fi
    cat "$out/$name.log"
}

run_set corpus accuracy.sh "$here/corpus/greetings.tsv" "$@"
run_set blind accuracy.sh "$here/blind/greetings.tsv" "$@"
run_set real accuracy-real.sh "" "$@"

# The two tools' lines of each set's table, one row per set and tool.
echo
echo "== side by side ($(date -u +%Y-%m-%dT%H:%MZ))"
printf '  %-7s %-9s %18s %18s %11s %14s %s\n' set tool "product right" "version right" \
    "wrong name" "wrong version" "pop3scan's wrong names by confidence"
for name in corpus blind real; do
    conf=$(sed -n "s/^  pop3scan's wrong names by confidence: //p" "$out/$name.log")
    awk -v set="$name" -v conf="$conf" '
        ($1 == "pop3scan" || $1 == "nmap") && $2 ~ /^[0-9]+\/[0-9]+$/ {
            printf "  %-7s %-9s %9s %8s %9s %8s %11s %14s %s\n", set, $1, $2, $3 " " $4,
                   $5, $6 " " $7, $8, $9, ($1 == "pop3scan" ? conf : "")
        }' "$out/$name.log"
done
