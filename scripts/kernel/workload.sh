#!/usr/bin/env bash
# The cleancache under a real page cache: boots the kernel build.sh builds (the patch series
# applied) under QEMU with tagcache.ko as the cleancache backend, and checks it.
#
#   scripts/kernel/workload.sh [--help] [--fs ext4|ext2|xfs|all] [--passes N] [--no-fault]
#                              [--no-workload] [--no-coherency] [x86_64|arm64|all]
#                                                                  (default: all, ext4)
#
# Per arch: the module's KTAP self-test and its KUnit suite on this kernel (check_ktap.sh).
# Per arch and filesystem:
#  workload   a read-only image whose files total about twice the guest's free memory, with
#             md5sums computed here; the guest checks every file on every pass. Once without a
#             backend, once with tagcache.ko backend=1 (its donor blocks taken back and returned
#             by an hrtimer and under spin_lock_irqsave all along, churn_us). One table: device
#             read sectors, cleancache restores and misses, wall time, bad files.
#  record     (the first filesystem) a backend run of 2 passes with record=400000: the pool's
#             operations, written to a second disk, must replay in tagsim check-recording with
#             every result the same, and a copy with one result flipped must fail.
#  fault      the backend run again with fault_restore_neighbour=1: it must fail (bad files).
#  coherency  each test with its hook on (must pass) and off (must fail).
# Exits non-zero when a check fails. Guest: -m $TAGCACHE_WL_MEM_MIB (512) MiB, of which
# $TAGCACHE_WL_POOL_MIB (256) MiB are the donor region; -smp 2. Outputs in build/kernel/<arch>/wl/.
set -euo pipefail
shopt -s inherit_errexit # a failing mkfs inside $(workload_image) stops the script
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; }
arches=all filesystems=ext4 passes=3 workload=1 fault=1 coherency=1
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --fs) filesystems=${2:?--fs needs ext4, ext2 or all}; shift ;;
    --passes) passes=${2:?--passes needs a number}; shift ;;
    --no-workload) workload= ;;
    --no-fault) fault= ;;
    --no-coherency) coherency= ;;
    x86_64 | arm64 | all) arches=$1 ;;
    *) echo "workload.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $arches == all ]] && arches="x86_64 arm64"
[[ $filesystems == all ]] && filesystems="ext4 ext2 xfs"
[[ $passes =~ ^[1-9][0-9]?$ ]] || { echo "workload.sh: --passes: 1..99, not '$passes'" >&2; exit 2; }
for fs in $filesystems; do
    [[ $fs == ext4 || $fs == ext2 || $fs == xfs ]] ||
        { echo "workload.sh: --fs: ext4, ext2, xfs or all, not '$fs'" >&2; exit 2; }
done
mem=${TAGCACHE_WL_MEM_MIB:-512}
pool=${TAGCACHE_WL_POOL_MIB:-256}
churn_us=${TAGCACHE_WL_CHURN_US:-50000}
# The guest's free memory is about mem - pool - 48 MiB (kernel, initramfs; measured: the
# "memory" line of each run). Files: twice that, or TAGCACHE_WL_FILES_MIB (checkers.sh: a
# KASAN kernel has less free memory and reads about 8 times slower).
files_mib=${TAGCACHE_WL_FILES_MIB:-$(((mem - pool - 48) * 2))}
[[ $files_mib =~ ^[1-9][0-9]*$ ]] || { echo "workload.sh: TAGCACHE_WL_FILES_MIB: MiB" >&2; exit 2; }
failed=()
fail() { echo "workload.sh: $*" >&2; failed+=("$*"); }
source scripts/kernel/guest.sh

