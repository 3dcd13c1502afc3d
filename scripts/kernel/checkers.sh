#!/usr/bin/env bash
# The module under the kernel's own checkers, the C++ core instrumented as the C around it
# (Kbuild gives the C++ rule the checkers' per-object flags; the core's locks carry lockdep
# maps). Builds the checker kernels (TAGCACHE_KERNEL_FLAVOUR=checkers: the fragments
# scripts/kernel/config/checkers-<arch>.config) and boots them:
#
#   scripts/kernel/checkers.sh [--help] [--no-planted] [arm64|x86_64|all]   (default: all)
#
#  arm64   generic KASAN, PROVE_LOCKING, DEBUG_ATOMIC_SLEEP: the self-test and KUnit, the ext4
#          workload with its recording and coherency tests (workload.sh), and the MTE run
#          beside the page cache (tags.sh), with no report; then the planted out-of-bounds
#          read (tagcache.ko plant=out_of_bounds) must be reported by KASAN, naming the C++
#          function.
#  x86_64  KCSAN: the self-test and KUnit, and the ext4 workload, with no KCSAN report that
#          involves tagcache (others are counted, not judged); then the planted data race
#          (plant=data_race) must be reported by KCSAN, naming the C++ function.
# Outputs in build/kernel/<arch>/{wl,tags}-checkers/ and build/kernel/<arch>/checkers/.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; }
arches=all planted=1
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --no-planted) planted= ;;
    x86_64 | arm64 | all) arches=$1 ;;
    *) echo "checkers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $arches == all ]] && arches="arm64 x86_64"
export TAGCACHE_KERNEL_FLAVOUR=checkers
failed=()
fail() { echo "checkers.sh: $*" >&2; failed+=("$*"); }
source scripts/kernel/guest.sh

# A boot with a planted bug: the checker's report must name the C++ function.
planted_boot() { # arch what report-pattern
    local arch=$1 what=$2 pattern=$3 out=$repo/build/kernel/$1/checkers
    local tree console kernel_image
    local -a qemu append machine=(-m 512 -smp 2 -nographic -no-reboot -nic none) dtb=()
    mkdir -p "$out"
    guest_prepare "$arch" "$out" || return
    local image=$out/empty.img
    truncate -s 1M "$image"
    guest_reports_expected=1 boot "plant-$what" "$image" wl_mode=plant wl_backend=0 \
        wl_plant="$what" || return
    local report
    report=$(tr -d '\r' <"$out/plant-$what.log" | grep -m1 -E "$pattern" || true)
    if [[ -n $report ]]; then
        echo "  $arch plant=$what reported: ${report#*] }"
    else
        fail "$arch: plant=$what was not reported ($out/plant-$what.log)"
    fi
}

for arch in $arches; do
    case $arch in
    arm64)
        # Smaller than the plain runs: generic KASAN with lockdep reads about 8 times slower
        # under TCG (a 128 MiB pass 10 s, against 416 MiB in 4 s), and its shadow and lockdep's
        # tables leave less free memory (MemTotal 147 of the workload guest's 512 MiB, 256 of
        # them the donor region; 181 of the tag-storage guest's 264).
        TAGCACHE_WL_FILES_MIB=128 scripts/kernel/workload.sh --fs ext4 --no-fault --passes 2 \
            arm64 || fail "arm64: workload.sh"
        # lockdep saw the core's locks: the pool's and the manager's classes (the self-test
        # takes both), registered while the module was loaded.
        classes=$(grep -a -m1 '^WL lockdep classes' build/kernel/arm64/wl-checkers/selftest.log |
            tr -d '\r' || true)
        if [[ $classes == *tagcache_pool_lock* && $classes == *tagcache_tags_lock* ]]; then
            echo "  arm64: ${classes#WL }"
        else
            fail "arm64: lockdep did not learn the core's lock classes ('$classes')"
        fi
        TAGCACHE_TAGS_HOT_MIB=128 TAGCACHE_TAGS_MTE_MIB=32 scripts/kernel/tags.sh --passes 1 \
            --rounds 4 || fail "arm64: tags.sh"
        [[ -z $planted ]] || planted_boot arm64 out_of_bounds \
            'BUG: KASAN: slab-out-of-bounds in tagcache_plant_out_of_bounds'
        ;;
    x86_64)
        TAGCACHE_WL_FILES_MIB=256 scripts/kernel/workload.sh --fs ext4 --no-fault \
            --no-coherency --passes 2 x86_64 || fail "x86_64: workload.sh"
        kcsan=$(cat build/kernel/x86_64/wl-checkers/*.log | tr -d '\r' |
            grep -c 'BUG: KCSAN:' || true)
        echo "  x86_64: KCSAN reports not involving tagcache (counted, not judged): $kcsan"
        echo "  x86_64 ext4-backend: $(grep -a -m1 '^WL kcsan' \
            build/kernel/x86_64/wl-checkers/ext4-backend.log | tr -d '\r' | cut -c4-)"
        [[ -z $planted ]] || planted_boot x86_64 data_race \
            'BUG: KCSAN: data-race in tagcache_plant_data_race'
        ;;
    esac
done
if ((${#failed[@]})); then
    printf 'checkers.sh: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "checkers.sh: all passed ($arches)"
