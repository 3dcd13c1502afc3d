// cleancache_pool: a folio-aware cleancache of clean file pages, held in pages that donors
// lend and take back at any moment. Frontend (store, restore, invalidate) after the 2025
// cleancache and the old cleancache_ops; backend (register_donor, donate, take_back) after
// the 2025 series' backend API. Freestanding: no exceptions, no allocation after create().
//
// This header is the pool's public face: every operation, what it does and what it
// promises. Each forwards to the pool's parts behind it, in detail/ (pool_core.hpp lists
// them); an operation reads top to bottom in one file there: a store in detail/store.hpp, a
// restore in detail/restore.hpp, a take-back in detail/take_back.hpp.
//
// Concurrency (docs/design.md, "Take-back"): page copies run outside the pool lock; take_back()
// waits for at most one folio copy plus one critical section per CPU queued on the (FIFO) lock.
// Discards (docs/tmem.md): when the page memory is discardable (a virtio-tmem region the host
// may discard pages of at any moment, without this lock), a copy the host's discard may have
// touched counts for nothing (detail/page_copy.hpp). Other pools compile none of it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/base.hpp"
#include "default_pool_config.hpp"
#include "detail/invalidation.hpp"
#include "detail/invariants.hpp"
#include "detail/pool_core.hpp"
#include "detail/restore.hpp"
#include "detail/store.hpp"
#include "detail/take_back.hpp"
#include "donors.hpp"
#include "geometry.hpp"
#include "key.hpp"
#include "pool_config.hpp"
#include "pool_stats.hpp"

namespace tagcache {

template <pool_config Config = default_pool_config>
class cleancache_pool : private detail::pool_core<Config> {
    using core = detail::pool_core<Config>;

public:
    using config = Config;
    using bitmap = folio_bitmap<Config::max_order>;
    using page_memory_type = typename Config::page_memory;
    static constexpr unsigned max_order = Config::max_order;
    // The host may discard pages of this pool's memory (concepts/discardable_page_memory.hpp).
    static constexpr bool discardable = core::discardable;

    // ---- construction ---------------------------------------------------------------------

    // Bytes create() needs for `geometry`: the pool object and all its metadata.
    static constexpr size_t required_bytes(const pool_geometry& geometry) noexcept {
        return core::layout_of(geometry).total;
    }

    // Metadata bytes that grow with the slots and not with the workload: slot records, the
    // eviction and placement policies' arrays, index buckets (at most one per two slots by
    // default). Divide by geometry.slots for a per-slot figure (integers only: kernels build
    // this header without floating point).
    static constexpr size_t fixed_bytes(const pool_geometry& geometry) noexcept {
        return core::fixed_bytes(geometry);
    }

    // Builds a pool at the start of `buffer` (aligned to 64 bytes, at least required_bytes()).
    static result<cleancache_pool*> create(void* buffer, size_t bytes,
                                           const pool_geometry& geometry,
                                           page_memory_type memory = {}) noexcept {
        if (geometry.slots == 0 || geometry.slots >= no_slot || !is_valid(geometry.page) ||
            geometry.filesystems == 0 || geometry.filesystems > 0x7FFF ||
            geometry.max_ranges == 0 || geometry.max_block_pages == 0 ||
            geometry.inode_capacity() > max_inode_handles ||
            !is_power_of_two(geometry.bucket_count()))
            return errc::invalid_geometry;
        if (buffer == nullptr || bytes < required_bytes(geometry) ||
            !is_aligned(reinterpret_cast<uintptr_t>(buffer), buffer_alignment))
            return errc::buffer_too_small;
        static_assert(sizeof(cleancache_pool) == sizeof(core),
                      "the core carves from its own address");
        auto* pool = ::new (buffer, placement_new) cleancache_pool();
        pool->attach(static_cast<unsigned char*>(buffer), geometry, memory);
        return pool;
    }

    cleancache_pool(const cleancache_pool&) = delete;
    cleancache_pool& operator=(const cleancache_pool&) = delete;

    // geometry() -> const pool_geometry&: what the pool was built with.
    using core::geometry;

    // ---- frontend (detail/store.hpp, restore.hpp, invalidation.hpp) --------------------------

    // Registers a filesystem (a pool of the old API); its id keys its pages.
    // add_fs() -> result<fs_id>
    using core::add_fs;

    // Invalidates every page of `fs` (lazily) and frees its id.
    // remove_fs(fs) -> result<void>
    using core::remove_fs;

    // Stores the folio of 2^order pages at key.index (a multiple of 2^order) from `source`
    // (2^order consecutive pages; ignored without page memory). Replaces every cached page the
    // folio overlaps. `workingset`: the caller's PG_workingset hint, for admission.
    // store(key, order, source, workingset = true) -> result<void>
    using core::store;

    // Restores the folio of 2^order pages at key.index into `sink` (2^order pages; ignored
    // without page memory). Returns which pages it filled; it is a hit when all were.
    // restore(key, order, sink) -> result<bitmap>
    using core::restore;

    // The readahead walk: restores order-0 pages first, first + 1, ... into sink(index)
    // (a void* per page), stopping at the first miss; returns how many it restored. It counts
    // each page it tried: `restored` for those it filled, one `missed` for the page that
    // stopped it. A walk past the last page index is refused whole (index_too_large).
    // restore_run(fs, inode, first, count, sink) -> result<uint64_t>
    using core::restore_run;

