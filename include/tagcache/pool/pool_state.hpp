// The data of a cleancache pool and the internal steps its operations share. Every step here
// runs under the pool lock and is O(1) or O(2^max_order), except where it says "expected"
// (a hash chain walk). Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/base.hpp"
#include "../concepts/concepts.hpp"
#include "config.hpp"
#include "donor_table.hpp"
#include "geometry.hpp"
#include "hash.hpp"
#include "inode_table.hpp"
#include "slot.hpp"

namespace tagcache {

template <class Config>
class pool_state {
protected:
    using lock_type = typename Config::lock;
    using eviction_type = typename Config::eviction;
    using admission_type = typename Config::admission;
    using donor_choice_type = typename Config::donor_choice;
    using placement_type = typename Config::placement;
    using page_memory_type = typename Config::page_memory;
    using stats_type = typename Config::stats;
    static constexpr unsigned max_order = Config::max_order;
    static constexpr uint32_t max_donors = Config::max_donors;
    static constexpr bool drop_whole = Config::partial_take::drops_whole_folio;
    static constexpr bool exclusive = Config::restore_mode::exclusive;
    static constexpr uint32_t none = 0xFFFF'FFFFu;

    static_assert(max_order <= 15, "folio order is kept in 4 bits");
    static_assert(lock_policy<lock_type>);
    static_assert(eviction_policy<eviction_type>);
    static_assert(admission_policy<admission_type>);
    static_assert(donor_choice_policy<donor_choice_type>);
    static_assert(partial_take_policy<typename Config::partial_take>);
    static_assert(restore_mode_policy<typename Config::restore_mode>);
    static_assert(page_memory_policy<page_memory_type>);
    static_assert(stats_policy<stats_type>);

    struct fs_entry {
        uint32_t generation = 0; // bumped by invalidate_fs: older inode handles stop resolving
        bool active = false;
        uint64_t cached = 0; // restorable pages of this filesystem
    };

    // What placement policies see of the slots (concept free_slot_view).
    class slot_view {
    public:
        explicit slot_view(pool_state& pool) noexcept : pool_(pool) {}
        bool is_free(uint32_t slot) const noexcept {
            return pool_.slots_[slot].state() == slot_state::free;
        }
        uint32_t free_link(uint32_t slot) const noexcept { return pool_.slots_[slot].link; }
        void set_free_link(uint32_t slot, uint32_t next) noexcept {
            pool_.slots_[slot].link = next;
        }
        bool listed(uint32_t slot) const noexcept { return pool_.slots_[slot].listed(); }
        void set_listed(uint32_t slot, bool on) noexcept { pool_.slots_[slot].set_listed(on); }
        uint32_t donor_count() const noexcept { return pool_.donors_.count(); }
        uint32_t first_slot(uint32_t d) const noexcept { return pool_.donors_[d].first_slot; }
        uint32_t slot_count(uint32_t d) const noexcept { return pool_.donors_[d].slot_count; }
        uint32_t block_pages(uint32_t d) const noexcept { return pool_.donors_[d].block_pages; }

    private:
        pool_state& pool_;
    };
    static_assert(placement_policy<placement_type, slot_view>);

    // ---- layout -------------------------------------------------------------------------

    struct layout {
        size_t slots, buckets, eviction, placement, inodes, filesystems, ranges, total;
    };
    static constexpr size_t align_up(size_t x) noexcept { return (x + 63) & ~size_t{63}; }
    static constexpr layout layout_of(const pool_geometry& g, size_t header) noexcept {
        layout l{};
        size_t at = align_up(header);
        l.slots = at;
        at = align_up(at + size_t{g.slots} * sizeof(slot_meta));
        l.buckets = at;
        at = align_up(at + size_t{g.bucket_count()} * sizeof(uint32_t));
        l.eviction = at;
        at = align_up(at + eviction_type::storage_bytes(g.slots));
        l.placement = at;
        at = align_up(at + placement_type::storage_bytes(g.slots, max_donors, g.max_block_pages));
        l.inodes = at;
        at = align_up(at + inode_table::storage_bytes(g.inode_capacity()));
        l.filesystems = at;
        at = align_up(at + size_t{g.filesystems} * sizeof(fs_entry));
        l.ranges = at;
        at = align_up(at + size_t{g.max_ranges} * sizeof(donor_range));
        l.total = at;
        return l;
    }

