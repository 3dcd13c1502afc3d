#!/usr/bin/env bash
# Prints the Markdown table of docs/policies.md: hits of every eviction policy on the ARC
# paper's traces (tests/data) at several capacities, replayed by `tagsim replay`.
# Usage: scripts/policy_table.sh [path/to/tagsim]   (default: build/release/bin/tagsim)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tagsim=${1:-build/release/bin/tagsim}
[[ -x $tagsim ]] || { echo "build tagsim first: cmake --workflow --preset release" >&2; exit 1; }
policies=(lru fifo clock sieve s3fifo arc)
capacities=(1024 8192 32768 131072)
printf '| trace | capacity |'
for p in "${policies[@]}"; do printf ' %s |' "$p"; done
printf '\n|---|---:|'
for _ in "${policies[@]}"; do printf -- '---:|'; done
printf '\n'
for trace in P3 OLTP; do
    for capacity in "${capacities[@]}"; do
        printf '| %s | %s |' "$trace" "$capacity"
        for policy in "${policies[@]}"; do
            json=$("$tagsim" replay "tests/data/$trace.lis.zst" --policy "$policy" --capacity "$capacity" --json)
            hits=$(sed -n 's/.*"hits": \([0-9]*\).*/\1/p' <<<"$json")
            ratio=$(sed -n 's/.*"hit_ratio": \([0-9.e-]*\).*/\1/p' <<<"$json")
            printf ' %s (%.2f %%) |' "$hits" "$(awk -v r="$ratio" 'BEGIN { print r * 100 }')"
        done
        printf '\n'
    done
done