    // Drops the pages of the folio (key.index, order) from the pool.
    // invalidate(key, order) -> result<void>
    using core::invalidate;

    // Drops every page of an inode: O(1) now (the inode stops resolving), its slots reclaimed
    // later in bounded batches.
    // invalidate_inode(fs, inode) -> result<void>
    using core::invalidate_inode;

    // Drops every page of a filesystem: O(1) now, reclaimed lazily.
    // invalidate_fs(fs) -> result<void>
    using core::invalidate_fs;

    // Reclaims up to `slots` slots' worth of invalidated pages now (a shim may call this
    // from a work item; stores also do it, Config::sweep_batch slots at a time).
    // reclaim_stale(slots)
    using core::reclaim_stale;

    // ---- backend (detail/take_back.hpp) ----------------------------------------------------

    // Registers a donor: its pfn ranges (each a whole number of blocks) get pool slots now,
    // all donor-owned until donated. `block_pages`: the donor's block size in pages (a
    // tag-storage region's bsp); `quota`: the most pages of it that may hold data (0: all).
    // `share`: which of the ranges' blocks this pool holds (all; a sharded pool gives each
    // shard every S-th block).
    // register_donor(name, ranges, block_pages = 1, quota = 0, share = {}) -> result<uint32_t>
    using core::register_donor;

    // What register_donor() would refuse these ranges for, without registering anything
    // (errc::ok: it would accept them); and the room left for donors. A caller registering
    // several donors (the tag-storage manager, one per region) checks them all first.
    // check_donor(ranges, block_pages = 1, share = {}) -> errc; room_for_donors() -> donor_room
    using core::check_donor;
    using core::room_for_donors;

    // Lends a page of the donor to the pool.
    // donate(donor, pfn) -> result<void>
    using core::donate;

    // Lends every page of `range`; pages that cannot be donated (not the donor's, already
    // donated) are refused one by one through on_refused(pfn, errc) and the rest accepted.
    // Returns how many were accepted. Holds the lock for at most 32 pages at a time.
    // donate_range(donor, range[, on_refused]) -> uint64_t
    using core::donate_range;
    uint64_t donate_range(uint32_t donor, pfn_range range) noexcept {
        return donate_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // Takes a donated page back. Always succeeds for a page this donor donated, whatever it
    // holds: cached data is dropped (never copied), a store or restore copy in flight is
    // failed and waited out. Allocates nothing and never sleeps; O(2^max_order) steps plus one
    // critical section per CPU queued on the lock. When it returns, no pool copy can touch the
    // page again.
    // take_back(donor, pfn) -> result<void>
    using core::take_back;

    // Takes back every page of `range`, one page per critical section; pages that cannot be
    // taken are reported through on_refused(pfn, errc). Returns how many were taken.
    // take_back_range(donor, range[, on_refused]) -> uint64_t
    using core::take_back_range;
    uint64_t take_back_range(uint32_t donor, pfn_range range) noexcept {
        return take_back_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // ---- discards (pools whose page memory is discardable) -----------------------------------

    // The host says it discarded `range` of the donor's pages (virtio-tmem's notification).
    // Their data is dropped now, one critical section per page, rather than when a restore
    // would detect the discard: each cached page leaves (under drop_whole_folio with its
    // folio) and counts as discarded, its slot free again. Free pages, pages not donated and
    // pages a store is copying into (the store's own check sees the discard) are left as
    // they are. Refuses a range with a page the donor did not register, changing nothing.
    // Returns how many restorable pages were dropped. Correctness never depends on it: a
    // restore checks the generation whether or not a notification came.
    result<uint64_t> on_discarded(uint32_t donor, pfn_range range) noexcept requires discardable {
        return core::on_discarded(donor, range);
    }

    // ---- observation ------------------------------------------------------------------------

    // stats() -> pool_stats
    using core::stats;

    // Whether the donor's page is lent to the pool now (false: the donor holds it).
    // is_donated(donor, pfn) -> result<bool>
    using core::is_donated;

    // donor_count() -> uint32_t; donor_info(donor) -> result<donor_stats>
    using core::donor_count;
    using core::donor_info;

    // Checks the pool's invariants (docs/design.md) over the whole pool, one check per part
    // (detail/invariants.hpp; O(pool size), for tests). Returns nullptr when they hold, else
    // what is broken. Call with no operation in flight.
    // check_invariants() -> const char*
    using core::check_invariants;

private:
    cleancache_pool() noexcept = default; // the pool is its core: no member of its own
};

// At most 32 bytes of metadata per 4 KiB slot, index included, for the default configuration
// (docs/design.md, "Targets"). Per 16 slots: 16 slot records (20 bytes), 16 LRU link pairs
// (8), at most 8 index buckets (4), and one interned inode handle (28) with its half bucket (2).
inline constexpr size_t default_pool_bytes_per_slot_x16 =
    16 * (sizeof(detail::slot_meta) + lru_eviction::bytes_per_slot) + 8 * sizeof(uint32_t) +
    sizeof(detail::inode_table::entry) + sizeof(uint32_t) / 2;
static_assert(default_pool_bytes_per_slot_x16 <= 32 * 16,
              "the default pool configuration must fit 32 bytes per slot");

} // namespace tagcache
