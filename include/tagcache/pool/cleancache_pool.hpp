// cleancache_pool: a folio-aware cleancache of clean file pages, held in pages that donors
// lend and take back at any moment. Frontend (store, restore, invalidate) after the 2025
// cleancache and the old cleancache_ops; backend (register_donor, donate, take_back) after
// the 2025 series' backend API. Freestanding: no exceptions, no allocation after create().
//
// Concurrency (DESIGN.md "Concurrency and bounded take-back"): page copies run outside the
// pool lock. A copy marks its slot (copiers > 0) under the lock, copies, and publishes under
// the lock again; a slot with copiers > 0 is never handed to another store. take_back() marks
// the page taken under the lock, releases it, and waits until copiers reaches 0: at most one
// folio copy plus one critical section per CPU queued on the (FIFO) lock.
#pragma once

#include "pool_steps.hpp"

namespace tagcache {

// Counters, named as the 2025 cleancache's sysfs files (/sys/kernel/mm/cleancache).
struct pool_stats {
    uint64_t stored = 0, skipped = 0, restored = 0, missed = 0, reclaimed = 0, recalled = 0,
             invalidated = 0, collateral_dropped = 0;
    uint64_t cached = 0; // gauge: pages a restore can return
    uint64_t stale = 0;  // gauge: invalidated pages not yet reclaimed (lazy invalidation)
};

// Per donor, as the 2025 series' per-pool sysfs directory, plus what placement sees.
struct donor_stats {
    const char* name = "";
    uint64_t size = 0;     // pages donated and not taken back
    uint64_t cached = 0;   // of those, pages holding data
    uint64_t free = 0;     // of those, pages holding nothing
    uint64_t recalled = 0; // pages taken back while holding data
};

template <class Config = default_pool_config>
class cleancache_pool : private pool_steps<Config> {
    using base = pool_steps<Config>;
    using base::none;
    using typename base::layout;

public:
    using config = Config;
    using bitmap = folio_bitmap<Config::max_order>;
    using page_memory_type = typename base::page_memory_type;
    static constexpr unsigned max_order = Config::max_order;

    // ---- construction ---------------------------------------------------------------------

    // Bytes create() needs for `geometry`: the pool object and all its metadata.
    static constexpr size_t required_bytes(const pool_geometry& geometry) noexcept {
        return base::layout_of(geometry, sizeof(cleancache_pool)).total;
    }

    // Metadata bytes per slot that do not depend on the workload: slot, eviction policy,
    // placement policy and index buckets (at most one per two slots by default).
    static constexpr double fixed_bytes_per_slot(const pool_geometry& geometry) noexcept {
        return double(sizeof(slot_meta)) +
               double(Config::eviction::storage_bytes(geometry.slots)) / geometry.slots +
               double(Config::placement::storage_bytes(geometry.slots, 0, 0)) / geometry.slots +
               double(geometry.bucket_count()) * sizeof(uint32_t) / geometry.slots;
    }

    // Builds a pool at the start of `buffer` (aligned to 64 bytes, at least required_bytes()).
    static result<cleancache_pool*> create(void* buffer, size_t bytes,
                                           const pool_geometry& geometry,
                                           page_memory_type memory = {}) noexcept {
        if (geometry.slots == 0 || geometry.slots >= none || !is_valid(geometry.page) ||
            geometry.filesystems == 0 || geometry.filesystems > 0x7FFF ||
            geometry.max_ranges == 0 || geometry.max_block_pages == 0 ||
            geometry.inode_capacity() > inode_table::max_capacity ||
            !is_power_of_two(geometry.bucket_count()))
            return errc::invalid_geometry;
        if (buffer == nullptr || bytes < required_bytes(geometry) ||
            !is_aligned(reinterpret_cast<uintptr_t>(buffer), 64))
            return errc::buffer_too_small;
        auto* pool = ::new (buffer, placement) cleancache_pool();
        pool->attach(static_cast<unsigned char*>(buffer),
                     base::layout_of(geometry, sizeof(cleancache_pool)), geometry);
        pool->memory_ = memory;
        return pool;
    }

    cleancache_pool(const cleancache_pool&) = delete;
    cleancache_pool& operator=(const cleancache_pool&) = delete;

