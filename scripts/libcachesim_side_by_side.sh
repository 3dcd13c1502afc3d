#!/usr/bin/env bash
# The pool against libCacheSim's LRU, side by side in one run on one machine (issue 24): the
# same traces (tests/data/P3.lis.zst, OLTP.lis.zst) in memory, replayed as a demand-paging
# cache of the same capacity, hit counts checked equal, then
#   - instructions per request of the whole replay under callgrind (P3@8192, OLTP@5000,
#     OLTP@8192): ours from scripts/replay_instructions.sh, theirs from cache->get() in the same
#     scope (--toggle-collect on run_replay);
#   - instructions per operation, each operation through a noipa wrapper on both sides and
#     charged inclusively: restore hit / get hit, restore miss / failed lookup (find), store
#     that evicts / insert with eviction (can_insert, evict while full, insert);
#   - requests/s of the replay alone, median of 5 interleaved rounds (ours, theirs, ours, ...)
#     on P3@8192 and OLTP@5000.
# Prints Markdown tables to paste into bench/README.md. Hand-run: the repository does not
# depend on libCacheSim (CI never runs this); it reads libCacheSim's public source
# (https://github.com/1a1a11a/libCacheSim) and links against it, copying none of it.
#
#   scripts/libcachesim_side_by_side.sh LIBCACHESIM_SOURCE_DIR [BENCH_BUILD_DIR]
#   scripts/libcachesim_side_by_side.sh --self-test
#
# LIBCACHESIM_SOURCE_DIR: a libCacheSim source tree (a clone, or `git archive` of one).
# BENCH_BUILD_DIR: our build configured by the bench preset (default build/bench; relative paths
# are from the repository root, as in scripts/replay_instructions.sh; build/bench is configured
# here if absent). libCacheSim is built (Release, by its own CMake, target libCacheSim only)
# once into $LIBCACHESIM_BUILD_DIR (default BENCH_BUILD_DIR/libcachesim) and reused; the
# driver bench/libcachesim/lcs_replay.c is compiled against it by bench/libcachesim/Makefile.
# Environment: LIBCACHESIM_COMMIT names the commit when the source is not a git checkout
# (`git get-tar-commit-id <archive.tar` tells it for a git archive); JOBS build jobs (2).
# Needs cmake, make, a C compiler, pkg-config with glib-2.0, zstd's headers, valgrind.
# Every failure (a hit count that differs, a figure missing) exits non-zero saying why;
# --self-test checks that those checks fail when they should, without libCacheSim.
set -euo pipefail
script=${BASH_SOURCE[0]}
fail() {
    echo "libcachesim_side_by_side.sh: $*" >&2
    exit 1
}
usage() { sed -n '2,/^set -euo/p' "$script" | sed '$d; s/^# \{0,1\}//'; }

# --- checks and parsing, shared by the run and --self-test --------------------------------

# "requests N hits H" of a replay program's output file, as "N H".
requests_and_hits() { # FILE WHAT
    local line
    line=$(head -n 1 "$1")
    [[ $line =~ ^requests\ ([1-9][0-9]*)\ hits\ ([0-9]+)$ ]] ||
        fail "$2: expected \"requests N hits H\", got \"$line\""
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
}

# The "seconds S" line of a --time run.
seconds_of() { # FILE WHAT
    local line
    line=$(sed -n 2p "$1")
    if ! [[ $line =~ ^seconds\ ([0-9]+\.[0-9]+)$ ]] ||
        ! awk -v s="${BASH_REMATCH[1]}" 'BEGIN { exit !(s > 0) }'; then
        fail "$2: expected \"seconds S\" (S > 0), got \"$line\""
    fi
    echo "${BASH_REMATCH[1]}"
}

same_hits() { # WHAT OUR_REQUESTS OUR_HITS THEIR_REQUESTS THEIR_HITS
    [[ $2 == "$4" ]] || fail "$1: tagcache replayed $2 requests, libCacheSim $4"
    [[ $3 == "$5" ]] || fail "$1: hit counts differ: tagcache $3, libCacheSim $5"
}

