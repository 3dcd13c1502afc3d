// The steps of the pool's frontend and backend operations, on top of pool_state. Each runs
// under the pool lock; the copies between them run outside it. Freestanding.
#pragma once

#include "pool_state.hpp"

namespace tagcache {

template <class Config>
class pool_steps : public pool_state<Config> {
protected:
    using state = pool_state<Config>;
    using state::drop_whole;
    using state::exclusive;
    using state::max_order;
    using state::none;
    using typename state::fs_entry;
    using typename state::slot_view;

    using state::cached_;
    using state::chain_find;
    using state::chain_insert;
    using state::donors_;
    using state::drop_page;
    using state::evict_one;
    using state::eviction_;
    using state::filesystems_;
    using state::finish_release;
    using state::fs_generation;
    using state::handle_live;
    using state::head_of;
    using state::inodes_;
    using state::live_handle;
    using state::placement_;
    using state::release_slot;
    using state::ring_remove;
    using state::slots_;
    using state::stale_;
    using state::stats_;
    using state::sweep;
    using state::uncount_cached;

    // ---- steps of the frontend operations ---------------------------------------------------

    static errc check_folio(const page_key& key, unsigned order) noexcept {
        if (order > max_order)
            return errc::order_too_large;
        if (!is_aligned(key.index, uint64_t{1} << order))
            return errc::folio_unaligned;
        if (key.index > max_page_index - ((uint64_t{1} << order) - 1))
            return errc::index_too_large;
        return errc::ok;
    }

    // The live handle of the store's inode, created if needed, with one reference held for the
    // store's duration (so that a concurrent invalidate cannot free it under the store). When
    // the table is full, reclaims invalidated pages and evicts until a handle frees up.
    uint32_t acquire_inode(const page_key& key) noexcept {
        for (unsigned attempt = 0; attempt < 256; ++attempt) {
            uint32_t handle = live_handle(key.fs, key.inode);
            if (handle == none && !inodes_.full())
                handle = inodes_.create(static_cast<uint16_t>(key.fs), key.inode,
                                        fs_generation(static_cast<uint16_t>(key.fs)));
            if (handle != none) {
                inodes_.ref(handle);
                this->last_handle_ = handle;
                return handle;
            }
            sweep(64);
            if (inodes_.full() && !evict_one())
                return none;
        }
        return none;
    }

    // A claimed slot the store gives up: free again, unless a donor took it meanwhile.
    void release_pending(uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        s.store_copiers(0);
        if (s.state() == slot_state::pending)
            finish_release(slot);
    }

    // Drops the cached pages of (key.index, 2^order); returns how many there were.
    uint32_t invalidate_range_locked(const page_key& key, unsigned order) noexcept {
        const uint32_t handle = live_handle(key.fs, key.inode);
        if (handle == none)
            return 0;
        uint32_t dropped = 0;
        for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) {
            const uint32_t slot = chain_find(handle, key.index + i);
            if (slot != none) {
                drop_page(slot);
                ++dropped;
            }
        }
        return dropped;
    }

    void invalidate_fs_locked(fs_id fs) noexcept {
        fs_entry& entry = filesystems_[fs];
        cached_ -= entry.cached;
        stale_ += entry.cached;
        stats_.record(pool_event::invalidated, entry.cached);
        entry.cached = 0;
        ++entry.generation;
    }

    // Makes the stored pages visible, replacing every cached page of the folio's range.
    // Pages a donor took back during the copy are lost; under drop_whole_folio so is the rest.
    void publish(const page_key& key, const uint32_t* slots, uint32_t pages,
                 uint32_t handle) noexcept {
        bool lost = false;
        for (uint32_t i = 0; i < pages; ++i) {
            slots_[slots[i]].store_copiers(0);
            lost = lost || slots_[slots[i]].state() != slot_state::pending;
        }
        const bool keep = handle_live(handle) && !(drop_whole && lost);
        // Pages of the range cached under the live handle are replaced (not counted as
        // invalidated); a dead handle has none that a restore could find.
        const uint32_t live = live_handle(key.fs, key.inode);
        uint32_t head = none;
        uint32_t tail = none;
        uint32_t stored = 0;
        for (uint32_t i = 0; i < pages; ++i) {
            uint32_t& bucket = this->bucket_head(handle, key.index + i);
            if (live != none) {
                const uint32_t old = live == handle ? this->chain_find(bucket, live, key.index + i)
                                                    : this->chain_find(live, key.index + i);
                if (old != none)
                    this->drop_page(old);
            }
            const uint32_t slot = slots[i];
            slot_meta& s = slots_[slot];
            if (s.state() != slot_state::pending)
                continue;
            if (!keep) {
                finish_release(slot);
                continue;
            }
            s.set_state(slot_state::cached);
            this->chain_insert(bucket, slot);
            if (head == none) {
                head = slot;
                s.set_head(true);
            } else {
                slots_[tail].link = slot;
            }
            tail = slot;
            ++inodes_[handle].cached;
            ++filesystems_[key.fs].cached;
            ++donors_[donors_.donor_of(slot)].cached;
            ++cached_;
            ++stored;
        }
        if (head != none) {
            slots_[tail].link = head; // close the ring
            eviction_.on_insert(head, slots_[head].folio_key());
        }
        stats_.record(pool_event::stored, stored);
        stats_.record(pool_event::skipped, pages - stored);
        inodes_.unref(handle); // the store's own reference
    }

