// pool_core: what cleancache_pool (../cleancache_pool.hpp, its public face) is made of. The
// class holds the pool's parts, each a class of its own (slot.hpp, page_index.hpp,
// folio_rings.hpp, inode_table.hpp, filesystem_table.hpp, donor_table.hpp), the policies of
// its configuration and the steps every operation shares; it declares the operations, whose
// definitions read top to bottom one file each: store.hpp, restore.hpp, invalidation.hpp,
// take_back.hpp (donation, take-back and the host's discard notices), invariants.hpp. How
// pages are copied in and out is page_copy.hpp's, one class per kind of page memory.
// Freestanding: no exceptions, no allocation after attach().
//
// Concurrency (docs/design.md, "Take-back"): page copies run outside the pool lock. A copy
// marks its slot (copiers > 0) under the lock, copies, and publishes under the lock again; a
// slot with copiers > 0 is never handed to another store. take_back() marks the page taken
// under the lock, releases it, and waits until copiers reaches 0: at most one folio copy plus
// one critical section per CPU queued on the (FIFO) lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../base/base.hpp"
#include "../../concepts/concepts.hpp"
#include "../default_pool_config.hpp"
#include "../donors.hpp"
#include "../geometry.hpp"
#include "../key.hpp"
#include "../pool_config.hpp"
#include "../pool_stats.hpp"
#include "discard_records.hpp"
#include "donor_table.hpp"
#include "filesystem_table.hpp"
#include "folio_rings.hpp"
#include "inode_table.hpp"
#include "page_copy.hpp"
#include "page_count.hpp"
#include "page_index.hpp"
#include "slot.hpp"
#include "slot_view.hpp"

namespace tagcache::detail {

template <pool_config Config>
class pool_core {
public:
    using bitmap = folio_bitmap<Config::max_order>;
    using page_memory_type = typename Config::page_memory;
    static constexpr unsigned max_order = Config::max_order;
    static constexpr bool discardable = discardable_page_memory<page_memory_type>;

    // ---- layout: one buffer, carved at construction ------------------------------------------

