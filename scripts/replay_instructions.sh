#!/usr/bin/env bash
# Instructions per request of the pool as a demand-paging cache (LRU, metadata only), counted
# by callgrind over the replay alone: the pass condition of the replay targets (bench/README.md),
# since instruction counts, unlike times, do not move with the machine's load.
#
#   scripts/replay_instructions.sh [build dir, default build/bench]
# Prints one line per case: trace, capacity, policy, requests, hits, instructions, per request.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build/bench}
[[ -x $build/bin/tagcache_replay_instructions ]] || cmake --build "$build" \
    --target tagcache_replay_instructions >/dev/null
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-6s %9s %-6s %10s %8s %14s %9s\n' trace capacity policy requests hits instructions per_request
for case in "P3 8192 lru" "OLTP 5000 lru" "OLTP 8192 lru"; do
    read -r trace capacity policy <<<"$case"
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_replay*' \
        --callgrind-out-file="$out/cg.out" "$build/bin/tagcache_replay_instructions" \
        "tests/data/$trace.lis.zst" "$capacity" "$policy" >"$out/run.txt" 2>/dev/null
    read -r _ requests _ hits <"$out/run.txt"
    instructions=$(sed -n 's/^totals: *//p; s/^summary: *//p' "$out/cg.out" | head -n 1)
    printf '%-6s %9s %-6s %10s %8s %14s %9s\n' "$trace" "$capacity" "$policy" "$requests" \
        "$hits" "$instructions" "$(awk -v i="$instructions" -v r="$requests" \
        'BEGIN { printf "%.1f", i / r }')"
done
