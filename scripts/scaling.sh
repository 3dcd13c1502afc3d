#!/usr/bin/env bash
# The multi-thread scaling benchmark as one script, for a many-core machine (CI runs only the
# 1- and 2-thread smoke in scripts/bench_smoke.sh and never depends on this). Needs only a C++20
# compiler: it builds bench/scaling/scaling.cpp alone (no CMake, no Google Benchmark), prints
# the machine, then the table with 4 KiB copies and metadata only, and writes both as JSON
# under $OUT (or ./scaling-out). Usage: scripts/scaling.sh [threads-list] [slots] [shards]
# (defaults: 1,2,4,8,12,16 up to the CPU count; 262144 slots; 256 shards). About 4 minutes
# on 16 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cpus=$(nproc)
if [[ $# -ge 1 ]]; then
    threads=$1
else
    threads=1
    for t in 2 4 8 12 16 24 32; do
        ((t <= cpus)) && threads+=",$t"
    done
fi
slots=${2:-262144}
shards=${3:-256}
out=${OUT:-scaling-out}
mkdir -p "$out"
compiler=${CXX:-$(command -v g++ || command -v clang++)}
"$compiler" -std=c++20 -O2 -DNDEBUG -Iinclude bench/scaling/scaling.cpp -o "$out/tagcache_scaling" -pthread
echo "== $(uname -srm); $cpus CPUs; $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2)"
run() {
    "$out/tagcache_scaling" --threads "$threads" --slots "$slots" --shards "$shards" --rounds 5 \
        --seconds 1 "$@"
}
run | tee "$out/copies.txt"
run --metadata-only | tee "$out/metadata.txt"
run --json >"$out/copies.json"
echo "scaling: tables in $out"
