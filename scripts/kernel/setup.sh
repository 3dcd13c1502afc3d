#!/usr/bin/env bash
# Installs and fetches what scripts/kernel/run.sh needs, on Debian 12, as root; idempotent:
# when everything is present it only checks, without the network.
#   setup.sh [x86_64|arm64|all]          (default: all)
#
# The kernel release is the one Debian's linux-headers-amd64 metapackage depends on, found at
# run time: the headers (amd64 installed; arm64 unpacked), both kernel images and the arm64
# busybox are all taken at that release and package version, so that the module's vermagic
# and symbol CRCs match the kernel that boots. Installing linux-image-* would run
# update-initramfs for about 1.5 minutes; only its vmlinuz is extracted instead.
# qemu-system-arm comes from Debian's bookworm-backports (QEMU 10): Debian 12's QEMU 7.2 keeps
# one MTE tag per page, which the self-test's MTE case rejects. Files go to the cache that
# cache.sh names (/var/cache/tagcache-kernel as root), one directory per release.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
arches=${1:-all}
[[ $arches == all ]] && arches="x86_64 arm64"
source scripts/kernel/cache.sh
cache=$(kernel_cache_dir "$PWD")
export DEBIAN_FRONTEND=noninteractive

say() { printf 'kernel setup: %s\n' "$*"; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
updated=
apt_update() {
    [[ -n $updated ]] && return
    apt-get update -qq
    updated=1
}

# ---- host packages ---------------------------------------------------------------------------
packages=(linux-headers-amd64 busybox-static cpio kmod gcc-12 g++-12
          # build.sh and workload.sh: the kernel built here, its images and device tree
          linux-source-6.1 flex bison bc libssl-dev libelf-dev patch device-tree-compiler
          e2fsprogs xfsprogs python3)
backports=()
for arch in $arches; do
    case $arch in
    x86_64) backports+=(qemu-system-x86) ;;
    arm64) packages+=(gcc-aarch64-linux-gnu g++-aarch64-linux-gnu)
           backports+=(qemu-system-arm qemu-system-x86) ;; # one QEMU version for both
    *) echo "setup.sh: unknown architecture '$arch'" >&2; exit 2 ;;
    esac
done
missing=()
for package in "${packages[@]}"; do installed "$package" || missing+=("$package"); done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt_update
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
from_backports() { installed "$1" && dpkg-query -W -f='${Version}' "$1" | grep -q '~bpo'; }
if [[ " ${backports[*]} " == *" qemu-system-arm "* ]] &&
    ! { from_backports qemu-system-arm && from_backports qemu-system-x86; }; then
    list=/etc/apt/sources.list.d/tagcache-bookworm-backports.list
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        say "adding Debian's bookworm-backports suite ($list)"
        echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$list"
        updated=
    fi
    say "installing qemu-system-arm and qemu-system-x86 from bookworm-backports"
    apt_update
    apt-get install -y -qq --no-install-recommends -t bookworm-backports \
        "${backports[@]}" >/dev/null
elif [[ " ${backports[*]} " == *" qemu-system-x86 "* ]] && ! installed qemu-system-x86; then
    apt_update
    apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null
fi

# ---- the release: pinned by the headers metapackage ------------------------------------------
# Depends: "linux-headers-6.1.0-57-amd64 (= 6.1.192-3)"
read_release() {
    local depends
    depends=$(dpkg-query -W -f='${Depends}' linux-headers-amd64)
    abi=$(sed -nE 's/.*linux-headers-([0-9.]+-[0-9]+)-amd64.*/\1/p' <<<"$depends")
    version=$(sed -nE 's/.*\(= ([^)]+)\).*/\1/p' <<<"$depends")
    [[ -n $abi && -n $version ]] || { echo "setup.sh: cannot read '$depends'" >&2; exit 1; }
    dir=$cache/$abi
}

# What is still to fetch for this release.
missing_files() {
    fetch=()
    for arch in $arches; do
        case $arch in
        x86_64) [[ -s $dir/vmlinuz-$abi-amd64 ]] || fetch+=(x86_64-image) ;;
        arm64)
            [[ -s $dir/vmlinuz-$abi-arm64 ]] || fetch+=(arm64-image)
            [[ -e $dir/arm64-root/usr/src/linux-headers-$abi-arm64/Makefile ]] ||
                fetch+=(arm64-headers)
            [[ -x $dir/busybox-arm64 ]] || fetch+=(arm64-busybox)
            ;;
        esac
    done
}

