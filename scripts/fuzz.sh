#!/usr/bin/env bash
# Builds the libFuzzer targets (preset fuzz: Clang, ASan + UBSan) and runs each for SECONDS
# (default 20), starting from its committed corpus, tests/fuzz/corpus/<target>/. Prints one
# line a target: executions, coverage (libFuzzer's cov: and ft:), new corpus entries. A crash
# stops with libFuzzer's report and the input saved under build/fuzz/findings/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]          e.g. scripts/fuzz.sh 600 pool
#   FUZZ_MERGE=1 scripts/fuzz.sh 600               also merge what it found into the corpus
#
# Debian 12: clang's libFuzzer runtime is in libclang-rt-14-dev (clang only recommends it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-20}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(scenario tmem_scenario lis_trace file_trace tag_map pool tag_manager)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null
work=build/fuzz
status=0
printf '%-14s %12s %10s %8s %8s %s\n' target executions exec/s cov ft "new inputs"
for target in "${targets[@]}"; do
    corpus=$work/corpus/$target
    findings=$work/findings/$target
    rm -rf "$corpus" && mkdir -p "$corpus" "$findings"
    cp tests/fuzz/corpus/"$target"/* "$corpus"/
    before=$(ls "$corpus" | wc -l)
    log=$work/$target.log
    if ! "$work/bin/${target}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
        -rss_limit_mb=4096 -timeout=20 -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1; then
        echo "fuzz: $target FAILED; libFuzzer's report ($log):" >&2
        tail -n 40 "$log" >&2
        status=1
        continue
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    coverage=$(grep -aoE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    printf '%-14s %12s %10s %8s %8s %s\n' "$target" "$executions" "$rate" \
        "$(awk '{print $2}' <<<"$coverage")" "$(awk '{print $4}' <<<"$coverage")" \
        "$(($(ls "$corpus" | wc -l) - before))"
    if [[ ${FUZZ_MERGE:-0} == 1 ]]; then
        "$work/bin/${target}_fuzzer" -merge=1 tests/fuzz/corpus/"$target" "$corpus" \
            >/dev/null 2>&1
    fi
done
exit $status