    const pool_geometry& geometry() const noexcept { return this->geometry_; }

    // ---- frontend: filesystems ------------------------------------------------------------

    result<fs_id> add_fs() noexcept {
        lock_guard guard(this->lock_);
        for (fs_id fs = 0; fs < this->geometry_.filesystems; ++fs) {
            if (!this->filesystems_[fs].active) {
                this->filesystems_[fs].active = true;
                return fs;
            }
        }
        return errc::too_many_filesystems;
    }

    // Invalidates every page of `fs` (lazily) and frees its id.
    result<void> remove_fs(fs_id fs) noexcept {
        lock_guard guard(this->lock_);
        if (!this->fs_valid(fs))
            return errc::unknown_filesystem;
        this->invalidate_fs_locked(fs);
        this->filesystems_[fs].active = false;
        return {};
    }

    // ---- frontend: pages ------------------------------------------------------------------

    // Stores the folio of 2^order pages at key.index (a multiple of 2^order) from `source`
    // (2^order consecutive pages; ignored without page memory). Replaces every cached page the
    // folio overlaps. `workingset`: the caller's PG_workingset hint, for admission.
    result<void> store(const page_key& key, unsigned order, const void* source,
                       bool workingset = true) noexcept {
        if (const errc bad = base::check_folio(key, order); bad != errc::ok)
            return bad;
        const uint32_t pages = uint32_t{1} << order;
        uint32_t slots[bitmap::max_pages];
        uint32_t claimed = 0;
        uint32_t handle = none;
        {
            lock_guard guard(this->lock_);
            if (!this->fs_valid(key.fs))
                return errc::unknown_filesystem;
            if (!this->admission_.admit(workingset)) {
                // A store that is not kept must not leave an older copy behind.
                this->invalidate_range_locked(key, order);
                this->stats_.record(pool_event::skipped, pages);
                return errc::not_admitted;
            }
            this->sweep(Config::sweep_batch);
            handle = this->acquire_inode(key);
            if (handle != none) {
                this->eviction_.before_insert((uint64_t{handle} << page_index_bits) | key.index);
                claimed = this->claim_slots(pages, handle, key.index, order, slots);
            }
            if (claimed < pages) {
                for (uint32_t i = 0; i < claimed; ++i)
                    this->release_pending(slots[i]);
                if (handle != none)
                    this->inodes_.unref(handle);
                this->invalidate_range_locked(key, order);
                this->stats_.record(pool_event::skipped, pages);
                return errc::no_space;
            }
        }
        if constexpr (page_memory_type::holds_data) {
            if (source != nullptr)
                for (uint32_t i = 0; i < pages; ++i)
                    __builtin_memcpy(this->page_address(slots[i]),
                                     static_cast<const unsigned char*>(source) +
                                         i * this->page_bytes_,
                                     this->page_bytes_);
        }
        lock_guard guard(this->lock_);
        this->publish(key, slots, pages, handle);
        return {};
    }

    // Restores the folio of 2^order pages at key.index into `sink` (2^order pages; ignored
    // without page memory). Returns which pages it filled; it is a hit when all were.
    result<bitmap> restore(const page_key& key, unsigned order, void* sink) noexcept {
        if (const errc bad = base::check_folio(key, order); bad != errc::ok)
            return bad;
        const uint32_t pages = uint32_t{1} << order;
        uint32_t found[bitmap::max_pages];
        {
            lock_guard guard(this->lock_);
            if (!this->fs_valid(key.fs))
                return errc::unknown_filesystem;
            this->begin_restore(key, pages, found);
        }
        if constexpr (page_memory_type::holds_data) {
            if (sink != nullptr)
                for (uint32_t i = 0; i < pages; ++i)
                    if (found[i] != none)
                        __builtin_memcpy(static_cast<unsigned char*>(sink) + i * this->page_bytes_,
                                         this->page_address(found[i]), this->page_bytes_);
        }
        lock_guard guard(this->lock_);
        return this->template finish_restore<bitmap>(pages, found);
    }

