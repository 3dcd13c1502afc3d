// cleancache_pool: a folio-aware cleancache of clean file pages, held in pages that donors
// lend and take back at any moment. Frontend (store, restore, invalidate) after the 2025
// cleancache and the old cleancache_ops; backend (register_donor, donate, take_back) after
// the 2025 series' backend API. Freestanding: no exceptions, no allocation after create().
//
// The pool composes its parts, each a class of its own: the slot records (slot.hpp), the page
// index (page_index.hpp), the folio rings and their eviction order (folio_rings.hpp), the
// interned inode handles (inode_table.hpp), the filesystems (filesystem_table.hpp) and the
// donors (donor_table.hpp), plus the policies of its configuration. This header holds the
// class, construction, observation and the steps every operation shares; frontend.hpp the
// store and restore paths, backend.hpp donation and take-back, invariants.hpp the checks.
//
// Concurrency (docs/design.md, "Take-back"): page copies run outside the pool lock. A copy
// marks its slot (copiers > 0) under the lock, copies, and publishes under the lock again; a
// slot with copiers > 0 is never handed to another store. take_back() marks the page taken
// under the lock, releases it, and waits until copiers reaches 0: at most one folio copy plus
// one critical section per CPU queued on the (FIFO) lock.
//
// Discards (docs/tmem.md): when the page memory is discardable (a virtio-tmem region the host
// may discard pages of at any moment, without this lock), every copy is also bracketed by the
// page's discard generation, and a copy the host's discard may have touched counts for nothing
// (discard.hpp). Other pools compile none of it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/base.hpp"
#include "../concepts/concepts.hpp"
#include "config.hpp"
#include "discard_records.hpp"
#include "donor_table.hpp"
#include "filesystem_table.hpp"
#include "folio_rings.hpp"
#include "geometry.hpp"
#include "inode_table.hpp"
#include "key.hpp"
#include "page_index.hpp"
#include "pool_config.hpp"
#include "pool_stats.hpp"
#include "slot.hpp"
#include "slot_view.hpp"

namespace tagcache {

template <pool_config Config = default_pool_config>
class cleancache_pool {
public:
    using config = Config;
    using bitmap = folio_bitmap<Config::max_order>;
    using page_memory_type = typename Config::page_memory;
    static constexpr unsigned max_order = Config::max_order;
    // The host may discard pages of this pool's memory (concepts/discardable_page_memory.hpp).
    static constexpr bool discardable = discardable_page_memory<page_memory_type>;

    // ---- construction ---------------------------------------------------------------------

    // Bytes create() needs for `geometry`: the pool object and all its metadata.
    static constexpr size_t required_bytes(const pool_geometry& geometry) noexcept {
        return layout_of(geometry).total;
    }

    // Metadata bytes that grow with the slots and not with the workload: slot records, the
    // eviction and placement policies' arrays, index buckets (at most one per two slots by
    // default). Divide by geometry.slots for a per-slot figure (integers only: kernels build
    // this header without floating point).
    static constexpr size_t fixed_bytes(const pool_geometry& geometry) noexcept {
        return size_t{geometry.slots} * sizeof(slot_meta) +
               Config::eviction::storage_bytes(geometry.slots) +
               Config::placement::storage_bytes(geometry.slots, 0, 0) +
               size_t{geometry.bucket_count()} * sizeof(uint32_t) +
               discard_records<discardable>::storage_bytes(geometry.slots);
    }

    // Builds a pool at the start of `buffer` (aligned to 64 bytes, at least required_bytes()).
    static result<cleancache_pool*> create(void* buffer, size_t bytes,
                                           const pool_geometry& geometry,
                                           page_memory_type memory = {}) noexcept {
        if (geometry.slots == 0 || geometry.slots >= no_slot || !is_valid(geometry.page) ||
            geometry.filesystems == 0 || geometry.filesystems > 0x7FFF ||
            geometry.max_ranges == 0 || geometry.max_block_pages == 0 ||
            geometry.inode_capacity() > inode_table::max_capacity ||
            !is_power_of_two(geometry.bucket_count()))
            return errc::invalid_geometry;
        if (buffer == nullptr || bytes < required_bytes(geometry) ||
            !is_aligned(reinterpret_cast<uintptr_t>(buffer), buffer_alignment))
            return errc::buffer_too_small;
        auto* pool = ::new (buffer, placement) cleancache_pool();
        pool->attach(static_cast<unsigned char*>(buffer), geometry);
        pool->memory_ = memory;
        return pool;
    }

