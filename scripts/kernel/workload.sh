#!/usr/bin/env bash
# The cleancache under a real page cache: boots the kernel build.sh builds (the patch series
# applied) under QEMU with tagcache.ko as the cleancache backend, and checks it.
#
#   scripts/kernel/workload.sh [--help] [--fs ext4|ext2|xfs|all] [--passes N] [--no-fault]
#                              [--no-workload] [--no-coherency] [x86_64|arm64|all]
#                                                                  (default: all, ext4)
#
# Per arch: the module's KTAP self-test on this kernel (check_ktap.sh). Per arch and filesystem:
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
boot_timeout=${TAGCACHE_KERNEL_BOOT_TIMEOUT:-900}
# The guest's free memory is about mem - pool - 48 MiB (kernel, initramfs; measured: the
# "memory" line of each run). Files: twice that.
files_mib=$(((mem - pool - 48) * 2))
failed=()
fail() { echo "workload.sh: $*" >&2; failed+=("$*"); }

# ---- the disk images (made once; the checksums are computed here, on the host) ------------
images=$repo/build/kernel/images
mkdir -p "$images"
workload_image() { # fs -> path
    local fs=$1 image=$images/workload-$1-${files_mib}M.img dir
    if [[ ! -s $image ]]; then
        dir=$(mktemp -d)
        python3 - "$dir" "$files_mib" <<'EOF'
import os, random, sys
directory, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(20)  # fixed seed: the same files every time
left, n = mib << 20, 0
while left > 0:
    size = min(left, rng.choice([16, 64, 256, 1024, 4096]) << 10)
    with open(os.path.join(directory, f"f{n:05d}"), "wb") as f:
        f.write(rng.randbytes(size))
    left -= size
    n += 1
EOF
        (cd "$dir" && md5sum f* >MD5SUMS)
        make_fs "$fs" "$image.part" "$((files_mib * 23 / 20))" "$dir"
        rm -rf "$dir"
        mv "$image.part" "$image"
    fi
    echo "$image"
}