    // The readahead walk: restores order-0 pages first, first + 1, ... into sink(index)
    // (a void* per page), stopping at the first miss; returns how many it restored.
    template <class Sink>
    result<uint64_t> restore_run(fs_id fs, uint64_t inode, uint64_t first, uint64_t count,
                                 Sink&& sink) noexcept {
        {
            lock_guard guard(this->lock_);
            if (!this->fs_valid(fs))
                return errc::unknown_filesystem;
            if (count != 0 && this->live_handle(fs, inode) == none) {
                this->stats_.record(pool_event::missed, count); // nothing of the inode cached
                return uint64_t{0};
            }
        }
        for (uint64_t i = 0; i < count; ++i) {
            const auto filled = restore(page_key{fs, inode, first + i}, 0, sink(first + i));
            if (!filled)
                return filled.error();
            if (filled->none())
                return i;
        }
        return count;
    }

    // Drops the pages of the folio (key.index, order) from the pool.
    result<void> invalidate(const page_key& key, unsigned order) noexcept {
        if (const errc bad = base::check_folio(key, order); bad != errc::ok)
            return bad;
        lock_guard guard(this->lock_);
        if (!this->fs_valid(key.fs))
            return errc::unknown_filesystem;
        this->stats_.record(pool_event::invalidated, this->invalidate_range_locked(key, order));
        return {};
    }

    // Drops every page of an inode: O(1) now (the inode stops resolving), its slots reclaimed
    // later in bounded batches.
    result<void> invalidate_inode(fs_id fs, uint64_t inode) noexcept {
        lock_guard guard(this->lock_);
        if (!this->fs_valid(fs))
            return errc::unknown_filesystem;
        const uint32_t handle = this->live_handle(fs, inode);
        if (handle == none)
            return {};
        const uint64_t pages = this->inodes_[handle].cached;
        this->filesystems_[fs].cached -= pages;
        this->cached_ -= pages;
        this->stale_ += pages;
        this->stats_.record(pool_event::invalidated, pages);
        this->inodes_.kill(handle);
        return {};
    }

    // Drops every page of a filesystem: O(1) now, reclaimed lazily.
    result<void> invalidate_fs(fs_id fs) noexcept {
        lock_guard guard(this->lock_);
        if (!this->fs_valid(fs))
            return errc::unknown_filesystem;
        this->invalidate_fs_locked(fs);
        return {};
    }

    // Reclaims up to `slots` slots' worth of invalidated pages now (a shim may call this
    // from a work item; stores also do it, Config::sweep_batch slots at a time).
    void reclaim_stale(uint32_t slots) noexcept {
        while (slots != 0) {
            const uint32_t batch = slots < 64 ? slots : 64;
            lock_guard guard(this->lock_);
            this->sweep(batch);
            slots -= batch;
        }
    }

    // ---- backend: donors -------------------------------------------------------------------

    // Registers a donor: its pfn ranges (each a whole number of blocks) get pool slots now,
    // all donor-owned until donated. `block_pages`: the donor's block size in pages (a
    // tag-storage region's bsp); `quota`: the most pages of it that may hold data (0: all).
    result<uint32_t> register_donor(const char* name, span<const pfn_range> ranges,
                                    uint32_t block_pages = 1, uint64_t quota = 0) noexcept {
        lock_guard guard(this->lock_);
        return this->donors_.add(name, ranges, block_pages, this->geometry_.max_block_pages, quota);
    }

    // Lends a page of the donor to the pool.
    result<void> donate(uint32_t donor, pfn_t pfn) noexcept {
        lock_guard guard(this->lock_);
        if (const errc e = this->donate_locked(donor, pfn); e != errc::ok)
            return e;
        return {};
    }