    void attach(unsigned char* base, const layout& l, const pool_geometry& g) noexcept {
        geometry_ = g;
        page_bytes_ = page_bytes(g.page);
        slots_ = reinterpret_cast<slot_meta*>(base + l.slots);
        for (uint32_t i = 0; i < g.slots; ++i)
            slots_[i] = slot_meta{0, 0, 0, 0, 0, 0, none, none};
        buckets_ = reinterpret_cast<uint32_t*>(base + l.buckets);
        bucket_mask_ = g.bucket_count() - 1;
        for (uint32_t i = 0; i <= bucket_mask_; ++i)
            buckets_[i] = none;
        eviction_.attach(base + l.eviction, g.slots);
        placement_.attach(base + l.placement, g.slots, max_donors, g.max_block_pages);
        inodes_.attach(base + l.inodes, g.inode_capacity(), g.hash_seed ^ 0x5851F42D4C957F2Dull);
        filesystems_ = reinterpret_cast<fs_entry*>(base + l.filesystems);
        for (uint32_t i = 0; i < g.filesystems; ++i)
            ::new (static_cast<void*>(filesystems_ + i), placement) fs_entry();
        donors_.attach(reinterpret_cast<donor_range*>(base + l.ranges), g.max_ranges, g.slots);
    }

    // ---- the page index: (inode handle, page index) -> slot -----------------------------

    uint32_t bucket_of(uint32_t handle, uint64_t index) const noexcept {
        const uint64_t key = (uint64_t{handle} << page_index_bits) | index;
        return static_cast<uint32_t>(mix64(key, geometry_.hash_seed) >> 32) & bucket_mask_;
    }

    uint32_t& bucket_head(uint32_t handle, uint64_t index) noexcept {
        return buckets_[bucket_of(handle, index)];
    }

    // Inserts a slot into the chain that starts at `head` (its bucket's).
    void chain_insert(uint32_t& head, uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        s.hash_next = head;
        s.set_in_chain(true);
        head = slot;
    }

    // Expected O(1): finds the predecessor by walking the chain.
    void chain_unlink(uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        if (!s.in_chain())
            return;
        uint32_t* link = &buckets_[bucket_of(s.inode, s.index())];
        while (*link != slot) {
            TAGCACHE_ASSERT(*link != none, "slot missing from its index chain");
            link = &slots_[*link].hash_next;
        }
        *link = s.hash_next;
        s.hash_next = none;
        s.set_in_chain(false);
    }

    // The cached slot of (handle, index), or none. Entries a take-back left behind (no longer
    // cached) are unlinked on the way. Expected O(1).
    uint32_t chain_find(uint32_t handle, uint64_t index) noexcept {
        return chain_find(bucket_head(handle, index), handle, index);
    }
    uint32_t chain_find(uint32_t& head, uint32_t handle, uint64_t index) noexcept {
        uint32_t* link = &head;
        while (*link != none) {
            const uint32_t slot = *link;
            slot_meta& s = slots_[slot];
            if (s.state() != slot_state::cached) {
                *link = s.hash_next;
                s.hash_next = none;
                s.set_in_chain(false);
                continue;
            }
            if (s.inode == handle && s.index() == index)
                return slot;
            link = &s.hash_next;
        }
        return none;
    }

    // ---- filesystems and inodes -----------------------------------------------------------

    uint32_t fs_generation(uint16_t fs) const noexcept { return filesystems_[fs].generation; }
    auto generation_lookup() const noexcept {
        return [this](uint16_t fs) noexcept { return fs_generation(fs); };
    }
    bool fs_valid(fs_id fs) const noexcept {
        return fs < geometry_.filesystems && filesystems_[fs].active;
    }
    // The live handle of (fs, inode), or none. The last one found is remembered: consecutive
    // operations on one file (the common case) then skip the hash. The memo is checked against
    // the entry itself, so a handle freed or reused since cannot be returned by mistake.
    uint32_t live_handle(fs_id fs, uint64_t inode) noexcept {
        if (last_handle_ != none) {
            const inode_table::entry& e = inodes_[last_handle_];
            if (e.fs == fs && e.inode() == inode && handle_live(last_handle_))
                return last_handle_;
        }
        const uint32_t handle = inodes_.find(static_cast<uint16_t>(fs), inode, generation_lookup());
        if (handle != none)
            last_handle_ = handle;
        return handle;
    }
    bool handle_live(uint32_t handle) const noexcept {
        return inodes_.live(handle, generation_lookup());
    }

