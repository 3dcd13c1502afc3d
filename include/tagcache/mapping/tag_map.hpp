// tag_map: the static page-to-tag-block map of a machine's tag-storage regions.
// constexpr and freestanding; built once at set-up from up to 32 region descriptions.
//
// The tag page of data pfn p in region r is r.tags.first + (p - r.memory.first) / 32, and its
// block is the index of that tag page from the start of r's tag range, divided by bsp.
// A folio needs every block between the blocks of its first and last page: unlike the Linux
// RFC v3 arithmetic, which counts ceil(max(2^order / 32, 1) / bsp) blocks from the first block
// and so misses a block when the folio's tag pages straddle a block boundary (see
// docs/mapping.md), blocks_for_folio() derives the span from both ends.
#pragma once

#include "region.hpp"

namespace tagcache {

// Which region description broke which rule; `other_region` names the second region of a
// pairwise rule (overlaps), else no_region.
struct region_error {
    errc code = errc::ok;
    uint32_t region = no_region;
    uint32_t other_region = no_region;
    friend constexpr bool operator==(const region_error&, const region_error&) = default;
};

// One block of one region: `index` counts blocks from the start of the region's tag range.
struct block_ref {
    uint32_t region = 0;
    uint64_t index = 0;
    friend constexpr bool operator==(const block_ref&, const block_ref&) = default;
};

// Consecutive blocks [first, first + count) of one region.
struct block_span {
    uint32_t region = 0;
    uint64_t first = 0;
    uint64_t count = 0;
    constexpr uint64_t end() const noexcept { return first + count; }
    friend constexpr bool operator==(const block_span&, const block_span&) = default;
};

// Where the tag of one 16-byte granule lives, under the model's layout assumption: tag byte
// o >> 5 of the region's tag storage, nibble (o >> 4) & 1, the low nibble for the lower
// address, o the granule's offset from the start of the tagged range. The architecture does
// not expose this layout; it is the convention of QEMU's tag memory
// (target/arm/tcg/mte_helper.h, "a sequence of little-endian nibbles") and of Linux's
// mte_save_page_tags (arch/arm64/lib/mte.S).
struct tag_location {
    pfn_t tag_pfn = 0;        // the tag-storage page
    uint32_t byte_offset = 0; // byte within that page
    uint32_t nibble = 0;      // 0: low nibble (bits 3..0), 1: high nibble (bits 7..4)
    friend constexpr bool operator==(const tag_location&, const tag_location&) = default;
};

class tag_map {
public:
    static constexpr uint32_t max_regions = 32; // as the Linux series' MAX_TAG_REGIONS

    // An empty map: no tagged memory, no tag storage.
    constexpr tag_map() noexcept = default;

    // Validates `descs` and builds the map; on failure, names the rule and the region(s).
    static constexpr result<tag_map, region_error> create(span<const tag_region_desc> descs,
                                                          page_size page) noexcept {
        tag_map map;
        if (auto status = map.assign(descs, page); !status)
            return status.error();
        return map;
    }

    // In-place form of create() for callers that keep the map in static storage (a kernel
    // does not want 2 KiB on its stack). Leaves the map empty on failure.
    constexpr result<void, region_error> assign(span<const tag_region_desc> descs,
                                                page_size page) noexcept {
        *this = tag_map();
        const region_error failure = build(descs, page);
        if (failure.code != errc::ok) {
            *this = tag_map();
            return failure;
        }
        return {};
    }

    constexpr page_size page() const noexcept { return page_; }
    constexpr uint32_t region_count() const noexcept { return count_; }
    constexpr span<const tag_region> regions() const noexcept { return {regions_, count_}; }
    constexpr const tag_region& region(uint32_t index) const noexcept {
        TAGCACHE_ASSERT(index < count_, "region index out of range");
        return regions_[index];
    }

    // The region whose tagged memory holds `data_pfn`, or nullptr. O(log regions).
    constexpr const tag_region* find_region(pfn_t data_pfn) const noexcept {
        return find_in(by_memory_, data_pfn, &tag_region::memory);
    }
    // The region whose tag storage holds `tag_pfn`, or nullptr. O(log regions).
    constexpr const tag_region* find_tag_region(pfn_t tag_pfn) const noexcept {
        return find_in(by_tags_, tag_pfn, &tag_region::tags);
    }
    constexpr bool is_tagged_memory(pfn_t pfn) const noexcept {
        return find_region(pfn) != nullptr;
    }
    constexpr bool is_tag_storage(pfn_t pfn) const noexcept {
        return find_tag_region(pfn) != nullptr;
    }

    constexpr result<pfn_t> tag_page_of(pfn_t data_pfn) const noexcept {
        const tag_region* region = find_region(data_pfn);
        if (region == nullptr)
            return untaggable(data_pfn);
        return region->tag_page_of(data_pfn);
    }

    constexpr result<block_ref> block_of(pfn_t data_pfn) const noexcept {
        const tag_region* region = find_region(data_pfn);
        if (region == nullptr)
            return untaggable(data_pfn);
        return block_ref{region->index, region->block_of(data_pfn)};
    }

    // The block a tag-storage page belongs to (the reverse direction, for donors).
    constexpr result<block_ref> block_of_tag_page(pfn_t tag_pfn) const noexcept {
        const tag_region* region = find_tag_region(tag_pfn);
        if (region == nullptr)
            return errc::not_tagged_memory;
        return block_ref{region->index, region->block_of_tag_page(tag_pfn)};
    }

