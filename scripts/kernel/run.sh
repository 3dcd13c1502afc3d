#!/usr/bin/env bash
# The core in a kernel: builds tagcache.ko (examples/kernel) against the headers of exactly the
# kernel image that boots, boots that kernel under QEMU (TCG) with a busybox initramfs whose
# init loads the module, and checks the self-test's KTAP output (check_ktap.sh).
#
#   scripts/kernel/run.sh [--no-setup] [x86_64|arm64|all]      (default: all)
#
# Without --no-setup it first runs setup.sh (Debian 12, root: packages, kernel images, arm64
# headers and busybox; fast when all are there). Exits non-zero on a build warning, a vermagic
# that does not name the booted image's release, a boot that does not end within
# TAGCACHE_KERNEL_BOOT_TIMEOUT seconds (default 120), or any KTAP check failing.
# QEMU_X86_64 / QEMU_AARCH64 name other emulator binaries (e.g. QEMU 7.2, whose one-tag-per-page
# MTE the mte_tags case must fail). Outputs: build/kernel/<arch>/ (module, initramfs,
# build.log, console.log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
setup=1
arches=all
for argument in "$@"; do
    case $argument in
    --no-setup) setup= ;;
    x86_64 | arm64 | all) arches=$argument ;;
    *) echo "usage: $0 [--no-setup] [x86_64|arm64|all]" >&2; exit 2 ;;
    esac
done
[[ -n $setup ]] && scripts/kernel/setup.sh "$arches"
[[ $arches == all ]] && arches="x86_64 arm64"

source scripts/kernel/cache.sh
cache=$(kernel_cache_dir "$repo")
[[ -s $cache/release ]] ||
    { echo "run.sh: no $cache/release: run scripts/kernel/setup.sh" >&2; exit 1; }
abi=$(cat "$cache/release")
dir=$cache/$abi
boot_timeout=${TAGCACHE_KERNEL_BOOT_TIMEOUT:-120}
cpus=$(nproc)
smp=$((cpus < 4 ? cpus : 4)) # never more vCPUs than host CPUs: a spinlock would convoy
failed=()

run_arch() {
    local arch=$1 kdir image busybox console out started
    local -a make_args qemu
    case $arch in
    x86_64)
        kdir=/usr/src/linux-headers-$abi-amd64
        make_args=()
        image=$dir/vmlinuz-$abi-amd64
        busybox=/bin/busybox
        console=ttyS0
        qemu=("${QEMU_X86_64:-qemu-system-x86_64}" -accel tcg,thread=multi -cpu max)
        ;;
    arm64)
        kdir=$dir/arm64-root/usr/src/linux-headers-$abi-arm64
        make_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
        image=$dir/vmlinuz-$abi-arm64
        busybox=$dir/busybox-arm64
        console=ttyAMA0
        qemu=("${QEMU_AARCH64:-qemu-system-aarch64}" -machine virt,mte=on
              -cpu max,pauth-impdef=on -accel tcg,thread=multi)
        ;;
    esac
    out=$repo/build/kernel/$arch
    started=$SECONDS
    if ! command -v "${qemu[0]}" >/dev/null; then
        echo "kernel $arch: no ${qemu[0]}: run scripts/kernel/setup.sh $arch" >&2
        return 1
    fi
    printf '\n=== kernel %s: %s, %s ===\n' "$arch" "$abi" "$("${qemu[0]}" --version | head -n1)"
    for needed in "$kdir/Makefile" "$image" "$busybox"; do
        [[ -e $needed ]] ||
            { echo "missing $needed: run scripts/kernel/setup.sh $arch" >&2; return 1; }
    done

    # Build out of the source tree: the module directory links the sources.
    mkdir -p "$out/module"
    find "$out/module" -maxdepth 1 -xtype l -delete # sources that no longer exist
    ln -sfn "$repo"/examples/kernel/* "$out/module/"
    if ! make -C "$kdir" M="$out/module" TAGCACHE_ROOT="$repo" "${make_args[@]}" modules \
        >"$out/build.log" 2>&1; then
        cat "$out/build.log" >&2
        echo "kernel $arch: the module does not build" >&2
        return 1
    fi
    if grep -iE 'warning|error' "$out/build.log"; then
        echo "kernel $arch: the module build is not clean (see above)" >&2
        return 1
    fi
    # vermagic begins with the release it was built for; the image names the release it is.
    local vermagic image_release
    vermagic=$(modinfo -F vermagic "$out/module/tagcache.ko")
    image_release=$(grep -a -o -m1 -E '[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-(amd64|arm64) \(' "$image" |
        head -n1 | cut -d' ' -f1)
    echo "module vermagic: $vermagic; image: $image_release"
    if [[ ${vermagic%% *} != "$image_release" ]]; then
        echo "kernel $arch: vermagic '$vermagic' does not match the image ($image_release)" >&2
        return 1
    fi

    # The initramfs: busybox-static, /init, the module.
    rm -rf "$out/initramfs"
    mkdir -p "$out/initramfs/bin" "$out/initramfs/dev" "$out/initramfs/proc" \
        "$out/initramfs/sys"
    cp "$busybox" "$out/initramfs/bin/busybox"
    cp scripts/kernel/initramfs-init "$out/initramfs/init"
    cp "$out/module/tagcache.ko" "$out/initramfs/"
    (cd "$out/initramfs" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
        >"$out/initramfs.cpio.gz"

    local status=0
    timeout "$boot_timeout" "${qemu[@]}" -m 512 -smp "$smp" -nographic -no-reboot -nic none \
        -kernel "$image" -initrd "$out/initramfs.cpio.gz" \
        -append "console=$console panic=-1 oops=panic loglevel=7" \
        </dev/null >"$out/console.log" 2>&1 || status=$?
    if ((status == 124)); then
        tail -n 20 "$out/console.log" >&2
        echo "kernel $arch: no result within ${boot_timeout}s (timeout)" >&2
        return 1
    fi
    ((status == 0)) || echo "kernel $arch: QEMU exited with status $status" >&2
    scripts/kernel/check_ktap.sh "$out/console.log" "$arch" || return 1
    ((status == 0)) || return 1
    echo "kernel $arch: passed in $((SECONDS - started)) s (build, boot, self-test)"
    if [[ $arch == arm64 && $(uname -m) == x86_64 ]]; then
        echo "kernel arm64: note: QEMU TCG on an x86-64 host keeps the host's (TSO) memory" \
            "ordering; this is real kernel concurrency, not arm64's weak ordering"
    fi
}

for arch in $arches; do
    run_arch "$arch" || failed+=("$arch")
done
if ((${#failed[@]})); then
    echo "scripts/kernel/run.sh: FAILED: ${failed[*]} (logs: build/kernel/<arch>/)" >&2
    exit 1
fi
echo "scripts/kernel/run.sh: all passed ($arches)"