    // ---- folios ----------------------------------------------------------------------------

    // The head of the folio `slot` belongs to. O(2^max_order).
    uint32_t head_of(uint32_t slot) const noexcept {
        uint32_t at = slot;
        while (!slots_[at].head())
            at = slots_[at].link;
        return at;
    }

    // Takes a cached page out of its folio ring; the folio keeps its eviction position under
    // a new head, or leaves the eviction policy if this was its last page. O(2^max_order).
    void ring_remove(uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        if (s.link == slot) { // the folio's only page
            eviction_.on_remove(slot);
        } else {
            uint32_t before = s.link;
            while (slots_[before].link != slot)
                before = slots_[before].link;
            slots_[before].link = s.link;
            if (s.head()) {
                slots_[s.link].set_head(true);
                eviction_.on_move(slot, s.link);
            }
        }
        s.link = none;
        s.set_head(false);
    }

    // The page no longer holds data: free, or draining while a copy is still in flight.
    void release_slot(uint32_t slot, uint32_t d) noexcept {
        slot_meta& s = slots_[slot];
        if (s.copiers != 0) {
            s.set_state(slot_state::draining);
            return;
        }
        finish_release(slot, d);
    }
    void finish_release(uint32_t slot) noexcept { finish_release(slot, donors_.donor_of(slot)); }
    void finish_release(uint32_t slot, uint32_t d) noexcept {
        slot_meta& s = slots_[slot];
        s.set_state(slot_state::free);
        inodes_.unref(s.inode);
        --donors_[d].holding;
        ++donors_[d].free;
        slot_view view(*this);
        placement_.release(view, d, slot);
    }

    // Accounting for a cached page leaving: restorable (live inode) or already invalidated.
    void uncount_cached(uint32_t slot, uint32_t d) noexcept {
        slot_meta& s = slots_[slot];
        inode_table::entry& inode = inodes_[s.inode];
        --inode.cached;
        --donors_[d].cached;
        if (stale_ == 0 || handle_live(s.inode)) { // no stale page at all: this one is live
            --filesystems_[inode.fs].cached;
            --cached_;
        } else {
            --stale_;
        }
    }

    // A cached page leaves the pool (invalidated, replaced, evicted as part of its folio).
    void drop_page(uint32_t slot) noexcept {
        const uint32_t d = donors_.donor_of(slot);
        ring_remove(slot);
        chain_unlink(slot);
        uncount_cached(slot, d);
        release_slot(slot, d);
    }

    // A whole folio leaves; returns its page count. `evicted`: the eviction policy chose it.
    uint32_t drop_folio(uint32_t head, bool evicted) noexcept {
        if (evicted)
            eviction_.on_evict(head, slots_[head].folio_key());
        else
            eviction_.on_remove(head);
        uint32_t pages = 0;
        uint32_t at = head;
        do {
            const uint32_t next = slots_[at].link;
            slots_[at].link = none;
            slots_[at].set_head(false);
            const uint32_t d = donors_.donor_of(at);
            chain_unlink(at);
            uncount_cached(at, d);
            release_slot(at, d);
            ++pages;
            at = next;
        } while (at != head);
        return pages;
    }

    // Evicts the policy's victim; false when there is none.
    bool evict_one() noexcept {
        uint32_t steps = 64;
        uint32_t victim = eviction_.select_victim(steps);
        while (victim == no_folio && eviction_.size() != 0) {
            lock_.unlock(); // a bounded scan ran out of steps: let others in, resume
            lock_.lock();
            steps = 64;
            victim = eviction_.select_victim(steps);
        }
        if (victim == no_folio)
            return false;
        stats_.record(pool_event::reclaimed, drop_folio(victim, true));
        return true;
    }

