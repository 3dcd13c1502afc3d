// tag_storage_manager: reserves MTE tag storage for tagged allocations by taking it back from
// the cleancache pool, and lends it again when the tagged pages are freed. It is only a donor
// of the pool (one per tag-storage region): at start-up it donates every tag block; a
// reservation takes back the blocks it needs (the pool drops whatever clean data they held,
// at once and with guaranteed success) and a release donates them again.
//
// Compared with the Linux RFC v3 series, which lends tag storage as CMA memory: a reservation
// never migrates a page, never sleeps (with a non-sleeping lock), cannot be defeated by a
// pinned page, and is callable in atomic context. Freestanding; all metadata in one buffer
// sized at construction.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/base.hpp"
#include "../concepts/lock.hpp"
#include "../concepts/tag_maintenance.hpp"
#include "../mapping/mapping.hpp"
#include "../policy/lock.hpp"
#include "../policy/tag_maintenance.hpp"
#include "../pool/pool.hpp"
#include "page_bitmap.hpp"

namespace tagcache {

struct default_tag_config {
    using lock = no_lock;
    using maintenance = no_tag_maintenance;
    using pool = cleancache_pool<default_pool_config>;
};

struct tag_stats {
    uint64_t reservations = 0;       // successful reserve() calls
    uint64_t releases = 0;           // successful release() calls
    uint64_t blocks_claimed = 0;     // blocks whose count went 0 -> n (taken back from the pool)
    uint64_t blocks_returned = 0;    // blocks whose count went n -> 0 (donated again)
    uint64_t pages_reserved = 0;     // gauge: tagged data pages
    uint64_t blocks_in_use = 0;      // gauge: blocks holding tags
    uint64_t peak_blocks_in_use = 0; // the gauge's highest value since creation
};

template <class Config = default_tag_config>
class tag_storage_manager {
public:
    using lock_type = typename Config::lock;
    using maintenance_type = typename Config::maintenance;
    using pool_type = typename Config::pool;
    static_assert(lock_policy<lock_type>);
    static_assert(tag_maintenance_policy<maintenance_type>);
    // True when reserve/release never sleep: then they are callable in atomic context.
    static constexpr bool atomic_safe =
        !lock_type::may_sleep && !pool_type::config::lock::may_sleep;

    // Bytes create() needs: the manager, one bit per tagged page, one count per block.
    static constexpr size_t required_bytes(const tag_map& map) noexcept {
        return layout_of(map).total;
    }

    // Builds the manager in `buffer` (64-byte aligned), registers one pool donor per region
    // ("mte-tags-<index>", block size = the region's bsp) and donates every tag page. Every
    // requirement on the pool is checked before anything changes (check_pool), so a refused
    // set-up leaves the pool as it was and can be retried.
    static result<tag_storage_manager*> create(void* buffer, size_t bytes, const tag_map& map,
                                               pool_type& pool,
                                               maintenance_type maintenance = {}) noexcept {
        const layout l = layout_of(map);
        if (buffer == nullptr || bytes < l.total ||
            !is_aligned(reinterpret_cast<uintptr_t>(buffer), buffer_alignment))
            return errc::buffer_too_small;
        if (const errc refused = check_pool(map, pool); refused != errc::ok)
            return refused;
        auto* manager = ::new (buffer, placement_new) tag_storage_manager(map, pool, maintenance);
        unsigned char* base = static_cast<unsigned char*>(buffer);
        for (uint32_t r = 0; r < map.region_count(); ++r) {
            const tag_region& region = map.region(r);
            manager->reserved_[r] =
                page_bitmap(reinterpret_cast<uint64_t*>(base + l.bitmaps) + l.bitmap_words[r],
                            region.memory.count);
            manager->refs_[r] = reinterpret_cast<uint32_t*>(base + l.refs) + l.ref_index[r];
            for (uint64_t b = 0; b < region.block_count(); ++b)
                manager->refs_[r][b] = 0;
            char name[] = "mte-tags-00";
            name[9] = static_cast<char>('0' + r / 10);
            name[10] = static_cast<char>('0' + r % 10);
            const auto donor = pool.register_donor(name, span<const pfn_range>(&region.tags, 1),
                                                   static_cast<uint32_t>(region.block_pages));
            TAGCACHE_ASSERT(donor.has_value(), "the pool refused a donor check_pool() accepted");
            manager->donor_[r] = *donor;
            const uint64_t donated = pool.donate_range(*donor, region.tags);
            TAGCACHE_ASSERT(donated == region.tags.count, "the pool refused a fresh donor's page");
        }
        return manager;
    }

