#!/usr/bin/env bash
# Reads the console log of one boot and passes only on a complete, all-ok KTAP result:
#   check_ktap.sh <console.log> <x86_64|arm64> [--kunit SUITE]
# Fails on: no "KTAP version 1" or plan line, a result count other than the plan, results out
# of order, any "not ok", a case missing or unexpected, a SKIP anywhere but mte_tags on x86-64,
# a kernel BUG/oops/panic/WARNING/stall, no debugfs counters, no clean rmmod, and on arm64 a
# guest CPU without "mte". Prints the KTAP block (the kernel's timestamps stripped).
# --kunit SUITE: the log must also hold KUnit's nested KTAP for SUITE, all ok (a kernel with
# KUnit built in runs the module's suite at load; check_kunit.py reads the nesting).
set -euo pipefail
log=$1
arch=$2
kunit_suite=
if (($# == 4)) && [[ $3 == --kunit ]]; then
    kunit_suite=$4
elif (($# != 2)); then
    echo "usage: check_ktap.sh <console.log> <x86_64|arm64> [--kunit SUITE]" >&2
    exit 2
fi
expected=(error_codes tag_map_known_answers pool_round_trip pool_eviction pool_invalidation
          folio_take_back_drop folio_take_back_split tag_storage_reserve_release mte_tags
          concurrency atomic_spin_lock_irqsave atomic_hrtimer latency debugfs_counters)
skippable=()
[[ $arch == x86_64 ]] && skippable=(mte_tags)

# Console lines without carriage returns and without printk's "[    1.234567] " prefix.
clean=$(tr -d '\r' <"$log" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //')
ktap=$(sed -n '/^KTAP version 1$/,/^# tagcache self-test: [0-9]* of [0-9]* cases failed$/p' \
    <<<"$clean")
failures=()
fail() { failures+=("$*"); }

if [[ -z $ktap ]]; then
    fail "no 'KTAP version 1' block in the console log"
else
    printf '%s\n' "$ktap"
fi
plan=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' <<<"$ktap" | head -n1)
[[ -n $plan ]] || fail "no plan line (1..N)"
mapfile -t results < <(grep -E '^(not )?ok [0-9]+ ' <<<"$ktap" || true)
[[ -z $plan || ${#results[@]} -eq $plan ]] ||
    fail "the plan says $plan cases, ${#results[@]} results were printed"
[[ -z $plan || $plan -eq ${#expected[@]} ]] ||
    fail "the plan says $plan cases, ${#expected[@]} are expected"
number=0
for line in "${results[@]}"; do
    number=$((number + 1))
    [[ $line =~ ^(not\ )?ok\ ([0-9]+)\ ([a-z0-9_]+)(\ \#\ SKIP\ ?(.*))?$ ]] ||
        { fail "unreadable result line: $line"; continue; }
    [[ ${BASH_REMATCH[2]} -eq $number ]] || fail "result $number is numbered ${BASH_REMATCH[2]}"
    name=${BASH_REMATCH[3]}
    [[ ${expected[number - 1]:-} == "$name" ]] ||
        fail "result $number is '$name', expected '${expected[number - 1]:-nothing}'"
    [[ -z ${BASH_REMATCH[1]} ]] || fail "not ok: $name"
    if [[ -n ${BASH_REMATCH[4]} ]] && [[ " ${skippable[*]} " != *" $name "* ]]; then
        fail "$name was skipped on $arch, which must run it"
    fi
done
for name in "${skippable[@]}"; do
    grep -qE "^ok [0-9]+ $name # SKIP" <<<"$ktap" || fail "$name should be skipped on $arch"
done

if [[ -n $kunit_suite ]]; then
    if kunit=$("$(dirname "${BASH_SOURCE[0]}")/check_kunit.py" "$kunit_suite" <<<"$clean"); then
        printf '%s\n' "$kunit"
    else
        fail "KUnit: $kunit"
    fi
fi

problems='BUG:|Oops|Kernel panic|WARNING: CPU|Call [Tt]race|rcu: INFO|soft lockup|hung_task'
if grep -qE "$problems" <<<"$clean"; then
    fail "the kernel reported a problem:"$'\n'"$(grep -nE "$problems" <<<"$clean" | head -5)"
fi
counters=$(sed -n '/^tagcache-init: debugfs begin$/,/^tagcache-init: debugfs end$/p' <<<"$clean")
for counter in stored skipped restored missed reclaimed recalled invalidated cached; do
    grep -qE "^$counter [0-9]+$" <<<"$counters" || fail "debugfs: no '$counter N' line"
done
[[ -z $counters ]] || printf 'debugfs /sys/kernel/debug/tagcache/counters:\n%s\n' \
    "$(sed '1d;$d' <<<"$counters" | sed 's/^/  /')"
grep -q '^tagcache-init: rmmod ok$' <<<"$clean" || fail "the module did not unload cleanly"
if [[ $arch == arm64 ]]; then
    grep -qE '^tagcache-init: cpu: [Ff]eatures.*\bmte\b' <<<"$clean" ||
        fail "the guest CPU does not list mte in /proc/cpuinfo"
fi

if ((${#failures[@]})); then
    printf 'check_ktap (%s): FAILED\n' "$arch" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
fi
printf 'check_ktap (%s): %s cases, all ok\n' "$arch" "$plan"