    cleancache_pool(const cleancache_pool&) = delete;
    cleancache_pool& operator=(const cleancache_pool&) = delete;

    const pool_geometry& geometry() const noexcept { return geometry_; }

    // ---- frontend (frontend.hpp) -----------------------------------------------------------

    // Registers a filesystem (a pool of the old API); its id keys its pages.
    result<fs_id> add_fs() noexcept {
        lock_guard guard(lock_);
        return filesystems_.add();
    }

    // Invalidates every page of `fs` (lazily) and frees its id.
    result<void> remove_fs(fs_id fs) noexcept;

    // Stores the folio of 2^order pages at key.index (a multiple of 2^order) from `source`
    // (2^order consecutive pages; ignored without page memory). Replaces every cached page the
    // folio overlaps. `workingset`: the caller's PG_workingset hint, for admission.
    result<void> store(const page_key& key, unsigned order, const void* source,
                       bool workingset = true) noexcept;

    // Restores the folio of 2^order pages at key.index into `sink` (2^order pages; ignored
    // without page memory). Returns which pages it filled; it is a hit when all were.
    result<bitmap> restore(const page_key& key, unsigned order, void* sink) noexcept;

    // The readahead walk: restores order-0 pages first, first + 1, ... into sink(index)
    // (a void* per page), stopping at the first miss; returns how many it restored. It counts
    // each page it tried: `restored` for those it filled, one `missed` for the page that
    // stopped it. A walk past the last page index is refused whole (index_too_large).
    template <class Sink>
    result<uint64_t> restore_run(fs_id fs, uint64_t inode, uint64_t first, uint64_t count,
                                 Sink&& sink) noexcept;

    // Drops the pages of the folio (key.index, order) from the pool.
    result<void> invalidate(const page_key& key, unsigned order) noexcept;

    // Drops every page of an inode: O(1) now (the inode stops resolving), its slots reclaimed
    // later in bounded batches.
    result<void> invalidate_inode(fs_id fs, uint64_t inode) noexcept;

    // Drops every page of a filesystem: O(1) now, reclaimed lazily.
    result<void> invalidate_fs(fs_id fs) noexcept;

    // Reclaims up to `slots` slots' worth of invalidated pages now (a shim may call this
    // from a work item; stores also do it, Config::sweep_batch slots at a time).
    void reclaim_stale(uint32_t slots) noexcept {
        while (slots != 0) {
            const uint32_t batch = slots < 64 ? slots : 64;
            lock_guard guard(lock_);
            sweep(batch);
            slots -= batch;
        }
    }

    // ---- backend (backend.hpp) -------------------------------------------------------------

    // Registers a donor: its pfn ranges (each a whole number of blocks) get pool slots now,
    // all donor-owned until donated. `block_pages`: the donor's block size in pages (a
    // tag-storage region's bsp); `quota`: the most pages of it that may hold data (0: all).
    // `share`: which of the ranges' blocks this pool holds (all; a sharded pool gives each
    // shard every S-th block).
    result<uint32_t> register_donor(const char* name, span<const pfn_range> ranges,
                                    uint32_t block_pages = 1, uint64_t quota = 0,
                                    block_share share = {}) noexcept {
        lock_guard guard(lock_);
        return donors_.add(name, ranges, block_pages, geometry_.max_block_pages, quota, share);
    }

    // What register_donor() would refuse these ranges for, without registering anything
    // (errc::ok: it would accept them); and the room left for donors. A caller registering
    // several donors (the tag-storage manager, one per region) checks them all first.
    errc check_donor(span<const pfn_range> ranges, uint32_t block_pages = 1,
                     block_share share = {}) const noexcept {
        lock_guard guard(lock_);
        return donors_.check(ranges, block_pages, geometry_.max_block_pages, share);
    }
    donor_room room_for_donors() const noexcept {
        lock_guard guard(lock_);
        return donors_.room();
    }

    // Lends a page of the donor to the pool.
    result<void> donate(uint32_t donor, pfn_t pfn) noexcept;

