#!/usr/bin/env bash
# Builds Linux from Debian's linux-source-6.1 for QEMU guests, x86-64 and arm64, with the
# project's patch series (examples/kernel/linux/*.patch, GPL-2.0) applied:
#
#   scripts/kernel/build.sh [--help] [x86_64|arm64|all]       (default: all)
#
# Config: `make allnoconfig` with KCONFIG_ALLCONFIG = scripts/kernel/config/common.config +
# <arch>.config (+ <flavour>-<arch>.config with TAGCACHE_KERNEL_FLAVOUR, e.g. "checkers": the
# kernel's checkers, docs/kernel.md); every option the fragments name must come out as written
# (a dependency Kconfig silently dropped fails the build, naming the option).
#
# Cache (scripts/kernel/cache.sh's directory, /var/cache/tagcache-kernel as root):
#   linux/<version>/source/                 one source tree, the series applied; its copy of the
#                                           applied patches in source/.tagcache-series/
#   linux/<version>/<arch>-<key>/           the build tree (make O=), key = hash of (source
#                                           version, arch, config fragments, compiler version)
# A rerun with nothing changed runs no make at all (the build tree's stamp names the series it
# was built with). A changed series is applied incrementally: the old series is reversed, the
# new one applied, and every file whose bytes came back unchanged gets its old mtime again, so
# make recompiles only what the change touched.
#
# Prints "kernel <arch>: <image>" per arch and links build/kernel/<arch>[-<flavour>]/linux to
# the build tree. Environment: TAGCACHE_KERNEL_JOBS (make -j, default 2), TAGCACHE_KERNEL_FLAVOUR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
arches=all
for argument in "$@"; do
    case $argument in
    -h | --help) usage; exit 0 ;;
    x86_64 | arm64 | all) arches=$argument ;;
    *) echo "build.sh: unknown argument '$argument' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $arches == all ]] && arches="x86_64 arm64"
jobs=${TAGCACHE_KERNEL_JOBS:-2}
flavour=${TAGCACHE_KERNEL_FLAVOUR:-}
[[ -z $flavour || $flavour =~ ^[a-z0-9]+$ ]] ||
    { echo "build.sh: TAGCACHE_KERNEL_FLAVOUR: lower-case letters and digits" >&2; exit 2; }

tarball=/usr/src/linux-source-6.1.tar.xz
[[ -r $tarball ]] ||
    { echo "build.sh: no $tarball: apt-get install linux-source-6.1 (or setup.sh)" >&2; exit 1; }
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
source scripts/kernel/cache.sh
cache=$(kernel_cache_dir "$repo")/linux/$version
source_tree=$cache/source
series_dir=$repo/examples/kernel/linux
mkdir -p "$cache"

say() { printf 'kernel build: %s\n' "$*"; }

# ---- the source tree with the series applied ---------------------------------------------
series=()
while IFS= read -r patch; do series+=("$patch"); done < <(find "$series_dir" -maxdepth 1 \
    -name '*.patch' | LC_ALL=C sort)
series_hash=$(cat /dev/null "${series[@]}" | sha256sum | cut -c1-16)

# Files a patch touches (its ---/+++ names, one leading component stripped).
patched_files() {
    sed -nE 's,^(\+\+\+|---) [^/]+/([^[:space:]]+).*,\2,p' "$@" | sort -u
}

extract_source() {
    say "extracting $tarball ($version)"
    rm -rf "$source_tree" "$cache/source.part"
    mkdir -p "$cache/source.part"
    tar -xJf "$tarball" -C "$cache/source.part" --strip-components=1
    mkdir -p "$cache/source.part/.tagcache-series"
    mv "$cache/source.part" "$source_tree"
}

