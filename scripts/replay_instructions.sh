#!/usr/bin/env bash
# Instructions per request of the pool as a demand-paging cache (LRU, metadata only), counted
# by callgrind over the replay alone: the pass condition of the replay targets (bench/README.md),
# since instruction counts, unlike times, do not move with the machine's load.
#
#   scripts/replay_instructions.sh [--tsv] [build dir, default build/bench]
# Prints one line per case: trace, capacity, policy, requests, hits, instructions, per request;
# then, per case, the instructions of each kind of operation (the same requests replayed with
# each operation through a wrapper of its kind, tagcache_replay_operations, charged inclusively by
# callgrind_annotate): a restore that hits, a restore that misses, a store that evicts (the
# cache full) and one that fills a free slot. The wrappers add a call and a return (a few
# instructions) to each operation.
# --tsv prints the same figures for other scripts (scripts/libcachesim_side_by_side.sh), one
# tab-separated line per case: `replay TRACE CAPACITY POLICY REQUESTS HITS INSTRUCTIONS
# PER_REQUEST`, then `operations TRACE CAPACITY POLICY RESTORE_HIT RESTORE_MISS STORE_EVICTING
# STORE_FILLING`. A wrapper callgrind did not charge fails the script rather than print 0.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
fail() { echo "replay_instructions.sh: $*" >&2; exit 1; }
tsv=false
case ${1:-} in
--help | -h)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
--tsv)
    tsv=true
    shift
    ;;
esac
build=${1:-build/bench}
cmake --build "$build" --target tagcache_replay_instructions tagcache_replay_operations >/dev/null
command -v valgrind >/dev/null || fail "valgrind is needed (apt-get install valgrind)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Prints a row: for people in columns (the format string), with --tsv tab-separated.
row() {
    local format=$1
    shift
    if $tsv; then
        local IFS=$'\t'
        printf '%s\n' "$*"
    else
        # shellcheck disable=SC2059 # the format is the caller's
        printf "$format" "$@"
    fi
}
$tsv || printf '%-6s %9s %-6s %10s %8s %14s %9s\n' trace capacity policy requests hits instructions per_request
for case in "P3 8192 lru" "OLTP 5000 lru" "OLTP 8192 lru"; do
    read -r trace capacity policy <<<"$case"
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_replay*' \
        --callgrind-out-file="$out/cg.out" "$build/bin/tagcache_replay_instructions" \
        "tests/data/$trace.lis.zst" "$capacity" "$policy" >"$out/run.txt" 2>/dev/null
    read -r _ requests _ hits <"$out/run.txt"
    instructions=$(sed -n 's/^totals: *//p; s/^summary: *//p' "$out/cg.out" | head -n 1)
    [[ $instructions =~ ^[0-9]+$ && $requests =~ ^[1-9][0-9]*$ ]] ||
        fail "$trace@$capacity: no instruction count or requests from callgrind"
    $tsv && fields=(replay) || fields=()
    row '%-6s %9s %-6s %10s %8s %14s %9s\n' "${fields[@]}" "$trace" "$capacity" "$policy" \
        "$requests" "$hits" "$instructions" "$(awk -v i="$instructions" -v r="$requests" \
        'BEGIN { printf "%.1f", i / r }')"
done

$tsv || printf '\n%-6s %9s %-6s %12s %12s %14s %14s\n' trace capacity policy restore_hit \
    restore_miss store_evicting store_filling
for case in "P3 8192 lru" "OLTP 5000 lru" "OLTP 8192 lru"; do
    read -r trace capacity policy <<<"$case"
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_per_operation*' \
        --callgrind-out-file="$out/per.out" "$build/bin/tagcache_replay_operations" \
        "tests/data/$trace.lis.zst" "$capacity" "$policy" >"$out/run.txt" 2>/dev/null
    read -r _ requests _ hits <"$out/run.txt"
    callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$out/per.out" 2>/dev/null \
        >"$out/annotated.txt"
    inclusive() { # the wrapper's inclusive instructions
        local count
        count=$(sed -nE "s/^ *([0-9,]+) .*:bool \(anonymous namespace\)::$1<.*/\1/p" \
            "$out/annotated.txt" | head -n 1 | tr -d ,)
        [[ $count =~ ^[0-9]+$ ]] || fail "$trace@$capacity: callgrind charged nothing to $1"
        echo "$count"
    }
    misses=$((requests - hits))
    evicting=$((misses > capacity ? misses - capacity : 0))
    filling=$((misses - evicting))
    per() { awk -v i="${1:-0}" -v n="$2" 'BEGIN { if (n > 0) printf "%.1f", i / n; else print "-" }'; }
    restore_hit=$(inclusive op_restore_hit)
    restore_miss=$(inclusive op_restore_miss)
    store_evicting=$(inclusive op_store_evicting)
    store_filling=$(inclusive op_store_filling)
    $tsv && fields=(operations) || fields=()
    row '%-6s %9s %-6s %12s %12s %14s %14s\n' "${fields[@]}" "$trace" "$capacity" "$policy" \
        "$(per "$restore_hit" "$hits")" "$(per "$restore_miss" "$misses")" \
        "$(per "$store_evicting" "$evicting")" "$(per "$store_filling" "$filling")"
done