    // What the pool must offer a manager of `map` (docs/tags.md): the map's page size; a
    // max_block_pages of at least every region's pages per block; room for one donor per
    // region, one range each, and a slot per tag page; tag ranges that no donor registered.
    // errc::ok when it does, else the first requirement it misses.
    static errc check_pool(const tag_map& map, const pool_type& pool) noexcept {
        if (map.page() != pool.geometry().page)
            return errc::page_size_mismatch;
        const donor_room room = pool.room_for_donors();
        if (map.region_count() > room.donors)
            return errc::too_many_donors;
        if (map.region_count() > room.ranges)
            return errc::too_many_ranges;
        if (map.total_tag_pages() > room.slots)
            return errc::not_enough_slots;
        for (uint32_t r = 0; r < map.region_count(); ++r) {
            const tag_region& region = map.region(r);
            if (region.block_pages > pool.geometry().max_block_pages)
                return errc::invalid_block_pages;
            const errc refused = pool.check_donor(span<const pfn_range>(&region.tags, 1),
                                                  static_cast<uint32_t>(region.block_pages));
            if (refused != errc::ok)
                return refused;
        }
        return errc::ok;
    }

    // Reserves tag storage for the aligned folio of 2^order data pages at `pfn`: every block
    // its pages' tags fall in (a folio may straddle blocks). A block going 0 -> n is taken back
    // from the pool (its cached data dropped) and turned into tag storage; every reserved page
    // then gets zeroed tags. Fails, changing nothing, if any page is already reserved, or the
    // folio is not wholly in one region's tagged memory.
    result<void> reserve(pfn_t pfn, unsigned order) noexcept {
        const auto span = map_.blocks_for_folio(pfn, order);
        if (!span)
            return span.error();
        const tag_region& region = map_.region(span->region);
        const uint64_t first = pfn - region.memory.first;
        const uint64_t pages = uint64_t{1} << order;
        lock_guard guard(lock_);
        page_bitmap& reserved = reserved_[span->region];
        if (!reserved.all(first, pages, false))
            return errc::already_reserved;
        for (uint64_t b = span->first; b < span->end(); ++b) {
            uint32_t& refs = refs_[span->region][b];
            if (refs == 0)
                claim_block(span->region, b);
            refs += static_cast<uint32_t>(region.pages_served(b, {pfn, pages}));
        }
        reserved.assign(first, pages, true);
        for (uint64_t i = 0; i < pages; ++i)
            maintenance_.zero_tags(pfn + i);
        stats_.pages_reserved += pages;
        ++stats_.reservations;
        return {};
    }

    // Frees the tag storage of the aligned 2^order pages at `pfn`, which may be any aligned
    // part of earlier reservations (split pages and split THPs are freed piecewise). Each page's
    // tags are invalidated; each block whose count reaches 0 turns back into data memory and
    // is donated to the pool again. Fails, changing nothing, if any page is not reserved.
    result<void> release(pfn_t pfn, unsigned order) noexcept {
        const auto span = map_.blocks_for_folio(pfn, order);
        if (!span)
            return span.error();
        const tag_region& region = map_.region(span->region);
        const uint64_t first = pfn - region.memory.first;
        const uint64_t pages = uint64_t{1} << order;
        lock_guard guard(lock_);
        page_bitmap& reserved = reserved_[span->region];
        if (!reserved.all(first, pages, true))
            return errc::not_reserved;
        for (uint64_t i = 0; i < pages; ++i)
            maintenance_.invalidate_tags(pfn + i);
        reserved.assign(first, pages, false);
        for (uint64_t b = span->first; b < span->end(); ++b) {
            uint32_t& refs = refs_[span->region][b];
            const auto served = static_cast<uint32_t>(region.pages_served(b, {pfn, pages}));
            TAGCACHE_ASSERT(refs >= served, "tag block reference count underflow");
            refs -= served;
            if (refs == 0)
                return_block(span->region, b);
        }
        stats_.pages_reserved -= pages;
        ++stats_.releases;
        return {};
    }

    // KVM: all of a guest's memory is tagged, and its tag storage is reserved when the guest
    // first touches a page. Returns true if this call reserved it, false if it already was.
    result<bool> touch(pfn_t pfn) noexcept {
        const auto reserved = reserve(pfn, 0);
        if (reserved)
            return true;
        if (reserved.error() == errc::already_reserved)
            return false;
        return reserved.error();
    }

    // ---- observation ----------------------------------------------------------------------

