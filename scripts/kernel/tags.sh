#!/usr/bin/env bash
# Tag storage for real on arm64: boots the arm64 kernel build.sh builds (the patch series
# applied, CONFIG_TAG_STORAGE_HOOKS) with a device tree whose arm,mte-tag-storage node describes
# the tag storage, lends it to the cleancache (tagcache.ko backend=1 tags=1), runs MTE programs
# beside the page-cache workload, and prints the report.
#
#   scripts/kernel/tags.sh [--help] [--passes N] [--rounds N]
#
# The device tree: QEMU's own (-machine virt,mte=on,dumpdtb= with the boot's options), with
# its memory split into two nodes, the tagged memory ($TAGCACHE_TAGS_MEM_MIB, 256 MiB) and the
# memory holding its tag storage (1/32 of it), and a reserved-memory child: compatible
# "arm,mte-tag-storage", reg, block-size (16 KiB), tagged-memory (the first memory node's
# phandle), reusable, no no-map. Under QEMU the tag storage is ordinary RAM (QEMU keeps the
# real tags elsewhere); the module overwrites a block with a pattern when it turns into tags.
#
# Boots (console logs in build/kernel/arm64/tags/):
#  malformed  the tag-storage node inside the tagged memory: the load must fail, printing the
#             tag map's named error
#  plain      the page-cache workload on a hot set (about the guest's free memory, so the page
#             cache overflows into the 8 MiB cleancache): the hit ratio without MTE load
#  mte        the same with the MTE programs beside it (examples/kernel/guest/mte_load.c): the
#             tagged load (PROT_MTE faults, mprotect, fork and copy on write, swap out and in,
#             swapoff) grown until half the tag storage's blocks hold tags, a process pinning
#             its memory and cached file folios all along, and one deliberate tag mismatch
#  hooks-off  the mte boot with tag_storage_hooks=off: no reservation
# Fails unless every path reserved, no reservation failed, every file matched its md5sum in
# every pass, the deliberate fault arrived as SEGV_MTESERR, the peak reached half the blocks,
# the pinning process ran, and the hooks-off boot reserved nothing.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }
passes=2 rounds=4
while (($#)); do
    case $1 in
    -h | --help) usage; exit 0 ;;
    --passes) passes=${2:?--passes needs a number}; shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    *) echo "tags.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $passes =~ ^[1-9][0-9]?$ ]] || { echo "tags.sh: --passes: 1..99, not '$passes'" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]?$ ]] || { echo "tags.sh: --rounds: 1..99, not '$rounds'" >&2; exit 2; }
tagged_mib=${TAGCACHE_TAGS_MEM_MIB:-256}
[[ $tagged_mib =~ ^[0-9]+$ ]] && ((tagged_mib >= 128 && tagged_mib % 64 == 0)) ||
    { echo "tags.sh: TAGCACHE_TAGS_MEM_MIB: a multiple of 64, at least 128" >&2; exit 2; }
tag_mib=$((tagged_mib / 32))
block_size=0x4000
# The hot set: about the guest's free memory (tagged memory less ~24 MiB of kernel and
# initramfs), so the page cache overflows into the cleancache; the image holds twice that.
# TAGCACHE_TAGS_HOT_MIB sets it (checkers.sh: a KASAN kernel has less free memory).
hot_mib=${TAGCACHE_TAGS_HOT_MIB:-$((tagged_mib - 24))}
[[ $hot_mib =~ ^[1-9][0-9]*$ ]] || { echo "tags.sh: TAGCACHE_TAGS_HOT_MIB: MiB" >&2; exit 2; }
# The MTE load: rounds of two regions of mte_mib MiB each (the same with the hooks off), plus a
# child's copies of one region and the pinning process's 8 MiB. Beside it the hot set is that
# much smaller, so that the page cache overflows into the cleancache as without it.
mte_mib=${TAGCACHE_TAGS_MTE_MIB:-32}
[[ $mte_mib =~ ^[1-9][0-9]*$ ]] || { echo "tags.sh: TAGCACHE_TAGS_MTE_MIB: a number of MiB" >&2; exit 2; }
mte_hot_mib=$((hot_mib - 3 * mte_mib - 8))
((mte_hot_mib >= 16)) || { echo "tags.sh: the hot set leaves under 16 MiB beside the MTE load" >&2; exit 2; }
files_mib=$((hot_mib * 2))
failed=()
fail() { echo "tags.sh: $*" >&2; failed+=("$*"); }
source scripts/kernel/guest.sh