# A figure that must be there: a non-negative decimal.
figure() { # WHAT VALUE
    [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "$1: no figure (got \"$2\")"
    echo "$2"
}

# Field COLUMN (1-based) of our --tsv line of KIND for TRACE at CAPACITY.
ours() { # TSV_FILE KIND TRACE CAPACITY COLUMN
    local value
    value=$(awk -F '\t' -v k="$2" -v t="$3" -v c="$4" -v n="$5" \
        '$1 == k && $2 == t && $3 == c && $4 == "lru" { print $n; exit }' "$1")
    figure "tagcache $2 $3@$4 column $5" "$value"
}

# Instructions charged inclusively to FUNCTION in callgrind_annotate's output (the listing of
# functions, which comes first), by the name as it appears before " [" (the object file).
inclusive() { # ANNOTATED_FILE FUNCTION WHAT
    local count
    count=$(sed -nE "s/^ *([0-9,]+) .*:$2 \[.*/\1/p" "$1" | head -n 1 | tr -d ,)
    [[ $count =~ ^[0-9]+$ && $count != 0 ]] || fail "$3: callgrind charged nothing to $2"
    echo "$count"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; } # A B: A / B, one decimal

# The median of exactly five numbers, one a line on stdin.
median_of_5() { # WHAT
    local values
    mapfile -t values < <(sort -g)
    [[ ${#values[@]} == 5 ]] || fail "$1: ${#values[@]} timed rounds, not 5"
    local value
    for value in "${values[@]}"; do figure "$1" "$value" >/dev/null; done
    echo "${values[2]}"
}

self_test() {
    dir=$(mktemp -d) # global: the EXIT trap runs after this function returned
    trap 'rm -rf "$dir"' EXIT
    local failures=0
    expect_fail() { # WHAT COMMAND...: the check must exit non-zero and say why
        local what=$1
        shift
        if ("$@") >/dev/null 2>"$dir/err"; then
            echo "self-test: $what passed silently" >&2
            failures=$((failures + 1))
        elif ! grep -q . "$dir/err"; then
            echo "self-test: $what failed without saying why" >&2
            failures=$((failures + 1))
        fi
    }
    expect() { # WHAT EXPECTED COMMAND...
        local what=$1 expected=$2 got
        shift 2
        got=$("$@" 2>/dev/null) || got="(failed)"
        [[ $got == "$expected" ]] || {
            echo "self-test: $what gave \"$got\", not \"$expected\"" >&2
            failures=$((failures + 1))
        }
    }
    printf 'requests 914145 hits 490443\nseconds 0.031\n' >"$dir/good"
    printf 'requests 914145\n' >"$dir/short"
    printf 'requests 914145 hits 490443\n' >"$dir/untimed"
    printf 'requests 914145 hits 490443\nseconds 0.000\n' >"$dir/zero"
    : >"$dir/empty"
    expect "a run's requests and hits" "914145 490443" requests_and_hits "$dir/good" good
    expect_fail "a run without hits" requests_and_hits "$dir/short" short
    expect_fail "an empty run" requests_and_hits "$dir/empty" empty
    expect "a run's seconds" "0.031" seconds_of "$dir/good" good
    expect_fail "a --time run without seconds" seconds_of "$dir/untimed" untimed
    expect_fail "a --time run of 0 seconds" seconds_of "$dir/zero" zero
    expect "equal hit counts" "" same_hits OLTP@5000 914145 490443 914145 490443
    expect_fail "hit counts that differ" same_hits OLTP@5000 914145 490443 914145 490444
    expect_fail "request counts that differ" same_hits OLTP@5000 914145 1 914146 1
    printf 'replay\tP3\t8192\tlru\t3912296\t63393\t3097850021\t791.8\n' >"$dir/ours.tsv"
    printf 'operations\tP3\t8192\tlru\t214.3\t187.5\t\t481.4\n' >>"$dir/ours.tsv"
    expect "our per-request figure" "791.8" ours "$dir/ours.tsv" replay P3 8192 8
    expect_fail "our figure for a case not run" ours "$dir/ours.tsv" replay OLTP 5000 8
    expect_fail "our figure left empty" ours "$dir/ours.tsv" operations P3 8192 7
    cat >"$dir/annotated" <<'EOF'
1,579,387,990 (79.88%)  bench/libcachesim/lcs_replay.c:op_insert_evicting [/x/lcs_replay]
  282,918,859 (14.31%)  bench/libcachesim/lcs_replay.c:op_get_miss [/x/lcs_replay]
EOF
    expect "a wrapper's inclusive count" "282918859" inclusive "$dir/annotated" op_get_miss miss
    expect_fail "a wrapper callgrind did not charge" inclusive "$dir/annotated" op_get_hit hit
    expect "a median" "3" median_of_5 m < <(printf '5\n1\n3\n4\n2\n')
    expect_fail "four rounds" median_of_5 m < <(printf '5\n1\n3\n4\n')
    expect_fail "a round without a figure" median_of_5 m < <(printf '5\n1\nx\n4\n2\n')
    if ((failures != 0)); then
        echo "self-test: $failures checks wrong" >&2
        return 1
    fi
    echo "self-test: every check fails when it should"
}

# --- the run --------------------------------------------------------------------------------

case ${1:-} in
--help | -h)
    usage
    exit 0
    ;;
--self-test)
    self_test
    exit
    ;;
esac
if [[ $# -lt 1 || $# -gt 2 ]]; then
    usage >&2
    exit 2
fi
[[ -d $1 ]] || fail "LIBCACHESIM_SOURCE_DIR $1 is not a directory"
source_dir=$(cd "$1" && pwd -P)
[[ -f $source_dir/CMakeLists.txt && -f $source_dir/libCacheSim/cache/eviction/LRU.c ]] ||
    fail "$1 is not libCacheSim's source tree (no CMakeLists.txt and libCacheSim/cache/eviction/LRU.c)"
cd "$(dirname "$script")/.."
bench_build=${2:-build/bench}
lcs_build=${LIBCACHESIM_BUILD_DIR:-$bench_build/libcachesim}
jobs=${JOBS:-2}
for tool in cmake make cc pkg-config valgrind callgrind_annotate awk; do
    command -v "$tool" >/dev/null || fail "$tool is needed"
done
pkg-config --exists glib-2.0 || fail "glib-2.0 is needed (apt-get install libglib2.0-dev)"
echo '#include <zstd.h>' | cc -E -x c - >/dev/null 2>&1 ||
    fail "zstd's headers are needed (apt-get install libzstd-dev)"
commit=${LIBCACHESIM_COMMIT:-unknown}
if [[ -z ${LIBCACHESIM_COMMIT:-} ]] &&
    [[ $(git -C "$source_dir" rev-parse --show-toplevel 2>/dev/null) == "$source_dir" ]]; then
    commit=$(git -C "$source_dir" rev-parse HEAD) # a checkout of its own, not inside another
fi

if [[ ! -f $bench_build/CMakeCache.txt ]]; then
    [[ $bench_build == build/bench ]] ||
        fail "$bench_build is not a configured build (cmake --preset bench configures build/bench)"
    cmake --preset bench >/dev/null || fail "configuring build/bench (cmake --preset bench) failed"
fi

# libCacheSim, built once per build directory by its own CMake (Release).
mkdir -p "$lcs_build"
lcs_build=$(cd "$lcs_build" && pwd -P)
if [[ -f $lcs_build/CMakeCache.txt ]]; then
    configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$lcs_build/CMakeCache.txt")
    [[ $configured == "$source_dir" ]] ||
        fail "$lcs_build holds a build of $configured, not $source_dir: remove it or set LIBCACHESIM_BUILD_DIR"
else
    cmake -S "$source_dir" -B "$lcs_build" -DCMAKE_BUILD_TYPE=Release -DENABLE_TESTS=OFF \
        >"$lcs_build/configure.log" 2>&1 ||
        fail "configuring libCacheSim failed; see $lcs_build/configure.log"
fi
cmake --build "$lcs_build" --target libCacheSim -j "$jobs" >"$lcs_build/build.log" 2>&1 ||
    fail "building libCacheSim failed; see $lcs_build/build.log"
make -s -C bench/libcachesim LIBCACHESIM_SOURCE="$source_dir" LIBCACHESIM_BUILD="$lcs_build" \
    OUT="$lcs_build" >"$lcs_build/driver.log" 2>&1 ||
    fail "compiling bench/libcachesim/lcs_replay.c failed; see $lcs_build/driver.log"
theirs=$lcs_build/lcs_replay
echo "libCacheSim $commit, built in $lcs_build (Release, its CMake); driver $theirs" >&2

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Ours: scripts/replay_instructions.sh (which builds our two replay programs).
echo "counting ours (scripts/replay_instructions.sh --tsv $bench_build) ..." >&2
scripts/replay_instructions.sh --tsv "$bench_build" >"$out/ours.tsv" ||
    fail "scripts/replay_instructions.sh failed"
our_program=$bench_build/bin/tagcache_replay_instructions

cases=("P3 8192" "OLTP 5000" "OLTP 8192")
declare -A whole_ours whole_theirs requests_of hits_of op_ours op_theirs
for case in "${cases[@]}"; do
    read -r trace capacity <<<"$case"
    what="$trace@$capacity"
    echo "counting libCacheSim on $what ..." >&2
    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_replay*' \
        --callgrind-out-file="$out/cg.out" "$theirs" "tests/data/$trace.lis.zst" "$capacity" \
        >"$out/run.txt" 2>"$out/valgrind.txt" || fail "$what: libCacheSim's replay under callgrind failed"
    # Each figure into a variable first: a failing $(...) in an argument would not stop set -e.
    run=$(requests_and_hits "$out/run.txt" "libCacheSim $what")
    read -r requests hits <<<"$run"
    our_requests=$(ours "$out/ours.tsv" replay "$trace" "$capacity" 5)
    our_hits=$(ours "$out/ours.tsv" replay "$trace" "$capacity" 6)
    same_hits "$what" "$our_requests" "$our_hits" "$requests" "$hits"
    instructions=$(figure "libCacheSim $what instructions" \
        "$(sed -n 's/^totals: *//p; s/^summary: *//p' "$out/cg.out" | head -n 1)")
    requests_of[$what]=$requests
    hits_of[$what]=$hits
    whole_ours[$what]=$(ours "$out/ours.tsv" replay "$trace" "$capacity" 8)
    whole_theirs[$what]=$(ratio "$instructions" "$requests")

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*run_per_operation*' \
        --callgrind-out-file="$out/per.out" "$theirs" --operations "tests/data/$trace.lis.zst" \
        "$capacity" >"$out/run.txt" 2>"$out/valgrind.txt" ||
        fail "$what: libCacheSim's per-operation replay under callgrind failed"
    run=$(requests_and_hits "$out/run.txt" "libCacheSim per operation $what")
    read -r _ per_hits <<<"$run"
    same_hits "$what, per operation" "$requests" "$hits" "$requests" "$per_hits"
    callgrind_annotate --inclusive=yes --threshold=100 --auto=no "$out/per.out" \
        >"$out/annotated.txt" 2>/dev/null || fail "$what: callgrind_annotate failed"
    misses=$((requests - hits))
    evicting=$((misses - capacity))
    ((hits > 0 && evicting > 0)) || fail "$what: no hits or no evicting inserts to divide by"
    get_hit=$(inclusive "$out/annotated.txt" op_get_hit "$what")
    get_miss=$(inclusive "$out/annotated.txt" op_get_miss "$what")
    insert_evicting=$(inclusive "$out/annotated.txt" op_insert_evicting "$what")
    op_theirs[$what]="$(ratio "$get_hit" "$hits") $(ratio "$get_miss" "$misses") \
$(ratio "$insert_evicting" "$evicting")"
    for column in 5 6 7; do # ours: restore hit, restore miss, store evicting
        op_ours[$what]+="$(ours "$out/ours.tsv" operations "$trace" "$capacity" "$column") "
    done
done

# Time: the replay alone, trace in memory, 5 rounds alternating the two programs.
timed_cases=("P3 8192" "OLTP 5000")
for round in 1 2 3 4 5; do
    echo "timing, round $round of 5 ..." >&2
    for case in "${timed_cases[@]}"; do
        read -r trace capacity <<<"$case"
        what="$trace@$capacity"
        for side in ours theirs; do
            if [[ $side == ours ]]; then
                "$our_program" --time "tests/data/$trace.lis.zst" "$capacity" lru >"$out/run.txt" ||
                    fail "$what: tagcache_replay_instructions --time failed"
            else
                "$theirs" --time "tests/data/$trace.lis.zst" "$capacity" >"$out/run.txt" ||
                    fail "$what: lcs_replay --time failed"
            fi
            run=$(requests_and_hits "$out/run.txt" "$side $what timed")
            read -r requests hits <<<"$run"
            same_hits "$what, $side timed" "${requests_of[$what]}" "${hits_of[$what]}" \
                "$requests" "$hits"
            seconds=$(seconds_of "$out/run.txt" "$side $what timed")
            awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.0f\n", r / s }' \
                >>"$out/rate.$side.$trace.$capacity"
        done
    done
done

millions() { awk -v r="$1" 'BEGIN { printf "%.1f M", r / 1e6 }'; }
range() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.1f–%.1f", lo / 1e6, hi / 1e6 }'; }

ours_commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- include sim bench scripts || ours_commit+=" with uncommitted changes"
host="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) CPUs"
echo "libCacheSim $commit (its LRU, 2^16 hash buckets, Release) against tagcache $ours_commit"
echo "(bench preset), $(date -u +%Y-%m-%d), $host:"
echo "\`scripts/libcachesim_side_by_side.sh LIBCACHESIM_SOURCE_DIR${2:+ $bench_build}\`"
echo
echo "| replay, LRU, metadata only | requests | hits (both) | tagcache instructions / request | libCacheSim | tagcache / libCacheSim |"
echo "|---|---:|---:|---:|---:|---:|"
for case in "${cases[@]}"; do
    read -r trace capacity <<<"$case"
    what="$trace@$capacity"
    echo "| $trace at $capacity | ${requests_of[$what]} | ${hits_of[$what]} | ${whole_ours[$what]} | ${whole_theirs[$what]} | $(awk -v a="${whole_ours[$what]}" -v b="${whole_theirs[$what]}" 'BEGIN { printf "%.2f×", a / b }') |"
done
echo
echo "| instructions per operation (noipa wrapper, inclusive) | restore hit | get hit | restore miss | failed lookup | store evicting | insert with eviction |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for case in "${cases[@]}"; do
    read -r trace capacity <<<"$case"
    what="$trace@$capacity"
    read -r get_hit get_miss insert_evicting <<<"${op_theirs[$what]}"
    read -r restore_hit restore_miss store_evicting <<<"${op_ours[$what]}"
    echo "| $trace at $capacity | $restore_hit | $get_hit | $restore_miss | $get_miss | $store_evicting | $insert_evicting |"
done
echo
echo "| requests/s, replay alone, median of 5 interleaved rounds (range) | tagcache | libCacheSim | tagcache / libCacheSim |"
echo "|---|---:|---:|---:|"
for case in "${timed_cases[@]}"; do
    read -r trace capacity <<<"$case"
    ours_rate=$(median_of_5 "tagcache $trace@$capacity requests/s" <"$out/rate.ours.$trace.$capacity")
    theirs_rate=$(median_of_5 "libCacheSim $trace@$capacity requests/s" <"$out/rate.theirs.$trace.$capacity")
    echo "| $trace at $capacity | $(millions "$ours_rate") ($(range "$out/rate.ours.$trace.$capacity")) | $(millions "$theirs_rate") ($(range "$out/rate.theirs.$trace.$capacity")) | $(awk -v a="$ours_rate" -v b="$theirs_rate" 'BEGIN { printf "%.2f×", a / b }') |"
done