    // Every block a folio of 2^order pages at `pfn` needs: from the block of its first page's
    // tag page to the block of its last page's tag page.
    constexpr result<block_span> blocks_for_folio(pfn_t pfn, unsigned order) const noexcept {
        if (order >= 64)
            return errc::order_too_large;
        const uint64_t pages = uint64_t{1} << order;
        uint64_t end = 0;
        if (!checked_add(pfn, pages, &end))
            return errc::order_too_large;
        if (!is_aligned(pfn, pages))
            return errc::folio_unaligned;
        const tag_region* region = find_region(pfn);
        if (region == nullptr)
            return untaggable(pfn);
        const pfn_t last = end - 1;
        if (!region->memory.contains(last)) {
            // Name what the folio runs into where it leaves its region.
            const pfn_t outside = region->memory.end();
            return find_region(outside) != nullptr ? errc::folio_spans_regions
                                                   : untaggable(outside);
        }
        const uint64_t first_block = region->block_of(pfn);
        return block_span{region->index, first_block, region->block_of(last) - first_block + 1};
    }

    constexpr pfn_range tag_pages_of(block_ref block) const noexcept {
        return region(block.region).tag_pages_of_block(block.index);
    }
    constexpr pfn_range data_pages_of(block_ref block) const noexcept {
        return region(block.region).data_pages_of_block(block.index);
    }

    // The tag of the granule holding physical address `address` (layout: see tag_location).
    constexpr result<tag_location> tag_location_of(phys_addr_t address) const noexcept {
        const unsigned shift = page_shift(page_);
        const tag_region* region = find_region(address >> shift);
        if (region == nullptr)
            return untaggable(address >> shift);
        const uint64_t offset = address - (region->memory.first << shift);
        const uint64_t tag_byte = (region->tags.first << shift) + (offset >> 5);
        return tag_location{tag_byte >> shift,
                            static_cast<uint32_t>(tag_byte & (page_bytes(page_) - 1)),
                            static_cast<uint32_t>((offset >> 4) & 1)};
    }

    constexpr uint64_t total_tagged_pages() const noexcept { return sum(&tag_region::memory); }
    constexpr uint64_t total_tag_pages() const noexcept { return sum(&tag_region::tags); }
    constexpr uint64_t total_blocks() const noexcept {
        uint64_t total = 0;
        for (uint32_t i = 0; i < count_; ++i)
            total += regions_[i].block_count();
        return total;
    }

private:
    constexpr region_error build(span<const tag_region_desc> descs, page_size page) noexcept {
        if (!is_valid(page))
            return {errc::invalid_page_size};
        if (descs.size() > max_regions)
            return {errc::too_many_regions};
        page_ = page;
        for (uint32_t i = 0; i < descs.size(); ++i) {
            const result<tag_region> region = make_tag_region(descs[i], page, i);
            if (!region)
                return {region.error(), i};
            regions_[i] = *region;
        }
        count_ = static_cast<uint32_t>(descs.size());
        for (uint32_t i = 0; i < count_; ++i) {
            for (uint32_t j = 0; j < count_; ++j) {
                if (regions_[i].tags.overlaps(regions_[j].memory))
                    return {errc::tag_storage_overlaps_tagged_memory, i, j};
                if (j > i && (regions_[i].memory.overlaps(regions_[j].memory) ||
                              regions_[i].tags.overlaps(regions_[j].tags)))
                    return {errc::regions_overlap, i, j};
            }
        }
        sort_by(by_memory_, &tag_region::memory);
        sort_by(by_tags_, &tag_region::tags);
        return {};
    }

    // Insertion sort of region indexes by range start; at most 32 entries, run once.
    constexpr void sort_by(uint8_t (&order)[max_regions], pfn_range tag_region::*range) noexcept {
        for (uint32_t i = 0; i < count_; ++i) {
            uint32_t j = i;
            while (j > 0 && (regions_[order[j - 1]].*range).first > (regions_[i].*range).first) {
                order[j] = order[j - 1];
                --j;
            }
            order[j] = static_cast<uint8_t>(i);
        }
    }

    // Binary search for the last range starting at or before `pfn`; ranges are disjoint.
    constexpr const tag_region* find_in(const uint8_t (&order)[max_regions], pfn_t pfn,
                                        pfn_range tag_region::*range) const noexcept {
        uint32_t low = 0;
        uint32_t high = count_;
        while (low < high) {
            const uint32_t mid = (low + high) / 2;
            if ((regions_[order[mid]].*range).first <= pfn)
                low = mid + 1;
            else
                high = mid;
        }
        if (low == 0)
            return nullptr;
        const tag_region& candidate = regions_[order[low - 1]];
        return (candidate.*range).contains(pfn) ? &candidate : nullptr;
    }

    constexpr errc untaggable(pfn_t pfn) const noexcept {
        return is_tag_storage(pfn) ? errc::tag_storage_not_taggable : errc::not_tagged_memory;
    }

    constexpr uint64_t sum(pfn_range tag_region::*range) const noexcept {
        uint64_t total = 0;
        for (uint32_t i = 0; i < count_; ++i)
            total += (regions_[i].*range).count;
        return total;
    }

    tag_region regions_[max_regions] = {};
    uint8_t by_memory_[max_regions] = {};
    uint8_t by_tags_[max_regions] = {};
    uint32_t count_ = 0;
    page_size page_ = page_size::size_4k;
};

} // namespace tagcache
