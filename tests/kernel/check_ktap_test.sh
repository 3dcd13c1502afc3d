#!/usr/bin/env bash
# check_ktap.sh must pass a complete all-ok log and fail every broken one: a `not ok`, a
# missing plan, a missing or extra case, a SKIP where the case must run, a kernel oops, no
# debugfs counters, no clean unload, an arm64 guest without mte, and no KTAP at all (what a
# boot cut off by the timeout leaves). Needs only bash: no kernel, no QEMU.
set -euo pipefail
check=$(dirname "${BASH_SOURCE[0]}")/../../scripts/kernel/check_ktap.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cases=(error_codes tag_map_known_answers pool_round_trip pool_eviction pool_invalidation
       folio_take_back_drop folio_take_back_split tag_storage_reserve_release mte_tags
       concurrency atomic_spin_lock_irqsave atomic_hrtimer latency debugfs_counters)

# KUnit's output for the module's suite (6.1's format: the suite at 4 spaces, a parameterised
# case's results at 8, no plan for those), printed before the self-test (module load).
kunit_block() {
    printf '[    3.0] %s\r\n' '    KTAP version 1' '    # Subtest: tagcache' '    1..3' \
        '        KTAP version 1' '        # Subtest: tag_map_regions' '        ok 1 bsp1-4k' \
        '        ok 2 bsp2-4k' '    # tag_map_regions: pass:2 fail:0 skip:0 total:2' \
        '    ok 1 tag_map_regions' '    ok 2 abi_error_codes' '    ok 3 abi_pool_params' \
        '# tagcache: pass:3 fail:0 skip:0 total:3' 'ok 1 tagcache'
}

# A console log as a boot prints it (timestamps, carriage returns, other kernel lines).
good_log() { # arch
    printf '[    0.000000] Linux version 6.1.0 (test)\r\n'
    kunit_block
    printf 'tagcache-init: cpu: Features\t: fp asimd %s\r\n' "$([[ $1 == arm64 ]] && echo mte)"
    printf '[    4.100000] KTAP version 1\r\n[    4.100001] 1..%d\r\n' "${#cases[@]}"
    local i=0 name
    for name in "${cases[@]}"; do
        i=$((i + 1))
        printf '[    4.2%05d] # %s: a diagnostic\r\n' "$i" "$name"
        if [[ $name == mte_tags && $1 == x86_64 ]]; then
            printf '[    4.3%05d] ok %d %s # SKIP MTE is an arm64 feature\r\n' "$i" "$i" "$name"
        else
            printf '[    4.3%05d] ok %d %s\r\n' "$i" "$i" "$name"
        fi
    done
    printf '[    4.9] # tagcache self-test: 0 of %d cases failed\r\n' "${#cases[@]}"
    printf 'tagcache-init: debugfs begin\r\n'
    for counter in stored skipped restored missed reclaimed recalled invalidated cached; do
        printf '%s 7\r\n' "$counter"
    done
    printf 'tagcache-init: debugfs end\r\n[    5.0] tagcache: unloaded\r\n'
    printf 'tagcache-init: rmmod ok\r\n'
}

failures=0
expect() { # pass|fail description arch sed-script [the reason a failure must give]
    local want=$1 what=$2 arch=$3 script=$4 reason=${5:-} got=pass
    good_log "$arch" | sed -E "$script" >"$work/console.log"
    "$check" "$work/console.log" "$arch" "${kunit[@]}" >"$work/out" 2>&1 || got=fail
    if [[ $got == "$want" ]] && { [[ -z $reason ]] || grep -q -- "$reason" "$work/out"; }; then
        echo "ok: $what ($arch) -> $got"
    else
        echo "WRONG: $what ($arch) -> $got, expected $want"; cat "$work/out"
        failures=$((failures + 1))
    fi
}

kunit=()
expect pass "a complete all-ok log" x86_64 ''
expect pass "a complete all-ok log" arm64 ''
expect fail "a not ok" arm64 's/^(\[[^]]*\] )ok 10 concurrency/\1not ok 10 concurrency/' \
    "not ok: concurrency"
expect fail "no plan line" x86_64 '/ 1\.\.14/d' "no plan line"
expect fail "a missing case" x86_64 '/ ok 12 atomic_hrtimer/d' "13 results were printed"
expect fail "a renamed case" x86_64 's/ok 13 latency/ok 13 latencies/' "expected 'latency'"
expect fail "mte_tags skipped on arm64" arm64 's/ok 9 mte_tags/ok 9 mte_tags # SKIP no MTE/' \
    "mte_tags was skipped on arm64"
expect fail "mte_tags run on x86-64" x86_64 's/ok 9 mte_tags # SKIP.*/ok 9 mte_tags/' \
    "mte_tags should be skipped"
expect fail "another case skipped" x86_64 's/ok 4 pool_eviction/ok 4 pool_eviction # SKIP why/' \
    "pool_eviction was skipped"
expect fail "a kernel oops" x86_64 \
    's/^(tagcache-init: debugfs begin)/[    4.95] Oops: 0000 [#1] SMP\n\1/' "reported a problem"
expect fail "no debugfs counters" x86_64 '/^recalled 7/d' "no 'recalled N' line"
expect fail "no clean rmmod" x86_64 '/rmmod ok/d' "did not unload"
expect fail "arm64 guest without mte" arm64 's/ mte//' "does not list mte"
expect fail "no KTAP at all (timeout)" arm64 '/KTAP version 1/,$d' "no 'KTAP version 1' block"
# KUnit (--kunit tagcache): the nesting, at every depth.
kunit=(--kunit tagcache)
expect pass "KUnit: a complete all-ok suite" arm64 ''
expect fail "KUnit: a parameter not ok" arm64 's/        ok 2 bsp2-4k/        not ok 2 bsp2-4k/' \
    "not ok: tag_map_regions.bsp2-4k"
expect fail "KUnit: a case not ok" x86_64 's/    ok 2 abi_error_codes/    not ok 2 abi_error_codes/' \
    "not ok: tagcache.abi_error_codes"
expect fail "KUnit: the suite not ok" x86_64 's/^(\[[^]]*\] )ok 1 tagcache/\1not ok 1 tagcache/' \
    "not ok: tagcache"
expect fail "KUnit: a case missing from the plan" x86_64 '/ok 3 abi_pool_params/d' \
    "the plan says 3, 2 results"
expect fail "KUnit: results misnumbered" arm64 's/ok 2 bsp2-4k/ok 3 bsp2-4k/' "is numbered 3"
expect fail "KUnit: a parameterised case without its result" arm64 '/ ok 1 tag_map_regions/d' \
    "has no result"
expect fail "KUnit: cut off" arm64 '/ok 1 tagcache/,$d' "has no result"
expect fail "KUnit: no suite (a kernel without KUnit)" x86_64 '/# Subtest: tagcache/d' \
    "no KUnit suite 'tagcache'"
kunit=()
expect pass "no --kunit: KUnit's lines do not count" x86_64 '/# Subtest: tagcache/d'

((failures == 0)) || { echo "$failures checks of check_ktap.sh went wrong"; exit 1; }
echo "check_ktap.sh: every broken log rejected, complete logs accepted"