arch=arm64
out=$repo/build/kernel/arm64/tags${TAGCACHE_KERNEL_FLAVOUR:+-$TAGCACHE_KERNEL_FLAVOUR}
mkdir -p "$out"
declare tree console kernel_image
declare -a qemu append
guest_prepare "$arch" "$out" || exit 1
truncate -s 0 "$out/swap.img"
truncate -s 256M "$out/swap.img"
guest_drives=(-drive "file=$out/swap.img,if=none,id=d2,format=raw" -device virtio-blk-pci,drive=d2)
machine=(-m $((tagged_mib + tag_mib)) -smp 2 -nographic -no-reboot -nic none)
image=$(workload_image ext4 "$files_mib")

# ---- the device tree --------------------------------------------------------------------------
tagged_base=0x40000000
tag_base=$((tagged_base + (tagged_mib << 20)))
hex() { printf '0x%x' "$1"; }
# device_tree NAME TAG-STORAGE-BASE: QEMU's tree with the two memory nodes and the tag-storage
# node at TAG-STORAGE-BASE (the right one, or a malformed one).
device_tree() {
    local name=$1 node_base=$2
    "${qemu[@]}" "${machine[@]}" -drive "file=$image,if=none,id=d0,format=raw" \
        -device virtio-blk-pci,drive=d0 -drive file=/dev/null,if=none,id=d1,format=raw \
        -device virtio-blk-pci,drive=d1 "${guest_drives[@]}" -kernel "$kernel_image" \
        -initrd "$out/initramfs.cpio.gz" -machine dumpdtb="$out/qemu.dtb" >/dev/null
    dtc -q -I dtb -O dts "$out/qemu.dtb" >"$out/$name.dts"
    grep -q "memory@$(printf '%x' $tagged_base) {" "$out/$name.dts" ||
        { fail "QEMU's device tree has no memory@$(printf '%x' $tagged_base)"; return 1; }
    cat >>"$out/$name.dts" <<EOF

/*
 * tags.sh: the tagged memory and the memory that holds its tags. QEMU replaces every /memory*
 * node of a -dtb with its own, one for all RAM (hw/arm/boot.c), so these are named otherwise;
 * the kernel finds memory nodes by device_type, and the union is the same RAM.
 */
/ {
	tagged-ram@$(printf '%x' $tagged_base) {
		device_type = "memory";
		reg = <0x0 $(hex $tagged_base) 0x0 $(hex $((tagged_mib << 20)))>;
	};
	tag-ram@$(printf '%x' $tag_base) {
		device_type = "memory";
		reg = <0x0 $(hex $tag_base) 0x0 $(hex $((tag_mib << 20)))>;
	};
	reserved-memory {
		#address-cells = <2>;
		#size-cells = <2>;
		ranges;
		tag-storage@$(printf '%x' "$node_base") {
			compatible = "arm,mte-tag-storage";
			reg = <0x0 $(hex "$node_base") 0x0 $(hex $((tag_mib << 20)))>;
			block-size = <$block_size>;
			tagged-memory = <&{/tagged-ram@$(printf '%x' $tagged_base)}>;
			reusable;
		};
	};
};
EOF
    dtc -q -I dts -O dtb -o "$out/$name.dtb" "$out/$name.dts"
}
device_tree tags "$tag_base" || exit 1
# Malformed: the tag storage inside the tagged memory (its last tag_mib MiB).
device_tree malformed $((tag_base - (tag_mib << 20))) || exit 1

# ---- the boots ----------------------------------------------------------------------------------
common=(wl_mode=tags wl_fs=ext4 wl_backend=1 wl_tags=1 wl_passes="$passes" wl_hot_mib="$hot_mib"
        wl_mte_hot_mib="$mte_hot_mib" wl_mte_mib="$mte_mib")
dtb=(-dtb "$out/malformed.dtb")
if boot malformed "$image" "${common[@]}"; then
    if grep -q 'refused by the tag map: .*(tag_storage_overlaps_tagged_memory)' "$out/malformed.log" &&
        grep -q '^WL FAIL insmod backend' "$out/malformed.log"; then
        echo "  malformed: $(grep -m1 -o 'tagcache: tags: .*refused by the tag map.*' "$out/malformed.log")"
    else
        fail "malformed: the load did not fail with the map's named error ($out/malformed.log)"
    fi
fi
dtb=(-dtb "$out/tags.dtb")
boot plain "$image" "${common[@]}" wl_mte=0 || true
boot mte "$image" "${common[@]}" wl_mte=1 wl_mte_rounds="$rounds" || true
boot hooks-off "$image" "${common[@]}" wl_mte=1 wl_mte_rounds="$rounds" tag_storage_hooks=off || true

# ---- the report ---------------------------------------------------------------------------------
python3 - "$out" <<'EOF' || failed+=("report checks")
import re, sys
out = sys.argv[1]
def log(name):
    try:
        return open(f"{out}/{name}.log", errors="replace").read().splitlines()
    except OSError:
        return []