    // Lends every page of `range`; pages that cannot be donated (not the donor's, already
    // donated) are refused one by one through on_refused(pfn, errc) and the rest accepted.
    // Returns how many were accepted. Holds the lock for at most 32 pages at a time.
    template <class OnRefused>
    uint64_t donate_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept;
    uint64_t donate_range(uint32_t donor, pfn_range range) noexcept {
        return donate_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // Takes a donated page back. Always succeeds for a page this donor donated, whatever it
    // holds: cached data is dropped (never copied), a store or restore copy in flight is
    // failed and waited out. Allocates nothing and never sleeps; O(2^max_order) steps plus one
    // critical section per CPU queued on the lock. When it returns, no pool copy can touch the
    // page again.
    result<void> take_back(uint32_t donor, pfn_t pfn) noexcept;

    // Takes back every page of `range`, one page per critical section; pages that cannot be
    // taken are reported through on_refused(pfn, errc). Returns how many were taken.
    template <class OnRefused>
    uint64_t take_back_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept;
    uint64_t take_back_range(uint32_t donor, pfn_range range) noexcept {
        return take_back_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // ---- discards (discard.hpp; pools whose page memory is discardable) ----------------------

    // The host says it discarded `range` of the donor's pages (virtio-tmem's notification).
    // Their data is dropped now, one critical section per page, rather than when a restore
    // would detect the discard: each cached page leaves (under drop_whole_folio with its
    // folio) and counts as discarded, its slot free again. Free pages, pages not donated and
    // pages a store is copying into (the store's own check sees the discard) are left as
    // they are. Refuses a range with a page the donor did not register, changing nothing.
    // Returns how many restorable pages were dropped. Correctness never depends on it: a
    // restore checks the generation whether or not a notification came.
    result<uint64_t> on_discarded(uint32_t donor, pfn_range range) noexcept requires discardable {
        return drop_discarded_range(donor, range);
    }

    // ---- observation ------------------------------------------------------------------------

    pool_stats stats() const noexcept {
        lock_guard guard(lock_);
        pool_stats out = pool_stats_of(stats_);
        out.cached = cached_;
        out.stale = stale_;
        return out;
    }

    // Whether the donor's page is lent to the pool now (false: the donor holds it).
    result<bool> is_donated(uint32_t donor, pfn_t pfn) const noexcept {
        lock_guard guard(lock_);
        const result<uint32_t> slot = donors_.find(donor, pfn);
        if (!slot)
            return slot.error();
        return slots_[*slot].state() != slot_state::donor_owned;
    }

    uint32_t donor_count() const noexcept {
        lock_guard guard(lock_);
        return donors_.count();
    }

    result<donor_stats> donor_info(uint32_t donor) const noexcept {
        lock_guard guard(lock_);
        if (!donors_.known(donor))
            return errc::unknown_donor;
        const donor_entry& e = donors_[donor];
        return donor_stats{e.name, e.donated, e.cached, e.free, e.recalled};
    }

    // Checks the pool's invariants (docs/design.md) over the whole pool, one check per part
    // (invariants.hpp; O(pool size), for tests). Returns nullptr when they hold, else what is
    // broken. Call with no operation in flight.
    const char* check_invariants() const noexcept;

private:
    using lock_type = typename Config::lock;
    using slot_view = pool_slot_view<Config::max_donors>;
    static constexpr bool drop_whole = Config::on_partial_take == partial_take::drop_whole_folio;
    static constexpr bool exclusive = Config::on_restore == restore_mode::exclusive;

    cleancache_pool() noexcept = default;

    // ---- layout: one buffer, carved at construction ------------------------------------------

    struct layout {
        size_t slots, index, folios, placement, inodes, filesystems, ranges, discards, total;
    };
    static constexpr layout layout_of(const pool_geometry& g) noexcept {
        layout l{};
        size_t at = align_up(sizeof(cleancache_pool));
        const auto carve = [&at](size_t bytes) noexcept {
            const size_t here = at;
            at = align_up(at + bytes);
            return here;
        };
        l.slots = carve(size_t{g.slots} * sizeof(slot_meta));
        l.index = carve(page_index::storage_bytes(g.bucket_count()));
        l.folios = carve(folio_rings<typename Config::eviction>::storage_bytes(g.slots));
        l.placement =
            carve(Config::placement::storage_bytes(g.slots, Config::max_donors, g.max_block_pages));
        l.inodes = carve(inode_table::storage_bytes(g.inode_capacity()));
        l.filesystems = carve(filesystem_table::storage_bytes(g.filesystems));
        l.ranges = carve(size_t{g.max_ranges} * sizeof(donor_range));
        l.discards = carve(discard_records<discardable>::storage_bytes(g.slots)); // 0 if none
        l.total = at;
        return l;
    }

    void attach(unsigned char* base, const pool_geometry& g) noexcept {
        const layout l = layout_of(g);
        geometry_ = g;
        page_bytes_ = page_bytes(g.page);
        slots_ = reinterpret_cast<slot_meta*>(base + l.slots);
        for (uint32_t i = 0; i < g.slots; ++i)
            slots_[i] = slot_meta{0, 0, 0, 0, 0, 0, no_slot, no_slot};
        index_.attach(base + l.index, g.bucket_count(), slots_, g.hash_seed);
        folios_.attach(base + l.folios, slots_, g.slots);
        placement_.attach(base + l.placement, g.slots, Config::max_donors, g.max_block_pages);
        inodes_.attach(base + l.inodes, g.inode_capacity(), g.hash_seed ^ 0x5851F42D4C957F2Dull);
        filesystems_.attach(base + l.filesystems, g.filesystems);
        donors_.attach(reinterpret_cast<donor_range*>(base + l.ranges), g.max_ranges, g.slots);
        discards_.attach(base + l.discards, g.slots);
    }

    // ---- steps every operation shares (under the lock) ------------------------------------

    static errc check_folio(const page_key& key, unsigned order) noexcept {
        if (order > max_order)
            return errc::order_too_large;
        if (!is_aligned(key.index, uint64_t{1} << order))
            return errc::folio_unaligned;
        if (key.index > max_page_index - ((uint64_t{1} << order) - 1))
            return errc::index_too_large;
        return errc::ok;
    }

    auto generation_of() const noexcept {
        return [this](uint16_t fs) noexcept { return filesystems_.generation(fs); };
    }
    bool handle_live(uint32_t handle) const noexcept {
        return inodes_.live(handle, generation_of());
    }
    // The live handle of (fs, inode), or no_inode. The last one found is remembered:
    // consecutive operations on one file (the common case) then skip the hash and the entry.
    // The memo holds while no handle died or was freed and no filesystem was invalidated.
    uint32_t live_handle(fs_id fs, uint64_t inode) noexcept {
        if (memo_.handle != no_inode && memo_.epoch == handle_epoch() && memo_.inode == inode &&
            memo_.fs == fs)
            return memo_.handle;
        const uint32_t handle = inodes_.find(static_cast<uint16_t>(fs), inode, generation_of());
        if (handle != no_inode)
            remember_handle(fs, inode, handle);
        return handle;
    }
    void remember_handle(fs_id fs, uint64_t inode, uint32_t handle) noexcept {
        memo_ = handle_memo{inode, fs, handle, handle_epoch()};
    }
    uint32_t handle_epoch() const noexcept { return inodes_.changes() + fs_invalidations_; }

    void count_restored(uint32_t restored, uint32_t pages) noexcept {
        stats_.record(pool_event::restored, restored);
        stats_.record(pool_event::missed, pages - restored);
    }

    // Accounting: a page of (handle, fs) held by donor `d` became restorable ...
    void count_cached(uint32_t handle, fs_id fs, uint32_t d) noexcept {
        ++inodes_[handle].cached;
        ++filesystems_.cached(fs);
        ++donors_[d].cached;
        ++cached_;
    }
    // ... or a cached page left: restorable (live inode) or already invalidated (stale).
    void uncount_cached(uint32_t slot, uint32_t d) noexcept {
        inode_table::entry& inode = inodes_[slot_handle(slot)];
        --inode.cached;
        --donors_[d].cached;
        if (stale_ == 0 || handle_live(slot_handle(slot))) { // no stale page at all: live
            --filesystems_.cached(inode.fs);
            --cached_;
        } else {
            --stale_;
        }
    }
    uint32_t slot_handle(uint32_t slot) const noexcept { return slots_[slot].inode; }

    // The page no longer holds data: free, or draining while a copy is still in flight.
    void release_slot(uint32_t slot, uint32_t d) noexcept {
        if (slots_[slot].copiers != 0) {
            slots_[slot].set_state(slot_state::draining);
            return;
        }
        finish_release(slot, d);
    }
    void finish_release(uint32_t slot) noexcept { finish_release(slot, donors_.donor_of(slot)); }
    void finish_release(uint32_t slot, uint32_t d) noexcept {
        slots_[slot].set_state(slot_state::free);
        inodes_.unref(slot_handle(slot));
        --donors_[d].holding;
        ++donors_[d].free;
        slot_view view(slots_, donors_);
        placement_.release(view, d, slot);
    }

    // A cached page leaves the pool (invalidated, or replaced by a store); `bucket`, its index
    // chain when the caller has it.
    void drop_page(uint32_t slot) noexcept { drop_page(slot, index_.bucket_of(slot)); }
    void drop_page(uint32_t slot, uint32_t& bucket) noexcept {
        const uint32_t d = donors_.donor_of(slot);
        folios_.remove_page(slot);
        index_.unlink(slot, bucket);
        uncount_cached(slot, d);
        release_slot(slot, d);
    }

    // Why a cached page leaves the pool with its folio (folio_leaves()).
    enum class leaving : uint8_t {
        evicted,   // the eviction policy chose the folio (the page: its head)
        taken,     // a donor took the page back: it stays with the donor, not released
        discarded, // the host discarded the page: it stays donated, its slot released
    };

    // A cached page leaves the pool and takes its folio with it: always when evicted, under
    // drop_whole_folio when taken back or discarded (else it leaves alone). Every page is
    // uncounted and released (but a taken page, which goes back to its donor); an evicted
    // folio's pages leave the index now, the others' entries stay behind as stale entries
    // (unlinked by later lookups), so that take-back and discard stay O(2^max_order) steps.
    // Counts the evicted folio's pages as reclaimed, a dropped folio's other pages as
    // collateral_dropped, when they were restorable (a page of an invalidated inode was counted
    // as invalidated already; a folio's pages share their inode). Returns whether the page was
    // restorable, for the caller's own counter.
    template <leaving Why>
    bool folio_leaves(uint32_t slot) noexcept {
        const bool live = handle_live(slot_handle(slot));
        const auto leave = [this, slot](uint32_t at) noexcept {
            const uint32_t d = donors_.donor_of(at);
            if constexpr (Why == leaving::evicted)
                index_.unlink(at);
            uncount_cached(at, d);
            if (Why == leaving::taken && at == slot) {
                inodes_.unref(slots_[at].inode);
                --donors_[d].holding;
            } else {
                release_slot(at, d);
            }
        };
        if constexpr (Why == leaving::evicted) {
            const uint32_t pages = folios_.remove_folio(slot, true, leave);
            stats_.record(pool_event::reclaimed, live ? pages : 0);
        } else if (drop_whole && slots_[slot].link != slot) {
            const uint32_t pages = folios_.remove_folio(folios_.head_of(slot), false, leave);
            stats_.record(pool_event::collateral_dropped, live ? pages - 1 : 0);
        } else {
            folios_.remove_page(slot);
            leave(slot);
        }
        return live;
    }

    // Eviction and lazy reclaim of invalidated pages, for stores (frontend.hpp).
    bool evict_one() noexcept;
    void sweep(uint32_t budget) noexcept;

    void* page_address(uint32_t slot) noexcept {
        return memory_.address(slot, donors_.pfn_of(slot));
    }

    // Steps of the frontend and backend operations (frontend.hpp, backend.hpp).
    uint32_t acquire_inode(const page_key& key) noexcept;
    uint32_t claim_slots(uint32_t pages, uint32_t handle, uint64_t index, unsigned order,
                         uint32_t* out) noexcept;
    void claim(uint32_t slot, uint32_t d, uint32_t handle, uint64_t index, unsigned order) noexcept;
    void release_pending(uint32_t slot) noexcept;
    void replace_range_locked(uint32_t handle, uint64_t index, uint32_t pages,
                              uint32_t** buckets) noexcept;
    uint32_t invalidate_range_locked(const page_key& key, unsigned order) noexcept;
    void invalidate_fs_locked(fs_id fs, bool remove) noexcept;
    void publish(const page_key& key, const uint32_t* slots, uint32_t pages, uint32_t handle,
                 uint32_t* const* buckets, bool lock_was_released) noexcept;
    template <bool Copying>
    void begin_restore(const page_key& key, uint32_t pages, uint32_t* found) noexcept;
    bitmap finish_restore(uint32_t pages, const uint32_t* found, const bitmap& intact) noexcept;
    errc donate_locked(uint32_t donor, pfn_t pfn) noexcept;
    errc take_locked(uint32_t donor, pfn_t pfn, uint32_t* slot_out) noexcept;
    void take_cached(uint32_t donor, uint32_t slot) noexcept;

    // Discard steps (discard.hpp; discardable page memory only).
    void store_into_discardable(const uint32_t* slots, uint32_t pages, const void* source,
                                uint32_t* generations, bitmap& discarded) noexcept;
    bool keep_undiscarded(const uint32_t* slots, uint32_t pages, const uint32_t* generations,
                          const bitmap& discarded) noexcept;
    bool record_generations_locked(const uint32_t* slots, uint32_t pages) noexcept;
    bitmap restore_from_discardable(const uint32_t* found, const uint32_t* recorded, uint32_t pages,
                                    void* sink) noexcept;
    void drop_discarded_found(uint32_t pages, const uint32_t* found, const bitmap& intact) noexcept;
    void detect_discards_locked(const page_key& key, uint32_t pages) noexcept;
    bool drop_discarded(uint32_t slot) noexcept;
    result<uint64_t> drop_discarded_range(uint32_t donor, pfn_range range) noexcept;
    uint32_t discard_generation(uint32_t slot) const noexcept {
        return memory_.discard_generation(slot, donors_.pfn_of(slot));
    }

    // Parts of check_invariants() (invariants.hpp).
    const char* check_donors() const noexcept;
    const char* check_accounting() const noexcept;
    const char* check_discards() const noexcept;

    // ---- data -----------------------------------------------------------------------------

    mutable lock_type lock_;
    pool_geometry geometry_{};
    uint64_t page_bytes_ = 0;
    slot_meta* slots_ = nullptr;
    page_index index_;
    folio_rings<typename Config::eviction> folios_;
    inode_table inodes_;
    filesystem_table filesystems_;
    donor_table<Config::max_donors> donors_;
    typename Config::placement placement_{};
    typename Config::admission admission_{};
    typename Config::donor_choice donor_choice_{};
    page_memory_type memory_{};
    typename Config::stats stats_{};
    uint64_t cached_ = 0; // restorable pages
    uint64_t stale_ = 0;  // pages of invalidated inodes or filesystems not yet reclaimed
    uint32_t sweep_hand_ = 0;
    struct handle_memo {
        uint64_t inode;
        fs_id fs;
        uint32_t handle = no_inode;
        uint32_t epoch;
    } memo_{0, 0, no_inode, 0};     // live_handle()'s last answer
    uint32_t fs_invalidations_ = 0; // advanced by invalidate_fs and remove_fs (wraps)
    uint32_t lock_releases_ = 0;    // times an operation let others in mid-way (wraps)
    // Last, so that pools without discardable memory keep the layout they had without it.
    [[no_unique_address]] discard_records<discardable> discards_; // empty unless discardable
};

// At most 32 bytes of metadata per 4 KiB slot, index included, for the default configuration
// (docs/design.md, "Targets"). Per 16 slots: 16 slot records (20 bytes), 16 LRU link pairs
// (8), at most 8 index buckets (4), and one interned inode handle (28) with its half bucket (2).
inline constexpr size_t default_pool_bytes_per_slot_x16 =
    16 * (sizeof(slot_meta) + lru_eviction::bytes_per_slot) + 8 * sizeof(uint32_t) +
    sizeof(inode_table::entry) + sizeof(uint32_t) / 2;
static_assert(default_pool_bytes_per_slot_x16 <= 32 * 16,
              "the default pool configuration must fit 32 bytes per slot");

} // namespace tagcache

#include "backend.hpp"
#include "discard.hpp"
#include "frontend.hpp"
#include "invariants.hpp"