# mkfs.<fs> of `mib` MiB into `image`, with the files of `dir` (optional) in its root. mkfs.xfs
# has no -d: a prototype file lists them; it refuses filesystems under 300 MB.
make_fs() {
    local fs=$1 image=$2 mib=$3 dir=${4:-} file
    rm -f "$image"
    case $fs in
    ext4 | ext2) "mkfs.$fs" -q -F -b 4096 ${dir:+-d "$dir"} "$image" "${mib}M" >/dev/null ;;
    xfs)
        # Its per-AG reservations and log want more room than ext4's 15 %; under 300 MB it refuses.
        mib=$((mib * 13 / 10))
        ((mib >= 300)) || mib=300
        truncate -s "${mib}M" "$image"
        {
            printf '/dev/null\n0 0\nd--755 0 0\n'
            if [[ -n $dir ]]; then
                for file in "$dir"/*; do
                    printf '%s ---644 0 0 %s\n' "$(basename "$file")" "$file"
                done
            fi
            printf '$\n'
        } >"$image.proto"
        mkfs.xfs -q -f -b size=4096 -p "$image.proto" "$image"
        rm -f "$image.proto"
        ;;
    esac
}

# ---- one arch --------------------------------------------------------------------------------
run_arch() {
    local arch=$1 tree image console busybox out ccutil kernel_image
    local -a qemu make_args append
    out=$repo/build/kernel/$arch/wl
    mkdir -p "$out"
    kernel_image=$(scripts/kernel/build.sh "$arch" | sed -n "s/^kernel $arch: //p")
    [[ -s $kernel_image ]] || { fail "$arch: no kernel image"; return; }
    tree=$repo/build/kernel/$arch/linux
    case $arch in
    x86_64)
        make_args=()
        console=ttyS0
        busybox=/bin/busybox
        ccutil=(gcc)
        qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max)
        # The donor region: 128 MiB up, above the kernel (16 MiB) and below QEMU's initrd.
        append=("cleancache_mem=${pool}M@128M"
                # The IO-APIC timer check times a delay loop; on a loaded host TCG fails it
                # now and then ("IO-APIC + timer doesn't work!"), a panic at boot.
                no_timer_check)
        ;;
    arm64)
        make_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
        console=ttyAMA0
        busybox=$(kernel_cache_dir "$repo")/$(cat "$(kernel_cache_dir "$repo")/release")/busybox-arm64
        ccutil=(aarch64-linux-gnu-gcc)
        qemu=(qemu-system-aarch64 -machine virt,mte=on -cpu max,pauth-impdef=on
              -accel tcg,thread=multi)
        append=()
        ;;
    esac
    # The module, against the tree just built.
    mkdir -p "$out/module"
    find "$out/module" -maxdepth 1 -xtype l -delete
    ln -sfn "$repo"/examples/kernel/*.{c,h,cpp,hpp} "$repo"/examples/kernel/Kbuild "$out/module/"
    if ! make -C "$tree" M="$out/module" TAGCACHE_ROOT="$repo" "${make_args[@]}" modules \
        >"$out/module.log" 2>&1 || grep -iE 'warning|error' "$out/module.log"; then
        cat "$out/module.log" >&2
        fail "$arch: the module does not build cleanly against the built kernel"
        return
    fi
    # The initramfs.
    rm -rf "$out/initramfs"
    mkdir -p "$out/initramfs"/{bin,dev,proc,sys,mnt}
    cp "$busybox" "$out/initramfs/bin/busybox"
    cp scripts/kernel/workload-init "$out/initramfs/init"
    cp "$out/module/tagcache.ko" "$out/initramfs/"
    "${ccutil[@]}" -static -O2 -Wall -Wextra -Werror -o "$out/initramfs/ccutil" \
        examples/kernel/guest/ccutil.c
    (cd "$out/initramfs" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
        >"$out/initramfs.cpio.gz"

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

    boot() { # name image cmdline... ; console log in $out/<name>.log
        local name=$1 disk=$2 status=0
        shift 2
        # A second disk, /dev/vdb, for what the guest hands back (the recording).
        rm -f "$out/$name.vdb"
        truncate -s 64M "$out/$name.vdb"
        timeout "$boot_timeout" "${qemu[@]}" "${machine[@]}" "${dtb[@]}" \
            -drive "file=$disk,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0 \
            -drive "file=$out/$name.vdb,if=none,id=d1,format=raw" -device virtio-blk-pci,drive=d1 \
            -kernel "$kernel_image" -initrd "$out/initramfs.cpio.gz" \
            -append "console=$console panic=-1 oops=panic loglevel=4 ${append[*]} $*" \
            </dev/null >"$out/$name.log" 2>&1 || status=$?
        grep -q '^WL end' "$out/$name.log" || { fail "$arch $name: no end (status $status; $out/$name.log)"; return 1; }
        if grep -qE 'Oops|BUG:|WARNING:|Kernel panic|tagcache: assertion' "$out/$name.log"; then
            fail "$arch $name: kernel oops/BUG/WARNING ($out/$name.log)"
            return 1
        fi
        grep -E '^WL (memory|backend|FAIL)' "$out/$name.log" | sed "s/^/  $arch $name: /"
    }

    # The KTAP self-test on this kernel too (run.sh runs it on Debian's stock kernel).
    if boot selftest "$(workload_image "${filesystems%% *}")" wl_mode=selftest wl_backend=0; then
        if scripts/kernel/check_ktap.sh "$out/selftest.log" "$arch" >"$out/selftest.ktap" 2>&1; then
            echo "  $arch selftest: $(grep -cE '^ok [0-9]+ ' "$out/selftest.ktap") KTAP cases ok"
        else
            fail "$arch: the self-test on the built kernel: $(tail -n 3 "$out/selftest.ktap" | tr '\n' ' ')"
        fi
    fi

    local fs image
    for fs in $filesystems; do
        image=$(workload_image "$fs")
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

source scripts/kernel/cache.sh
for arch in $arches; do run_arch "$arch"; done
if ((${#failed[@]})); then
    printf 'workload.sh: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "workload.sh: all passed ($arches; $filesystems)"