def fields(lines, tag):
    for l in lines:
        if l.startswith(f"WL {tag} "):
            words = l.split()[2:]
            return {words[i]: words[i + 1] for i in range(0, len(words) - 1, 2)}
    return {}
def passes(lines):
    rows = []
    for l in lines:
        m = re.match(r"WL pass (\d+) (\S+) sectors=(\d+) restored=(\d+) missed=(\d+) ms=(\d+) bad_files=(\d+)", l)
        if m:
            rows.append(dict(n=int(m[1]), ok=m[2], restored=int(m[4]), missed=int(m[5]), bad=int(m[7])))
    return rows
def hit(rows):
    rows = [r for r in rows if r["n"] > 0]  # pass 0 warms
    restored = sum(r["restored"] for r in rows)
    lookups = restored + sum(r["missed"] for r in rows)
    return f"{100 * restored / lookups:.1f} % ({restored} of {lookups})" if lookups else "-"
bad = []
paths = ("zero", "set_pte", "copy", "swap_restore")
runs = {name: log(name) for name in ("plain", "mte", "hooks-off")}
for name, lines in runs.items():
    rows = passes(lines)
    if not rows:
        bad.append(f"{name}: no passes")
    for r in rows:
        if r["ok"] != "ok":
            bad.append(f"{name} pass {r['n']}: {r['bad']} files differ")
mte = fields(runs["mte"], "tags")
pool = fields(runs["mte"], "pool")
print(f"\narm64 tags: {' '.join(l[3:] for l in runs['mte'] if l.startswith('WL hot set'))}; "
      f"{mte.get('tag_pages', '?')} tag pages, {mte.get('blocks', '?')} blocks")
print("| path | reservations | already tagged | failed | p50 ns | p99 ns (TCG) |")
print("|---|---:|---:|---:|---:|---:|")
for p in paths:
    print(f"| {p} | {mte.get('reserved_' + p, '?')} | {mte.get('already_' + p, '?')} | "
          f"{mte.get('failed_' + p, '?')} | {mte.get(f'latency_{p}_p50_ns', '?')} | "
          f"{mte.get(f'latency_{p}_p99_ns', '?')} |")
    if int(mte.get("reserved_" + p, 0)) <= 0:
        bad.append(f"mte: no reservation on path {p}")
failures = sum(int(mte.get(f"failed_{p}", 1)) for p in paths) + int(mte.get("release_failed", 1))
blocks, peak = int(mte.get("blocks", 0)), int(mte.get("peak_blocks_in_use", 0))
print(f"released {mte.get('released', '?')}, peak blocks in use {peak} of {blocks}"
      f" ({100 * peak / blocks if blocks else 0:.0f} %), reservation failures {failures}, "
      f"cached pages dropped for tags {int(pool.get('recalled', 0)) + int(pool.get('collateral_dropped', 0))}"
      f" (recalled {pool.get('recalled', '?')}, collateral {pool.get('collateral_dropped', '?')})")
if failures:
    bad.append(f"mte: {failures} reservation or release failures")
if not blocks or 2 * peak < blocks:
    bad.append(f"mte: peak blocks in use {peak} of {blocks}, under half")
for l in runs["mte"]:
    if l.startswith("WL mte ") and ("FAIL" in l or " ok" in l or "delivered" in l):
        print("  " + l[3:])
if not any(l.startswith("WL mte fault delivered") for l in runs["mte"]):
    bad.append("mte: the deliberate tag mismatch was not delivered as SEGV_MTESERR")
if not any(l.startswith("WL mte pin ok") for l in runs["mte"]):
    bad.append("mte: the pinning process did not run to the end")
if any(l.startswith("WL mte FAIL") or l.startswith("WL FAIL") for l in runs["mte"]):
    bad.append("mte: a check in the guest failed")
off = fields(runs["hooks-off"], "tags")
off_reserved = sum(int(off.get("reserved_" + p, 1)) for p in paths)
print(f"cleancache restore hits, passes 1+: without MTE load {hit(passes(runs['plain']))}; "
      f"with it {hit(passes(runs['mte']))}; with it and tag_storage_hooks=off "
      f"{hit(passes(runs['hooks-off']))} (hooks {off.get('hooks', '?')}, {off_reserved} reservations)")
if off.get("hooks") != "off" or off_reserved:
    bad.append("hooks-off: the hooks were not off")
for reason in bad:
    print(f"FAIL: arm64 tags: {reason}")
sys.exit(1 if bad else 0)
EOF
if ((${#failed[@]})); then
    printf 'tags.sh: FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "tags.sh: all passed"