apply_series() {
    local applied=$source_tree/.tagcache-series old=() patch file
    while IFS= read -r patch; do old+=("$patch"); done < <(find "$applied" -maxdepth 1 \
        -name '*.patch' | LC_ALL=C sort)
    if cmp -s <(cat /dev/null "${old[@]}") <(cat /dev/null "${series[@]}"); then
        return
    fi
    # Remember every touched file's bytes and mtime, so unchanged ones keep their mtime.
    local ledger=$cache/ledger
    : >"$ledger"
    while IFS= read -r file; do
        [[ -f $source_tree/$file ]] &&
            printf '%s %s %s\n' "$(stat -c %Y "$source_tree/$file")" \
                "$(sha256sum <"$source_tree/$file" | cut -c1-64)" "$file" >>"$ledger"
    done < <(patched_files /dev/null "${old[@]}" "${series[@]}")
    local index
    for ((index = ${#old[@]} - 1; index >= 0; --index)); do
        say "reversing $(basename "${old[index]}")"
        if ! patch -s -R -p1 --no-backup-if-mismatch -d "$source_tree" <"${old[index]}"; then
            say "cannot reverse $(basename "${old[index]}"): extracting the source again"
            extract_source
            break
        fi
        rm -f "${old[index]}"
    done
    rm -f "$applied"/*.patch
    for patch in "${series[@]}"; do
        say "applying $(basename "$patch")"
        patch -s -p1 --no-backup-if-mismatch -d "$source_tree" <"$patch" || {
            echo "build.sh: $patch does not apply to linux-source-6.1 $version" >&2
            exit 1
        }
        cp "$patch" "$applied/"
    done
    local mtime hash
    while read -r mtime hash file; do
        [[ -f $source_tree/$file ]] &&
            [[ $(sha256sum <"$source_tree/$file" | cut -c1-64) == "$hash" ]] &&
            touch -m -d "@$mtime" "$source_tree/$file"
    done <"$ledger"
    rm -f "$ledger"
}

[[ -d $source_tree/.tagcache-series ]] || extract_source
apply_series

# ---- one build per arch ------------------------------------------------------------------
build_arch() {
    local arch=$1 kernel_arch cross compiler target image started key tree
    case $arch in
    x86_64) kernel_arch=x86_64 cross='' target=bzImage image=arch/x86/boot/bzImage ;;
    arm64) kernel_arch=arm64 cross=aarch64-linux-gnu- target=Image image=arch/arm64/boot/Image ;;
    esac
    compiler=$("${cross}gcc" --version | head -n1)
    local -a fragments=(scripts/kernel/config/common.config "scripts/kernel/config/$arch.config")
    if [[ -n $flavour ]]; then
        fragments+=("scripts/kernel/config/$flavour-$arch.config")
        [[ -r ${fragments[2]} ]] || { echo "build.sh: no ${fragments[2]}" >&2; exit 1; }
    fi
    key=$( { echo "$version $arch $compiler"; cat "${fragments[@]}"; } | sha256sum | cut -c1-16)
    tree=$cache/$arch-$key
    local link=$repo/build/kernel/$arch${flavour:+-$flavour}
    mkdir -p "$tree" "$link"
    ln -sfn "$tree" "$link/linux"
    if [[ -s $tree/$image && $(cat "$tree/.tagcache-built" 2>/dev/null) == "$series_hash" ]]; then
        say "$arch: up to date ($tree)"
        echo "kernel $arch: $tree/$image"
        return
    fi
    local -a make=(make -C "$source_tree" O="$tree" ARCH="$kernel_arch"
                   CROSS_COMPILE="$cross" -j"$jobs")
    started=$SECONDS
    rm -f "$tree/.tagcache-built"
    if [[ ! -s $tree/.config ]]; then
        cat "${fragments[@]}" >"$tree/fragment.config"
        "${make[@]}" KCONFIG_ALLCONFIG="$tree/fragment.config" allnoconfig >"$tree/config.log"
        local line option wanted actual bad=0
        while IFS= read -r line; do
            [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
            option=${BASH_REMATCH[1]} wanted=${BASH_REMATCH[2]}
            actual=$(sed -nE "s/^$option=(.*)$/\1/p" "$tree/.config")
            if [[ $actual != "$wanted" ]]; then
                echo "build.sh: $arch: $option=${actual:-(unset)} after allnoconfig, the" \
                    "fragment asks $wanted (a dependency missing?)" >&2
                bad=1
            fi
        done <"$tree/fragment.config"
        if ((bad)); then rm -f "$tree/.config"; exit 1; fi
    fi
    say "$arch: make -j$jobs $target modules ($tree)"
    if ! "${make[@]}" "$target" modules >"$tree/build.log" 2>&1; then
        tail -n 40 "$tree/build.log" >&2
        echo "build.sh: $arch: the kernel does not build (log: $tree/build.log)" >&2
        exit 1
    fi
    echo "$series_hash" >"$tree/.tagcache-built"
    say "$arch: built in $((SECONDS - started)) s"
    echo "kernel $arch: $tree/$image"
}

for arch in $arches; do build_arch "$arch"; done