    // Reclaims up to `budget` slots' worth of invalidated pages (lazy inode/fs invalidation).
    void sweep(uint32_t budget) noexcept {
        if (stale_ == 0)
            return; // nothing was invalidated lazily
        const uint32_t used = donors_.slots_used();
        for (uint32_t i = 0; i < budget && used != 0; ++i) {
            if (sweep_hand_ >= used)
                sweep_hand_ = 0;
            const uint32_t slot = sweep_hand_++;
            if (slots_[slot].state() == slot_state::cached && !handle_live(slots_[slot].inode))
                drop_page(slot);
        }
    }

    // Builds each donor's load for the donor choice policy.
    uint32_t donor_loads(donor_load* loads) const noexcept {
        const uint32_t count = donors_.count();
        for (uint32_t d = 0; d < count; ++d) {
            const donor_entry& e = donors_[d];
            loads[d] = donor_load{e.free, e.holding, e.quota,
                                  e.free != 0 && (e.quota == 0 || e.holding < e.quota)};
        }
        return count;
    }

    // Claims `pages` free slots for a store, evicting when no donor can give one. Returns how
    // many it claimed (fewer only when nothing is left to evict). The claimed slots are
    // pending, referenced by `handle`, and hold copiers = 1.
    uint32_t claim_slots(uint32_t pages, uint32_t handle, uint64_t index, unsigned order,
                         uint32_t* out) noexcept {
        uint32_t claimed = 0;
        uint32_t evictions = 0;
        while (claimed < pages) {
            donor_load loads[max_donors];
            const uint32_t count = donor_loads(loads);
            const uint32_t d = donor_choice_.choose(loads, count, pages - claimed);
            if (d < count) {
                const donor_entry& e = donors_[d];
                uint32_t want = pages - claimed;
                if (e.quota != 0 && e.quota - e.holding < want)
                    want = static_cast<uint32_t>(e.quota - e.holding);
                slot_view view(*this);
                const uint32_t got = placement_.place(view, d, want, out + claimed);
                TAGCACHE_ASSERT(got > 0, "placement found no slot in a donor with free slots");
                for (uint32_t i = claimed; i < claimed + got; ++i)
                    claim(out[i], d, handle, index + i, order);
                claimed += got;
                continue;
            }
            if (!evict_one())
                break;
            while (eviction_.eviction_incomplete() && evict_one()) {
            }
            if (++evictions % Config::evictions_per_hold == 0) {
                lock_.unlock();
                lock_.lock();
            }
        }
        return claimed;
    }

    void claim(uint32_t slot, uint32_t d, uint32_t handle, uint64_t index,
               unsigned order) noexcept {
        slot_meta& s = slots_[slot];
        chain_unlink(slot); // an index entry a take-back left behind
        s.inode = handle;
        s.set_index(index);
        s.set_order(order);
        s.set_head(false);
        s.set_state(slot_state::pending);
        s.link = none;
        s.store_copiers(1);
        inodes_.ref(handle);
        --donors_[d].free;
        ++donors_[d].holding;
    }

    // The donor pages of slots.
    void* page_address(uint32_t slot) noexcept {
        return memory_.address(slot, donors_.pfn_of(slot));
    }

    // ---- data -----------------------------------------------------------------------------

    mutable lock_type lock_;
    pool_geometry geometry_{};
    uint64_t page_bytes_ = 0;
    slot_meta* slots_ = nullptr;
    uint32_t* buckets_ = nullptr;
    uint32_t bucket_mask_ = 0;
    eviction_type eviction_{};
    placement_type placement_{};
    admission_type admission_{};
    donor_choice_type donor_choice_{};
    page_memory_type memory_{};
    stats_type stats_{};
    inode_table inodes_;
    fs_entry* filesystems_ = nullptr;
    donor_table<max_donors> donors_;
    uint64_t cached_ = 0; // restorable pages
    uint64_t stale_ = 0;  // pages of invalidated inodes or filesystems not yet reclaimed
    uint32_t sweep_hand_ = 0;
    uint32_t last_handle_ = none; // memo of live_handle()
};

} // namespace tagcache