    // Lends every page of `range`; pages that cannot be donated (not the donor's, already
    // donated) are refused one by one through on_refused(pfn, errc) and the rest accepted.
    // Returns how many were accepted. Holds the lock for at most 32 pages at a time.
    template <class OnRefused>
    uint64_t donate_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept {
        uint64_t accepted = 0;
        for (uint64_t done = 0; done < range.count;) {
            lock_guard guard(this->lock_);
            for (uint32_t batch = 0; batch < 32 && done < range.count; ++batch, ++done) {
                const errc e = this->donate_locked(donor, range.first + done);
                if (e == errc::ok)
                    ++accepted;
                else
                    on_refused(range.first + done, e);
            }
        }
        return accepted;
    }
    uint64_t donate_range(uint32_t donor, pfn_range range) noexcept {
        return donate_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // Takes a donated page back. Always succeeds for a page this donor donated, whatever it
    // holds: cached data is dropped (never copied), a store or restore copy in flight is
    // failed and waited out. Allocates nothing and never sleeps; O(2^max_order) steps plus one
    // critical section per CPU queued on the lock. When it returns, no pool copy can touch the
    // page again.
    result<void> take_back(uint32_t donor, pfn_t pfn) noexcept {
        uint32_t slot = none;
        {
            lock_guard guard(this->lock_);
            if (const errc e = this->take_locked(donor, pfn, &slot); e != errc::ok)
                return e;
        }
        while (this->slots_[slot].load_copiers() != 0)
            cpu_relax();
        return {};
    }

    // Takes back every page of `range`, one page per critical section; pages that cannot be
    // taken are reported through on_refused(pfn, errc). Returns how many were taken.
    template <class OnRefused>
    uint64_t take_back_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept {
        uint64_t taken = 0;
        for (uint64_t i = 0; i < range.count; ++i) {
            const auto r = take_back(donor, range.first + i);
            if (r)
                ++taken;
            else
                on_refused(range.first + i, r.error());
        }
        return taken;
    }
    uint64_t take_back_range(uint32_t donor, pfn_range range) noexcept {
        return take_back_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // ---- observation ------------------------------------------------------------------------

    pool_stats stats() const noexcept {
        lock_guard guard(this->lock_);
        pool_stats out;
        const auto& s = this->stats_;
        out.stored = s.count(pool_event::stored);
        out.skipped = s.count(pool_event::skipped);
        out.restored = s.count(pool_event::restored);
        out.missed = s.count(pool_event::missed);
        out.reclaimed = s.count(pool_event::reclaimed);
        out.recalled = s.count(pool_event::recalled);
        out.invalidated = s.count(pool_event::invalidated);
        out.collateral_dropped = s.count(pool_event::collateral_dropped);
        out.cached = this->cached_;
        out.stale = this->stale_;
        return out;
    }

    // Whether the donor's page is lent to the pool now (false: the donor holds it).
    result<bool> is_donated(uint32_t donor, pfn_t pfn) const noexcept {
        lock_guard guard(this->lock_);
        if (donor >= this->donors_.count())
            return errc::unknown_donor;
        const uint32_t slot = this->donors_.slot_of(donor, pfn);
        if (slot == none)
            return errc::not_donor_page;
        return this->slots_[slot].state() != slot_state::donor_owned;
    }

    uint32_t donor_count() const noexcept {
        lock_guard guard(this->lock_);
        return this->donors_.count();
    }

    result<donor_stats> donor_info(uint32_t donor) const noexcept {
        lock_guard guard(this->lock_);
        if (donor >= this->donors_.count())
            return errc::unknown_donor;
        const donor_entry& e = this->donors_[donor];
        return donor_stats{e.name, e.donated, e.cached, e.free, this->stats_.donor_recalled(donor)};
    }

    // Checks DESIGN.md invariants 1-4 over the whole pool (O(pool size); for tests). Returns
    // nullptr when they hold, else what is broken. Call with no operation in flight.
    const char* check_invariants() const noexcept;

private:
    cleancache_pool() noexcept = default;
};

// DESIGN.md: at most 32 bytes of metadata per 4 KiB slot, index included, for the default
// configuration. Per 16 slots: 16 slot records (20 bytes), 16 LRU link pairs (8), at most 8
// index buckets (4), and one interned inode handle (28) with its half bucket (2).
inline constexpr size_t default_pool_bytes_per_slot_x16 =
    16 * (sizeof(slot_meta) + lru_eviction::bytes_per_slot) + 8 * sizeof(uint32_t) +
    sizeof(inode_table::entry) + sizeof(uint32_t) / 2;
static_assert(default_pool_bytes_per_slot_x16 <= 32 * 16,
              "the default pool configuration must fit 32 bytes per slot");

} // namespace tagcache