# ---- one arch --------------------------------------------------------------------------------
run_arch() {
    local arch=$1 image out
    out=$repo/build/kernel/$arch/wl${TAGCACHE_KERNEL_FLAVOUR:+-$TAGCACHE_KERNEL_FLAVOUR}
    mkdir -p "$out"
    local tree console kernel_image
    local -a qemu append
    guest_prepare "$arch" "$out" || return
    # x86-64's donor region: 128 MiB up, above the kernel (16 MiB) and below QEMU's initrd.
    [[ $arch == x86_64 ]] && append+=("cleancache_mem=${pool}M@128M")
    local -a machine=(-m "$mem" -smp 2 -nographic -no-reboot -nic none)
    local dtb=()
    if [[ $arch == arm64 ]]; then
        # QEMU's own device tree, plus a reserved-memory region without no-map (mapped).
        local base=$((0x40000000 + (mem - pool) * 1024 * 1024))
        "${qemu[@]}" "${machine[@]}" -drive file=/dev/null,if=none,id=d0,format=raw \
            -device virtio-blk-pci,drive=d0 -machine dumpdtb="$out/virt.dtb" >/dev/null
        dtc -q -I dtb -O dts "$out/virt.dtb" >"$out/virt.dts"
        cat >>"$out/virt.dts" <<EOF
/ {
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		tagcache_donor: donor@$(printf '%x' $base) {
			compatible = "tagcache,donor-memory";
			reg = <0x0 $(printf '0x%x' $base) 0x0 $(printf '0x%x' $((pool << 20)))>;
		};
	};
};
EOF
        dtc -q -I dts -O dtb -o "$out/virt-donor.dtb" "$out/virt.dts"
        dtb=(-dtb "$out/virt-donor.dtb")
    fi

    # The KTAP self-test on this kernel too (run.sh runs it on Debian's stock kernel), and the
    # module's KUnit suite, which these kernels (CONFIG_KUNIT=y) run when it loads.
    image=$(workload_image "${filesystems%% *}" "$files_mib")
    if boot selftest "$image" wl_mode=selftest wl_backend=0; then
        if scripts/kernel/check_ktap.sh "$out/selftest.log" "$arch" --kunit tagcache \
            >"$out/selftest.ktap" 2>&1; then
            echo "  $arch selftest: $(grep -cE '^ok [0-9]+ ' "$out/selftest.ktap") KTAP cases ok;" \
                "$(grep '^KUnit ' "$out/selftest.ktap")"
        else
            fail "$arch: the self-test on the built kernel: $(tail -n 3 "$out/selftest.ktap" | tr '\n' ' ')"
        fi
    fi

    local fs image
    for fs in $filesystems; do
        image=$(workload_image "$fs" "$files_mib")
        local common="wl_fs=$fs wl_passes=$passes"
        if [[ -n $workload ]]; then
            boot "$fs-plain" "$image" wl_mode=workload wl_backend=0 $common || continue
            boot "$fs-backend" "$image" wl_mode=workload wl_backend=1 \
                wl_churn_us="$churn_us" $common || continue
            report "$arch" "$fs" "$out/$fs-plain.log" "$out/$fs-backend.log"
        fi
        if [[ -n $workload && $fs == "${filesystems%% *}" ]]; then
            # One core, two callers, the same answers: the pool records its first operations
            # (2 passes, the churn on), and tagsim replays them through the same core.
            boot "$fs-record" "$image" wl_mode=workload wl_backend=1 wl_passes=2 \
                wl_record="$record_operations" wl_churn_us="$churn_us" wl_fs="$fs" &&
                check_recording "$arch" "$fs" "$out/$fs-record"
        fi
        if [[ -n $fault ]]; then
            boot "$fs-fault" "$image" wl_mode=workload wl_backend=1 wl_fault=1 wl_passes=2 \
                wl_fs="$fs" || true
            if grep -q '^WL pass .* FAIL' "$out/$fs-fault.log"; then
                echo "  $arch $fs fault: fault_restore_neighbour=1 made the run fail, as it must:" \
                    "$(grep -m1 '^WL pass .* FAIL' "$out/$fs-fault.log" | cut -d' ' -f2-)"
            else
                fail "$arch $fs: the run with fault_restore_neighbour=1 did not fail"
            fi
        fi
        if [[ -n $coherency ]]; then
            local scratch=$out/coherency-$fs.img
            make_fs "$fs" "$scratch" 32
            boot "$fs-coherency" "$scratch" wl_mode=coherency wl_backend=1 wl_fs="$fs" || continue
            local line
            while IFS= read -r line; do
                echo "  $arch $fs $line"
                case $line in
                *hook=*:on\ ok* | *hook=*:off\ FAIL* | *SKIP*) ;;
                *) fail "$arch $fs: $line" ;;
                esac
            done < <(grep -a '^WL coherency' "$out/$fs-coherency.log" | tr -d '\r' | cut -d' ' -f2-)
            [[ $(grep -c '^WL coherency' "$out/$fs-coherency.log") -ge 11 ]] ||
                fail "$arch $fs: coherency tests missing ($out/$fs-coherency.log)"
        fi
    done
}