    struct layout {
        size_t slots, index, folios, placement, inodes, filesystems, ranges, discards, total;
    };
    static constexpr layout layout_of(const pool_geometry& g) noexcept {
        layout l{};
        size_t at = align_up(sizeof(pool_core));
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
    static constexpr size_t fixed_bytes(const pool_geometry& g) noexcept {
        return size_t{g.slots} * sizeof(slot_meta) + Config::eviction::storage_bytes(g.slots) +
               Config::placement::storage_bytes(g.slots, 0, 0) +
               size_t{g.bucket_count()} * sizeof(uint32_t) +
               discard_records<discardable>::storage_bytes(g.slots);
    }

    // Sets the parts up in `base` (this object's own address, laid out by layout_of(g)).
    void attach(unsigned char* base, const pool_geometry& g, page_memory_type memory) noexcept {
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
        memory_ = memory;
    }

    // ---- the operations (documented in ../cleancache_pool.hpp) ------------------------------

    const pool_geometry& geometry() const noexcept { return geometry_; }

    result<fs_id> add_fs() noexcept {
        lock_guard guard(lock_);
        return filesystems_.add();
    }
    result<void> remove_fs(fs_id fs) noexcept;                                  // invalidation
    result<void> store(const page_key& key, unsigned order, const void* source, // store
                       bool workingset = true) noexcept;
    void reclaim_stale(uint32_t slots) noexcept;                                      // store
    result<bitmap> restore(const page_key& key, unsigned order, void* sink) noexcept; // restore
    template <class Sink>
    result<uint64_t> restore_run(fs_id fs, uint64_t inode, uint64_t first, uint64_t count,
                                 Sink&& sink) noexcept;                    // restore
    result<void> invalidate(const page_key& key, unsigned order) noexcept; // invalidation
    result<void> invalidate_inode(fs_id fs, uint64_t inode) noexcept;      // invalidation
    result<void> invalidate_fs(fs_id fs) noexcept;                         // invalidation

    result<uint32_t> register_donor(const char* name, span<const pfn_range> ranges,
                                    uint32_t block_pages = 1, uint64_t quota = 0,
                                    block_share share = {}) noexcept {
        lock_guard guard(lock_);
        return donors_.add(name, ranges, block_pages, geometry_.max_block_pages, quota, share);
    }
    errc check_donor(span<const pfn_range> ranges, uint32_t block_pages = 1,
                     block_share share = {}) const noexcept {
        lock_guard guard(lock_);
        return donors_.check(ranges, block_pages, geometry_.max_block_pages, share);
    }
    donor_room room_for_donors() const noexcept {
        lock_guard guard(lock_);
        return donors_.room();
    }
    // take_back.hpp:
    result<void> donate(uint32_t donor, pfn_t pfn) noexcept;
    template <class OnRefused>
    uint64_t donate_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept;
    result<void> take_back(uint32_t donor, pfn_t pfn) noexcept;
    template <class OnRefused>
    uint64_t take_back_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept;
    result<uint64_t> on_discarded(uint32_t donor, pfn_range range) noexcept; // discardable only

    pool_stats stats() const noexcept {
        lock_guard guard(lock_);
        pool_stats out = pool_stats_of(stats_);
        out.cached = cached_;
        out.stale = stale_;
        return out;
    }
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
    const char* check_invariants() const noexcept; // invariants.hpp

private:
    template <class Pool, page_memory_kind Kind>
    friend struct page_copy;
    using copy = page_copy<pool_core>;
    using lock_type = typename Config::lock;
    using slot_view = pool_slot_view<Config::max_donors>;
    static constexpr bool drop_whole = Config::on_partial_take == partial_take::drop_whole_folio;
    static constexpr bool exclusive = Config::on_restore == restore_mode::exclusive;

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
    // The live handle of (fs, inode), or no_inode; the last one found is remembered
    // (inode_table::remembers).
    [[gnu::always_inline]] uint32_t live_handle(fs_id fs, uint64_t inode) noexcept {
        if (inodes_.remembers(fs, inode)) [[likely]]
            return inodes_.remembered();
        return find_handle(fs, inode);
    }
    [[gnu::noinline]] uint32_t find_handle(fs_id fs, uint64_t inode) noexcept {
        const uint32_t handle = inodes_.find(static_cast<uint16_t>(fs), inode, generation_of());
        if (handle != no_inode)
            inodes_.remember(fs, inode, handle);
        return handle;
    }

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
    uint32_t slot_handle(uint32_t slot) const noexcept { return slots_[slot].inode(); }

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

    // A store's claim on the slot its eviction frees (folio_leaves(), take_over()).
    struct handover {
        uint32_t handle;
        uint64_t index;
        unsigned order;
        uint32_t slot; // the slot taken over, or no_slot
    };
    static constexpr bool places_last_released_first = requires {
        requires Config::placement::places_last_released_first;
    };

    // Why a cached page leaves the pool with its folio (folio_leaves()).
    enum class leaving : uint8_t {
        evicted,   // the eviction policy chose the folio (the page: its head)
        taken,     // a donor took the page back: it goes to the donor, not released
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
    //
    // `into` (eviction for an order-0 store, see claim_slots()): when the evicted folio is one
    // page that no copy reads, and the policy needs no further eviction, its slot passes to the
    // store (take_over()) instead of being released.
    template <leaving Why>
    bool folio_leaves(uint32_t slot, handover* into = nullptr) noexcept {
        const bool live = handle_live(slot_handle(slot));
        const bool alone = slots_[slot].link == slot;
        const auto leave = [this, slot, into, alone](uint32_t at) noexcept {
            const uint32_t d = donors_.donor_of(at);
            if constexpr (Why == leaving::evicted)
                index_.unlink(at);
            uncount_cached(at, d);
            if (Why == leaving::taken && at == slot) {
                inodes_.unref(slots_[at].inode());
                --donors_[d].holding;
            } else if (Why == leaving::evicted && into != nullptr && alone &&
                       slots_[at].copiers == 0 && !folios_.eviction_incomplete() &&
                       donors_.has_room_after_release(d)) {
                take_over(at, *into);
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

    // The host discarded a cached page's data (page_copy.hpp, take_back.hpp): it leaves as a
    // page taken back would, but stays donated. Returns whether it was restorable, which is
    // what `discarded` counts.
    bool drop_discarded(uint32_t slot) noexcept {
        const bool live = folio_leaves<leaving::discarded>(slot);
        if (live)
            stats_.record(pool_event::discarded, 1);
        return live;
    }

    // Copying one page in or out, the one place that does (page_copy.hpp's kinds call them).
    void* page_address(uint32_t slot) noexcept {
        return memory_.address(slot, donors_.pfn_of(slot));
    }
    void copy_page_in(void* page, const void* from) noexcept {
        if constexpr (page_memory_copies_into_pages<page_memory_type>)
            memory_.copy_into_page(page, from, page_bytes_);
        else
            __builtin_memcpy(page, from, page_bytes_);
    }
    void copy_page_out(void* to, const void* page) noexcept {
        __builtin_memcpy(to, page, page_bytes_);
    }
    uint32_t discard_generation(uint32_t slot) const noexcept {
        return memory_.discard_generation(slot, donors_.pfn_of(slot));
    }

    // Steps of the operations, each defined in its operation's file.
    bool evict_one(handover* into = nullptr) noexcept;                           // store.hpp
    void take_over(uint32_t slot, handover& into) noexcept;                      // store.hpp
    void sweep(uint32_t budget) noexcept;                                        // store.hpp
    [[gnu::always_inline]] uint32_t acquire_inode(const page_key& key) noexcept; // store.hpp
    [[gnu::noinline]] uint32_t acquire_new_inode(const page_key& key) noexcept;  // store.hpp
    template <uint32_t Fixed>
    result<void> store_folio(const page_key& key, unsigned order, page_count<Fixed> pages,
                             const void* source, bool workingset) noexcept; // store.hpp
    template <uint32_t Fixed>
    uint32_t claim_slots(page_count<Fixed> pages, uint32_t handle, uint64_t index, unsigned order,
                         uint32_t* out) noexcept; // store.hpp
    [[gnu::always_inline]] void claim(uint32_t slot, uint32_t d, uint32_t handle, uint64_t index,
                                      unsigned order) noexcept; // store.hpp
    void release_pending(uint32_t slot) noexcept;               // store.hpp
    template <uint32_t Fixed>
    void replace_range_locked(uint32_t handle, uint64_t index, page_count<Fixed> pages,
                              uint32_t** buckets) noexcept; // store.hpp
    template <uint32_t Fixed>
    void publish(const page_key& key, const uint32_t* slots, page_count<Fixed> pages,
                 uint32_t handle, uint32_t* const* buckets,
                 bool lock_was_released) noexcept; // store.hpp
    template <uint32_t Fixed>
    result<bitmap> restore_folio(const page_key& key, page_count<Fixed> pages,
                                 void* sink) noexcept; // restore.hpp
    template <bool Copying, uint32_t Fixed>
    void begin_restore(const page_key& key, page_count<Fixed> pages, uint32_t* found) noexcept;
    template <uint32_t Fixed>
    bitmap finish_restore(page_count<Fixed> pages, const uint32_t* found,
                          const bitmap& intact) noexcept;
    uint32_t invalidate_range_locked(const page_key& key, unsigned order) noexcept;
    void invalidate_fs_locked(fs_id fs, bool remove) noexcept; // invalidation.hpp
    errc donate_locked(uint32_t donor, pfn_t pfn) noexcept;    // take_back.hpp
    errc take_locked(uint32_t donor, pfn_t pfn, uint32_t* slot_out) noexcept;
    void take_cached(uint32_t donor, uint32_t slot) noexcept; // take_back.hpp
    const char* check_donors() const noexcept;                // invariants.hpp
    const char* check_accounting() const noexcept;            // invariants.hpp
    const char* check_discards() const noexcept;              // invariants.hpp

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
    uint32_t lock_releases_ = 0; // times an operation let others in mid-way (wraps)
    // Last, so that pools without discardable memory keep the layout they had without it.
    [[no_unique_address]] discard_records<discardable> discards_; // empty unless discardable
};

} // namespace tagcache::detail
