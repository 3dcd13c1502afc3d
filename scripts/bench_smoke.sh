#!/usr/bin/env bash
# Builds the benchmarks (bench preset) and runs each once, briefly, so they cannot rot: every
# Google Benchmark with a minimal time, the latency harness with few samples, the ratio
# table over both outputs, and the scaling benchmark at 1 and 2 threads. Fails when a
# benchmark reports an error (the benchmarks check that they measured the state they meant
# to). Run from the repository root; CI runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --workflow --preset bench
bin=build/bench/bin
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin/tagcache_bench" --benchmark_min_time=0.001 --benchmark_out="$out/bench.json" \
    --benchmark_out_format=json | tee "$out/bench.txt"
if grep -q "ERROR OCCURRED" "$out/bench.txt"; then
    echo "bench_smoke: a benchmark reported an error" >&2
    exit 1
fi
"$bin/tagcache_latency" --samples 4000 --json >"$out/latency.json"
"$bin/tagcache_ratio_table" "$out/bench.json" "$out/latency.json"
# Threads against one pool (exits non-zero on any pool error or broken invariant).
"$bin/tagcache_scaling" --threads 1,2 --rounds 1 --seconds 0.1
"$bin/tagcache_scaling" --threads 1,2 --rounds 1 --seconds 0.1 --metadata-only
