# shellcheck shell=bash
# Sourced by workload.sh and tags.sh: the guests both boot. The caller defines repo (the
# repository root) and fail() (records a failure and goes on); cache.sh is sourced here.
#
#   workload_image FS MIB     a read-only image of random files (about MIB MiB) and their
#                             md5sums (MD5SUMS), made once in build/kernel/images/
#   make_fs FS IMAGE MIB [DIR]
#   guest_prepare ARCH OUT    the kernel (build.sh), tagcache.ko against it, the initramfs
#                             (workload-init, busybox, ccutil, and mte_load on arm64); sets
#                             kernel_image tree console qemu append (declare them local first)
#   boot NAME IMAGE ARGS...   boots with IMAGE as /dev/vda, a fresh 64 MiB /dev/vdb, then
#                             guest_drives; QEMU options: qemu machine dtb (arrays); the console
#                             in OUT/NAME.log; fails on no "WL end" or an oops/BUG/WARNING.
source scripts/kernel/cache.sh
guest_boot_timeout=${TAGCACHE_KERNEL_BOOT_TIMEOUT:-900}
guest_drives=()

# ---- the disk images (made once; the checksums are computed here, on the host) ------------
guest_images=$repo/build/kernel/images
mkdir -p "$guest_images"
workload_image() { # fs mib -> path: files of about `mib` MiB in all
    local fs=$1 files_mib=$2 image=$guest_images/workload-$1-$2M.img dir
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
        # 15 % more, and 32 MiB for the journal and inode tables of a small filesystem.
        make_fs "$fs" "$image.part" "$((files_mib * 23 / 20 + 32))" "$dir"
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

guest_prepare() { # arch out
    local arch=$1 out=$2 busybox ccutil make_args
    kernel_image=$(scripts/kernel/build.sh "$arch" | sed -n "s/^kernel $arch: //p")
    [[ -s $kernel_image ]] || { fail "$arch: no kernel image"; return 1; }
    tree=$repo/build/kernel/$arch${TAGCACHE_KERNEL_FLAVOUR:+-$TAGCACHE_KERNEL_FLAVOUR}/linux
    case $arch in
    x86_64)
        make_args=()
        console=ttyS0
        busybox=/bin/busybox
        ccutil=(gcc)
        qemu=(qemu-system-x86_64 -accel tcg,thread=multi -cpu max)
        # The IO-APIC timer check times a delay loop; on a loaded host TCG fails it now and
        # then ("IO-APIC + timer doesn't work!"), a panic at boot.
        append=(no_timer_check)
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
    # KUnit is built in (common.config) but allnoconfig leaves KUNIT_DEFAULT_ENABLED off: the
    # module's suite runs at load only with kunit.enable=1.
    append+=(kunit.enable=1)
    # The module, against the tree just built.
    mkdir -p "$out/module"
    find "$out/module" -maxdepth 1 -xtype l -delete
    ln -sfn "$repo"/examples/kernel/*.{c,h,cpp,hpp} "$repo"/examples/kernel/Kbuild "$out/module/"
    if ! make -C "$tree" M="$out/module" TAGCACHE_ROOT="$repo" "${make_args[@]}" modules \
        >"$out/module.log" 2>&1 || grep -iE 'warning|error' "$out/module.log"; then
        cat "$out/module.log" >&2
        fail "$arch: the module does not build cleanly against the built kernel"
        return 1
    fi
    # The initramfs.
    rm -rf "$out/initramfs"
    mkdir -p "$out/initramfs"/{bin,dev,proc,sys,mnt,tmp}
    cp "$busybox" "$out/initramfs/bin/busybox"
    cp scripts/kernel/workload-init "$out/initramfs/init"
    cp "$out/module/tagcache.ko" "$out/initramfs/"
    "${ccutil[@]}" -static -O2 -Wall -Wextra -Werror -o "$out/initramfs/ccutil" \
        examples/kernel/guest/ccutil.c
    if [[ $arch == arm64 ]]; then
        "${ccutil[@]}" -static -O2 -Wall -Wextra -Werror -march=armv8.5-a+memtag \
            -o "$out/initramfs/mte_load" examples/kernel/guest/mte_load.c
    fi
    (cd "$out/initramfs" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1) \
        >"$out/initramfs.cpio.gz"

}

boot() { # name image cmdline... ; console log in $out/<name>.log
    local name=$1 disk=$2 status=0
    shift 2
    # A second disk, /dev/vdb, for what the guest hands back (the recording).
    rm -f "$out/$name.vdb"
    truncate -s 64M "$out/$name.vdb"
    timeout "$guest_boot_timeout" "${qemu[@]}" "${machine[@]}" "${dtb[@]}" \
        -drive "file=$disk,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0 \
        -drive "file=$out/$name.vdb,if=none,id=d1,format=raw" -device virtio-blk-pci,drive=d1 \
    "${guest_drives[@]}" \
        -kernel "$kernel_image" -initrd "$out/initramfs.cpio.gz" \
        -append "console=$console panic=-1 oops=panic loglevel=4 ${append[*]} $*" \
        </dev/null >"$out/$name.log" 2>&1 || status=$?
    grep -q '^WL end' "$out/$name.log" || { fail "$arch $name: no end (status $status; $out/$name.log)"; return 1; }
    if [[ -z ${guest_reports_expected:-} ]]; then
        local problems
        problems=$(kernel_problems "$out/$name.log")
        if [[ -n $problems ]]; then
            fail "$arch $name: the kernel reported: $(head -n1 <<<"$problems") ($out/$name.log)"
            return 1
        fi
    fi
    grep -E '^WL (memory|backend|FAIL)' "$out/$name.log" | sed "s/^/  $arch $name: /"
}

# The first line of each problem the kernel reported in LOG: an oops, a BUG (KASAN's reports
# included), a WARNING (lockdep's included), a panic, a tagcache assertion. A KCSAN report
# counts only if it involves tagcache (its frames name a tagcache function or the module):
# KCSAN also finds races elsewhere in the kernel, which are not ours to judge here.
kernel_problems() { # log
    tr -d '\r' <"$1" | awk '
        /BUG: KCSAN:/ { report = $0; involved = /tagcache/; inside = 1; next }
        inside && /tagcache/ { involved = 1 }
        inside && /====================/ { if (involved) print report; inside = 0; next }
        inside { next }
        /Oops|BUG:|WARNING:|Kernel panic|tagcache: assertion/ { print }
        END { if (inside && involved) print report }'
}