    bool is_reserved(pfn_t pfn) const noexcept {
        const tag_region* region = map_.find_region(pfn);
        lock_guard guard(lock_);
        return region != nullptr && reserved_[region->index].test(pfn - region->memory.first);
    }
    uint32_t block_refs(block_ref block) const noexcept {
        lock_guard guard(lock_);
        return refs_[block.region][block.index];
    }
    uint32_t donor_of_region(uint32_t region) const noexcept { return donor_[region]; }
    tag_stats stats() const noexcept {
        lock_guard guard(lock_);
        return stats_;
    }
    const tag_map& map() const noexcept { return map_; }

    // Invariant 5: each block's count equals the reserved pages it serves, and a block holds
    // tags (is taken back from the pool) exactly when its count is non-zero. O(tagged memory).
    const char* check_invariants() const noexcept {
        lock_guard guard(lock_);
        uint64_t pages = 0, blocks = 0;
        for (uint32_t r = 0; r < map_.region_count(); ++r) {
            const tag_region& region = map_.region(r);
            for (uint64_t b = 0; b < region.block_count(); ++b) {
                const pfn_range data = region.data_pages_of_block(b);
                const uint64_t served =
                    reserved_[r].count(data.first - region.memory.first, data.count);
                if (served != refs_[r][b])
                    return "block reference count differs from the reserved pages it serves";
                pages += served;
                blocks += served != 0 ? 1 : 0;
                const pfn_range tags = region.tag_pages_of_block(b);
                for (pfn_t p = tags.first; p < tags.end(); ++p) {
                    const auto donated = pool_.is_donated(donor_[r], p);
                    if (!donated || *donated == (served != 0))
                        return "a block holds tags but is lent to the pool, or the reverse";
                }
            }
        }
        if (pages != stats_.pages_reserved || blocks != stats_.blocks_in_use)
            return "reserved page or block gauges disagree with the bitmap";
        return nullptr;
    }

private:
    struct layout {
        uint64_t bitmap_words[tag_map::max_regions];
        uint64_t ref_index[tag_map::max_regions];
        size_t bitmaps, refs, total;
    };
    static constexpr layout layout_of(const tag_map& map) noexcept {
        layout l{};
        uint64_t words = 0, refs = 0;
        for (uint32_t r = 0; r < map.region_count(); ++r) {
            l.bitmap_words[r] = words;
            l.ref_index[r] = refs;
            words += page_bitmap::words_for(map.region(r).memory.count);
            refs += map.region(r).block_count();
        }
        l.bitmaps = align_up(sizeof(tag_storage_manager));
        l.refs = align_up(l.bitmaps + words * sizeof(uint64_t));
        l.total = align_up(l.refs + refs * sizeof(uint32_t));
        return l;
    }

    tag_storage_manager(const tag_map& map, pool_type& pool, maintenance_type maintenance) noexcept
        : map_(map)
        , pool_(pool)
        , maintenance_(maintenance) {}

    // 0 -> n: take the block's pages back from the pool (dropping its cached data; this always
    // succeeds, in bounded time, for pages we donated), then make it tag storage.
    void claim_block(uint32_t region, uint64_t block) noexcept {
        const pfn_range tags = map_.region(region).tag_pages_of_block(block);
        const uint64_t taken = pool_.take_back_range(donor_[region], tags);
        TAGCACHE_ASSERT(taken == tags.count, "the pool refused to return a donated tag page");
        maintenance_.to_tags(tags);
        ++stats_.blocks_claimed;
        if (++stats_.blocks_in_use > stats_.peak_blocks_in_use)
            stats_.peak_blocks_in_use = stats_.blocks_in_use;
    }

    // n -> 0: back to data memory, lent to the pool again.
    void return_block(uint32_t region, uint64_t block) noexcept {
        const pfn_range tags = map_.region(region).tag_pages_of_block(block);
        maintenance_.to_data(tags);
        const uint64_t donated = pool_.donate_range(donor_[region], tags);
        TAGCACHE_ASSERT(donated == tags.count, "the pool refused a tag page it had returned");
        ++stats_.blocks_returned;
        --stats_.blocks_in_use;
    }

    tag_map map_;
    pool_type& pool_;
    mutable lock_type lock_;
    maintenance_type maintenance_;
    page_bitmap reserved_[tag_map::max_regions] = {};
    uint32_t* refs_[tag_map::max_regions] = {};
    uint32_t donor_[tag_map::max_regions] = {};
    tag_stats stats_;
};

} // namespace tagcache