    // Marks the cached pages of a restore as being copied; `found[i]` is the slot of page i
    // or none. Exclusive mode takes them out of the pool now.
    void begin_restore(const page_key& key, uint32_t pages, uint32_t* found) noexcept {
        for (uint32_t i = 0; i < pages; ++i)
            found[i] = none;
        const uint32_t handle = live_handle(key.fs, key.inode);
        if (handle == none)
            return;
        uint32_t previous = none;
        uint32_t hit_head = none;
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = chain_find(handle, key.index + i);
            if (slot == none || slots_[slot].copiers == 0xFF) {
                previous = none;
                continue;
            }
            found[i] = slot;
            slots_[slot].store_copiers(static_cast<uint8_t>(slots_[slot].copiers + 1));
            if constexpr (exclusive) {
                drop_page(slot); // draining until the copy leaves
            } else {
                // Pages of one folio follow each other in its ring: find the head once.
                const bool same_folio = previous != none && slots_[previous].link == slot;
                const uint32_t head = same_folio ? hit_head : head_of(slot);
                if (head != hit_head)
                    eviction_.on_hit(head);
                hit_head = head;
            }
            previous = slot;
        }
    }

    // Ends the copies begun by begin_restore(): a page counts as restored only if it stayed in
    // the pool, untouched, for the whole copy.
    template <class Bitmap>
    Bitmap finish_restore(uint32_t pages, const uint32_t* found) noexcept {
        Bitmap filled;
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = found[i];
            if (slot == none)
                continue;
            slot_meta& s = slots_[slot];
            const uint8_t copiers = static_cast<uint8_t>(s.copiers - 1);
            s.store_copiers(copiers);
            const slot_state expected = exclusive ? slot_state::draining : slot_state::cached;
            if (s.state() == expected)
                filled.set(i);
            if (s.state() == slot_state::draining && copiers == 0)
                finish_release(slot);
        }
        const uint32_t restored = filled.count();
        stats_.record(pool_event::restored, restored);
        stats_.record(pool_event::missed, pages - restored);
        return filled;
    }

    // ---- steps of the backend operations ----------------------------------------------------

    errc donate_locked(uint32_t donor, pfn_t pfn) noexcept {
        if (donor >= donors_.count())
            return errc::unknown_donor;
        const uint32_t slot = donors_.slot_of(donor, pfn);
        if (slot == none)
            return errc::not_donor_page;
        slot_meta& s = slots_[slot];
        if (s.state() != slot_state::donor_owned)
            return errc::already_donated;
        if (s.load_copiers() != 0)
            return errc::page_busy;
        s.set_state(slot_state::free);
        ++donors_[donor].donated;
        ++donors_[donor].free;
        slot_view view(*this);
        placement_.release(view, donor, slot);
        return errc::ok;
    }

    // Takes a page out of the pool under the lock; the caller then waits for copies to leave.
    // Index chains are left alone (their stale entries are unlinked by later lookups), so the
    // work here is O(2^max_order) whatever the pool size.
    errc take_locked(uint32_t donor, pfn_t pfn, uint32_t* slot_out) noexcept {
        if (donor >= donors_.count())
            return errc::unknown_donor;
        const uint32_t slot = donors_.slot_of(donor, pfn);
        if (slot == none)
            return errc::not_donor_page;
        slot_meta& s = slots_[slot];
        donor_entry& entry = donors_[donor];
        switch (s.state()) {
        case slot_state::donor_owned:
            return errc::not_donated;
        case slot_state::free: {
            slot_view view(*this);
            placement_.withdraw(view, donor, slot);
            --entry.free;
            break;
        }
        case slot_state::pending: // a store is copying into it: its publish will see this
            stats_.record(pool_event::recalled, 1);
            stats_.record_donor_recall(donor, 1);
            inodes_.unref(s.inode);
            --entry.holding;
            break;
        case slot_state::draining: // dropped already; its copy is still leaving
            inodes_.unref(s.inode);
            --entry.holding;
            break;
        case slot_state::cached:
            take_cached(donor, slot);
            break;
        }
        s.set_state(slot_state::donor_owned);
        --entry.donated;
        *slot_out = slot;
        return errc::ok;
    }

    void take_cached(uint32_t donor, uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        stats_.record(pool_event::recalled, 1);
        stats_.record_donor_recall(donor, 1);
        if (drop_whole && s.link != slot) {
            const uint32_t head = head_of(slot);
            eviction_.on_remove(head);
            uint32_t collateral = 0;
            uint32_t at = head;
            do {
                const uint32_t next = slots_[at].link;
                slots_[at].link = none;
                slots_[at].set_head(false);
                if (at != slot) {
                    const uint32_t d = this->donors_.donor_of(at);
                    uncount_cached(at, d);
                    release_slot(at, d); // stays in its index chain as a stale entry
                    ++collateral;
                }
                at = next;
            } while (at != head);
            stats_.record(pool_event::collateral_dropped, collateral);
        } else {
            ring_remove(slot);
        }
        uncount_cached(slot, donor);
        inodes_.unref(s.inode);
        --donors_[donor].holding;
    }
};

} // namespace tagcache
