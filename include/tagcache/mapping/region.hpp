// One tag-storage region: how the device tree describes it (`tag_region_desc`, in bytes) and
// the validated form the map works with (`tag_region`, in pages). Freestanding.
//
// Binding `arm,mte-tag-storage` (Linux RFC v3, patch 19): `reg` is the tag storage, whose size
// holds all tags of the memory node named by `tagged-memory`; `block-size` is a hardware
// property, a multiple of 4 KiB, independent of the kernel page size.
#pragma once

#include "../base/base.hpp"

namespace tagcache {

// MTE stores one 4-bit tag per 16-byte granule, so a tag byte covers 32 data bytes and a tag
// page covers 32 data pages of the same size (arch/arm64/include/asm/mte-def.h:
// MTE_GRANULE_SIZE = 16; Documentation/arch/arm64/memory-tagging-extension.rst).
inline constexpr uint64_t mte_granule_bytes = 16;
inline constexpr uint64_t data_bytes_per_tag_byte = 32;
inline constexpr uint64_t data_pages_per_tag_page = 32;
// `block-size` must be a multiple of this, whatever the kernel page size.
inline constexpr uint64_t block_size_granule = 4096;

// A region as the device tree states it.
struct tag_region_desc {
    phys_range tagged_memory; // `reg` of the memory node named by `tagged-memory`
    phys_range tag_storage;   // `reg` of the arm,mte-tag-storage node
    uint64_t block_size = 0;  // `block-size`, in bytes
};

// A validated region, in pages of the map's page size.
struct tag_region {
    pfn_range memory;         // the tagged data pages
    pfn_range tags;           // the tag-storage pages holding their tags
    uint64_t block_bytes = 0; // `block-size` as described
    uint64_t block_pages = 0; // bsp = lcm(block_bytes, page) / page
    uint32_t index = 0;       // position in the description list

    // Tag storage is reserved in whole blocks, numbered from the start of the tag range
    // (as the Linux series numbers them), so a block is `block_pages` consecutive tag pages.
    constexpr uint64_t block_count() const noexcept { return tags.count / block_pages; }
    constexpr uint64_t data_pages_per_block() const noexcept {
        return block_pages * data_pages_per_tag_page;
    }

    // Preconditions below: `data_pfn` in `memory`, `tag_pfn` in `tags`, `block` < block_count().
    constexpr pfn_t tag_page_of(pfn_t data_pfn) const noexcept {
        TAGCACHE_DEBUG_ASSERT(memory.contains(data_pfn), "pfn outside the region's memory");
        return tags.first + (data_pfn - memory.first) / data_pages_per_tag_page;
    }
    constexpr uint64_t block_of(pfn_t data_pfn) const noexcept {
        return (tag_page_of(data_pfn) - tags.first) / block_pages;
    }
    constexpr uint64_t block_of_tag_page(pfn_t tag_pfn) const noexcept {
        TAGCACHE_DEBUG_ASSERT(tags.contains(tag_pfn), "pfn outside the region's tag storage");
        return (tag_pfn - tags.first) / block_pages;
    }
    constexpr pfn_range tag_pages_of_block(uint64_t block) const noexcept {
        TAGCACHE_DEBUG_ASSERT(block < block_count(), "block index out of range");
        return {tags.first + block * block_pages, block_pages};
    }
    // Exact, never clipped: the tag range is whole blocks and covers memory.count / 32 pages.
    constexpr pfn_range data_pages_of_block(uint64_t block) const noexcept {
        TAGCACHE_DEBUG_ASSERT(block < block_count(), "block index out of range");
        return {memory.first + block * data_pages_per_block(), data_pages_per_block()};
    }
    // How many pages of `folio` block `block` serves: the count a reservation adds to it.
    constexpr uint64_t pages_served(uint64_t block, pfn_range folio) const noexcept {
        const pfn_range data = data_pages_of_block(block);
        const pfn_t start = data.first > folio.first ? data.first : folio.first;
        const pfn_t end = data.end() < folio.end() ? data.end() : folio.end();
        return end > start ? end - start : 0;
    }
};

// Checks one description against the rules that need no other region, and converts it to
// pages. The cross-region rules (overlaps) are tag_map's.
constexpr result<tag_region> make_tag_region(const tag_region_desc& desc, page_size page,
                                             uint32_t index) noexcept {
    if (!is_valid(page))
        return errc::invalid_page_size;
    if (desc.tagged_memory.empty() || desc.tag_storage.empty())
        return errc::empty_range;
    uint64_t end = 0;
    if (!checked_add(desc.tagged_memory.base, desc.tagged_memory.size, &end) ||
        !checked_add(desc.tag_storage.base, desc.tag_storage.size, &end))
        return errc::address_overflow;
    const uint64_t bytes_per_page = page_bytes(page);
    if (!is_aligned(desc.tagged_memory.base, bytes_per_page) ||
        !is_aligned(desc.tagged_memory.size, bytes_per_page) ||
        !is_aligned(desc.tag_storage.base, bytes_per_page) ||
        !is_aligned(desc.tag_storage.size, bytes_per_page))
        return errc::range_unaligned;
    if (desc.block_size == 0)
        return errc::block_size_zero;
    if (desc.block_size % block_size_granule != 0)
        return errc::block_size_unaligned;
    // Compared by division so that a huge tag size cannot overflow the multiplication.
    if (desc.tagged_memory.size % data_bytes_per_tag_byte != 0 ||
        desc.tagged_memory.size / data_bytes_per_tag_byte != desc.tag_storage.size)
        return errc::tag_size_mismatch;

    const unsigned shift = page_shift(page);
    tag_region region;
    region.memory = {desc.tagged_memory.base >> shift, desc.tagged_memory.size >> shift};
    region.tags = {desc.tag_storage.base >> shift, desc.tag_storage.size >> shift};
    region.block_bytes = desc.block_size;
    // bsp = lcm(block, page) / page (Linux RFC v3 patch 23), computed as the equal
    // block / gcd(block, page), which cannot overflow.
    region.block_pages = desc.block_size / gcd(desc.block_size, bytes_per_page);
    region.index = index;
    if (region.tags.count % region.block_pages != 0)
        return errc::tag_size_not_block_multiple;
    return region;
}

} // namespace tagcache