# The recording a guest wrote to its second disk, replayed by tagsim check-recording: it must
# replay with every result the same, and a copy with one restore's result changed must not.
record_operations=400000
check_recording() { # arch fs base
    local arch=$1 fs=$2 base=$3 tagsim
    grep -q '^WL recording written' "$base.log" || { fail "$arch $fs: no recording ($base.log)"; return; }
    tr -d '\0' <"$base.vdb" >"$base.recording"
    tagsim=$(tagsim_binary) || { fail "$arch $fs: no tagsim to replay the recording"; return; }
    if "$tagsim" check-recording "$base.recording" >"$base.check" 2>&1; then
        echo "  $arch $fs record: $(cat "$base.check")"
    else
        fail "$arch $fs: the recording does not replay: $(cat "$base.check")"
        return
    fi
    # The first restore hit turned into a miss, or (a recording that ended before the first
    # hit) the first restore miss turned into a hit. awk, not grep: a search that finds nothing
    # must reach fail(), not end the script through pipefail.
    local line
    line=$(awk '/^restore .* = ok 0x1$/ { print NR; exit }' "$base.recording")
    [[ -n $line ]] || line=$(awk '/^restore .* = ok 0x0$/ { print NR; exit }' "$base.recording")
    [[ -n $line ]] || { fail "$arch $fs: the recording holds no order-0 restore"; return; }
    awk -v line="$line" 'NR == line { sub(/ = ok 0x[01]$/, $NF == "0x1" ? " = ok 0x0" : " = ok 0x1") } 1' \
        "$base.recording" >"$base.flipped"
    if "$tagsim" check-recording "$base.flipped" >"$base.flipped.check" 2>&1; then
        fail "$arch $fs: a recording with line $line's restore result flipped replayed"
    else
        echo "  $arch $fs record, line $line flipped: $(cat "$base.flipped.check")"
    fi
}

# tagsim, brought up to date in the dev build (CI's first step made it) or else a release one.
tagsim_binary() {
    local preset=release
    [[ -d build/dev ]] && preset=dev
    [[ -d build/$preset ]] || cmake --preset "$preset" >/dev/null || return 1
    cmake --build "build/$preset" --target tagsim >/dev/null || return 1
    echo "build/$preset/bin/tagsim"
}

# The table of one arch and filesystem; checks every pass and the backend's effect.
report() {
    local arch=$1 fs=$2 plain=$3 backend=$4
    python3 - "$arch" "$fs" "$plain" "$backend" <<'EOF' || failed+=("$1 $2: workload checks")
import re, sys
arch, fs, plain, backend = sys.argv[1:]
def passes(path):
    rows = {}
    for line in open(path, errors="replace"):
        m = re.match(r"WL pass (\d+) (\S+) sectors=(\d+) restored=(\d+) missed=(\d+) ms=(\d+) bad_files=(\d+)", line)
        if m:
            rows[int(m[1])] = dict(ok=m[2], sectors=int(m[3]), restored=int(m[4]), missed=int(m[5]),
                                   ms=int(m[6]), bad=int(m[7]))
    return rows
def line(path, tag):
    for l in open(path, errors="replace"):
        if l.startswith("WL " + tag + " "):
            return l.split(" ", 2)[2].strip()
    return ""
p, b = passes(plain), passes(backend)
bad = []
print(f"\n{arch} {fs}: {line(plain, 'memory')}")
print("| run | pass | result | device read MiB | restored pages | missed pages | restore hit % | wall s |")
print("|---|---|---|---|---|---|---|---|")
for name, rows in (("no backend", p), ("tagcache", b)):
    for n in sorted(rows):
        r = rows[n]
        lookups = r["restored"] + r["missed"]
        hit = f"{100 * r['restored'] / lookups:.1f}" if lookups else "-"
        print(f"| {name} | {n} | {r['ok']} ({r['bad']} bad) | {r['sectors'] * 512 / 2**20:.1f} | "
              f"{r['restored']} | {r['missed']} | {hit} | {r['ms'] / 1000:.1f} |")
        if r["ok"] != "ok":
            bad.append(f"{name} pass {n}: {r['bad']} files differ")
if not p or not b or len(p) != len(b):
    bad.append("missing passes")
for n in sorted(set(p) & set(b)):
    if n < 2:
        continue
    r = b[n]
    lookups = r["restored"] + r["missed"]
    # XFS reads large folios; those above max_order 4 are skipped (counted as misses), so the
    # rule is the ext filesystems'; XFS's share is reported.
    if fs != "xfs" and (not lookups or r["restored"] < lookups / 2):
        bad.append(f"tagcache pass {n}: fewer than half the page-cache misses restored")
    if r["sectors"] >= p[n]["sectors"]:
        bad.append(f"tagcache pass {n}: device reads did not fall")
print(f"cleancache counters: {line(backend, 'counters')}")
print(f"pool: {line(backend, 'pool')}")
for reason in bad:
    print(f"FAIL: {arch} {fs}: {reason}")
sys.exit(1 if bad else 0)
EOF
}

for arch in $arches; do run_arch "$arch"; done
if ((${#failed[@]})); then
    printf 'workload.sh: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "workload.sh: all passed ($arches; $filesystems)"