read_release
missing_files
if ((${#fetch[@]})); then
    if [[ " ${fetch[*]} " == *" arm64-"* ]] &&
        ! dpkg --print-foreign-architectures | grep -qx arm64; then
        say "dpkg --add-architecture arm64"
        dpkg --add-architecture arm64
        updated=
    fi
    apt_update
    # The archive keeps the images of the newest release only: follow the metapackage there.
    candidate=$(apt-cache policy linux-headers-amd64 | sed -nE 's/^ *Candidate: (.*)$/\1/p')
    if [[ $candidate != "$(dpkg-query -W -f='${Version}' linux-headers-amd64)" ]]; then
        say "upgrading linux-headers-amd64 to $candidate (the release the archive has images of)"
        apt-get install -y -qq --no-install-recommends linux-headers-amd64 >/dev/null
        read_release
        missing_files
    fi
fi
installed "linux-headers-$abi-amd64" ||
    { echo "setup.sh: linux-headers-$abi-amd64 is not installed" >&2; exit 1; }
mkdir -p "$dir"
echo "$abi" >"$cache/release"
# Releases the headers metapackage has moved on from.
find "$cache" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*.[0-9]*-[0-9]*' ! -name "$abi" \
    -exec rm -rf {} +

# Downloads `package[:arch]=version` into $dir/debs; echoes the .deb's path.
download() {
    local name=${1%%=*} deb
    name=${name%%:*}
    mkdir -p "$dir/debs"
    (cd "$dir/debs" && apt-get download -qq "$1" 2>&1 | grep -v unsandboxed >&2 || true)
    deb=$(find "$dir/debs" -name "${name}_*.deb" -print -quit)
    [[ -n $deb ]] || { echo "setup.sh: apt-get download $1 failed" >&2; exit 1; }
    echo "$deb"
}

# Extracts ./boot/vmlinuz-<abi>-<flavour> of linux-image-<abi>-<flavour>.
kernel_image() {
    local flavour=$1 arch_suffix=$2 image=$dir/vmlinuz-$abi-$1 deb
    [[ -s $image ]] && return
    say "extracting vmlinuz-$abi-$flavour from linux-image-$abi-$flavour $version"
    deb=$(download "linux-image-$abi-$flavour$arch_suffix=$version")
    dpkg-deb --fsys-tarfile "$deb" | tar -x -O "./boot/vmlinuz-$abi-$flavour" >"$image.part"
    mv "$image.part" "$image"
    rm -f "$deb"
}

for arch in $arches; do
    case $arch in
    x86_64)
        kernel_image amd64 ""
        ;;
    arm64)
        kernel_image arm64 :arm64
        root=$dir/arm64-root
        if [[ ! -e $root/usr/src/linux-headers-$abi-arm64/Makefile ]]; then
            say "unpacking linux-headers-$abi-arm64 $version"
            dpkg -x "$(download "linux-headers-$abi-arm64:arm64=$version")" "$root"
        fi
        # The unpacked headers' scripts/ and tools/ point at ../../lib/linux-kbuild-6.1: the
        # host's (x86-64) kbuild tools of the same release, which is what a cross build needs.
        kbuild=$(readlink "$root/usr/src/linux-headers-$abi-arm64/scripts")
        kbuild=${kbuild#../../}
        kbuild=${kbuild%/scripts}
        mkdir -p "$(dirname "$root/usr/$kbuild")"
        ln -sfn "/usr/$kbuild" "$root/usr/$kbuild"
        if [[ ! -x $dir/busybox-arm64 ]]; then
            say "extracting busybox from busybox-static:arm64"
            dpkg-deb --fsys-tarfile "$(download busybox-static:arm64)" |
                tar -x -O ./bin/busybox >"$dir/busybox-arm64.part"
            chmod +x "$dir/busybox-arm64.part"
            mv "$dir/busybox-arm64.part" "$dir/busybox-arm64"
        fi
        ;;
    esac
done
rm -rf "$dir/debs"
say "ready: release $abi ($version), $arches; cache $dir"
