// cleancache_pool's frontend: store, restore and invalidation, each reading top to bottom.
// Included by cleancache_pool.hpp. Freestanding.
#pragma once

#include "cleancache_pool.hpp"

namespace tagcache {

// ---- store: claim slots under the lock, copy outside it, publish under it -------------------

template <pool_config Config>
result<void> cleancache_pool<Config>::store(const page_key& key, unsigned order,
                                            const void* source, bool workingset) noexcept {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    const uint32_t pages = uint32_t{1} << order;
    uint32_t slots[bitmap::max_pages];
    uint32_t claimed = 0;
    uint32_t handle = no_inode;
    {
        lock_guard guard(lock_);
        if (!filesystems_.valid(key.fs))
            return errc::unknown_filesystem;
        if (!admission_.admit(workingset)) {
            // A store that is not kept must not leave an older copy behind.
            invalidate_range_locked(key, order);
            stats_.record(pool_event::skipped, pages);
            return errc::not_admitted;
        }
        sweep(Config::sweep_batch);
        handle = acquire_inode(key);
        if (handle != no_inode) {
            // The store replaces whatever of its range is cached: drop that first, so that
            // the slots it frees can be claimed, and the store never evicts more than the net
            // new pages it needs.
            replace_range_locked(key, order);
            folios_.before_insert((uint64_t{handle} << page_index_bits) | key.index);
            claimed = claim_slots(pages, handle, key.index, order, slots);
        }
        if (claimed < pages) {
            for (uint32_t i = 0; i < claimed; ++i)
                release_pending(slots[i]);
            if (handle != no_inode)
                inodes_.unref(handle);
            invalidate_range_locked(key, order);
            stats_.record(pool_event::skipped, pages);
            return errc::no_space;
        }
    }
    if constexpr (page_memory_type::holds_data) {
        if (source != nullptr)
            for (uint32_t i = 0; i < pages; ++i)
                __builtin_memcpy(page_address(slots[i]),
                                 static_cast<const unsigned char*>(source) + i * page_bytes_,
                                 page_bytes_);
    }
    lock_guard guard(lock_);
    publish(key, slots, pages, handle);
    return {};
}

// The live handle of the store's inode, created if needed, with one reference held for the
// store's duration (so that a concurrent invalidate cannot free it under the store). When the
// table is full, reclaims invalidated pages and evicts until a handle frees up.
template <pool_config Config>
uint32_t cleancache_pool<Config>::acquire_inode(const page_key& key) noexcept {
    for (unsigned attempt = 0; attempt < 256; ++attempt) {
        uint32_t handle = live_handle(key.fs, key.inode);
        if (handle == no_inode && !inodes_.full())
            handle = inodes_.create(static_cast<uint16_t>(key.fs), key.inode,
                                    filesystems_.generation(static_cast<uint16_t>(key.fs)));
        if (handle != no_inode) {
            inodes_.ref(handle);
            last_handle_ = handle;
            return handle;
        }
        sweep(64);
        if (inodes_.full() && !evict_one())
            return no_inode;
    }
    return no_inode;
}

// Claims `pages` free slots for a store, evicting when no donor can give one. Returns how many
// it claimed (fewer only when nothing is left to evict). The claimed slots are pending,
// referenced by `handle`, and hold copiers = 1.
template <pool_config Config>
uint32_t cleancache_pool<Config>::claim_slots(uint32_t pages, uint32_t handle, uint64_t index,
                                              unsigned order, uint32_t* out) noexcept {
    uint32_t claimed = 0;
    uint32_t evictions = 0;
    while (claimed < pages) {
        donor_load loads[Config::max_donors];
        const uint32_t count = donors_.loads(loads);
        const uint32_t d = donor_choice_.choose(loads, count, pages - claimed);
        if (d < count) {
            const donor_entry& e = donors_[d];
            uint32_t want = pages - claimed;
            if (e.quota != 0 && e.quota - e.holding < want)
                want = static_cast<uint32_t>(e.quota - e.holding);
            slot_view view(slots_, donors_);
            const uint32_t got = placement_.place(view, d, want, out + claimed);
            TAGCACHE_ASSERT(got > 0, "placement found no slot in a donor with free slots");
            for (uint32_t i = claimed; i < claimed + got; ++i)
                claim(out[i], d, handle, index + i, order);
            claimed += got;
            continue;
        }
        if (!evict_one())
            break;
        while (folios_.eviction_incomplete() && evict_one()) {
        }
        if (++evictions % Config::evictions_per_hold == 0) {
            lock_.unlock();
            lock_.lock();
        }
    }
    return claimed;
}

template <pool_config Config>
void cleancache_pool<Config>::claim(uint32_t slot, uint32_t d, uint32_t handle, uint64_t index,
                                    unsigned order) noexcept {
    slot_meta& s = slots_[slot];
    index_.unlink(slot); // an index entry a take-back left behind
    s.inode = handle;
    s.set_index(index);
    s.set_order(order);
    s.set_head(false);
    s.set_state(slot_state::pending);
    s.link = no_slot;
    s.store_copiers(1);
    inodes_.ref(handle);
    --donors_[d].free;
    ++donors_[d].holding;
}

// Evicts the policy's victim, a whole folio; false when there is none. A bounded scan that runs
// out of steps lets others take the lock, then resumes.
template <pool_config Config>
bool cleancache_pool<Config>::evict_one() noexcept {
    uint32_t steps = 64;
    uint32_t victim = folios_.select_victim(steps);
    while (victim == no_slot && folios_.size() != 0) {
        lock_.unlock();
        lock_.lock();
        steps = 64;
        victim = folios_.select_victim(steps);
    }
    if (victim == no_slot)
        return false;
    // Pages of an invalidated inode were counted as invalidated already: reclaimed counts the
    // restorable ones only, so that each page is counted once.
    const bool live = handle_live(slot_handle(victim));
    const uint32_t pages = folios_.remove_folio(victim, true, [this](uint32_t slot) noexcept {
        const uint32_t d = donors_.donor_of(slot);
        index_.unlink(slot);
        uncount_cached(slot, d);
        release_slot(slot, d);
    });
    stats_.record(pool_event::reclaimed, live ? pages : 0);
    return true;
}

// Reclaims up to `budget` slots' worth of invalidated pages (lazy inode/fs invalidation).
template <pool_config Config>
void cleancache_pool<Config>::sweep(uint32_t budget) noexcept {
    if (stale_ == 0)
        return; // nothing was invalidated lazily
    const uint32_t used = donors_.slots_used();
    for (uint32_t i = 0; i < budget && used != 0; ++i) {
        if (sweep_hand_ >= used)
            sweep_hand_ = 0;
        const uint32_t slot = sweep_hand_++;
        if (slots_[slot].state() == slot_state::cached && !handle_live(slot_handle(slot)))
            drop_page(slot);
    }
}

// A claimed slot the store gives up: free again, unless a donor took it meanwhile.
template <pool_config Config>
void cleancache_pool<Config>::release_pending(uint32_t slot) noexcept {
    slots_[slot].store_copiers(0);
    if (slots_[slot].state() == slot_state::pending)
        finish_release(slot);
}

// Makes the stored pages visible, replacing every cached page of the folio's range. Pages a
// donor took back during the copy are lost; under drop_whole_folio so is the rest.
template <pool_config Config>
void cleancache_pool<Config>::publish(const page_key& key, const uint32_t* slots, uint32_t pages,
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
    uint32_t kept[bitmap::max_pages];
    uint32_t stored = 0;
    for (uint32_t i = 0; i < pages; ++i) {
        uint32_t& bucket = index_.bucket(handle, key.index + i);
        if (live != no_inode) {
            const uint32_t old = live == handle ? index_.find(bucket, live, key.index + i)
                                                : index_.find(live, key.index + i);
            if (old != no_slot)
                drop_page(old);
        }
        const uint32_t slot = slots[i];
        if (slots_[slot].state() != slot_state::pending)
            continue;
        if (!keep) {
            finish_release(slot);
            continue;
        }
        slots_[slot].set_state(slot_state::cached);
        index_.insert(bucket, slot);
        count_cached(handle, key.fs, donors_.donor_of(slot));
        kept[stored++] = slot;
    }
    if (stored != 0)
        folios_.insert(kept, stored);
    stats_.record(pool_event::stored, stored);
    stats_.record(pool_event::skipped, pages - stored);
    inodes_.unref(handle); // the store's own reference
}

// ---- restore: mark the pages found under the lock, copy, keep what stayed cached -----------

template <pool_config Config>
auto cleancache_pool<Config>::restore(const page_key& key, unsigned order, void* sink) noexcept
    -> result<bitmap> {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    const uint32_t pages = uint32_t{1} << order;
    uint32_t found[bitmap::max_pages];
    {
        lock_guard guard(lock_);
        if (!filesystems_.valid(key.fs))
            return errc::unknown_filesystem;
        begin_restore(key, pages, found);
    }
    if constexpr (page_memory_type::holds_data) {
        if (sink != nullptr)
            for (uint32_t i = 0; i < pages; ++i)
                if (found[i] != no_slot)
                    __builtin_memcpy(static_cast<unsigned char*>(sink) + i * page_bytes_,
                                     page_address(found[i]), page_bytes_);
    }
    lock_guard guard(lock_);
    return finish_restore(pages, found);
}

// Marks the cached pages of a restore as being copied; `found[i]` is the slot of page i or
// no_slot. Exclusive mode takes them out of the pool now.
template <pool_config Config>
void cleancache_pool<Config>::begin_restore(const page_key& key, uint32_t pages,
                                            uint32_t* found) noexcept {
    for (uint32_t i = 0; i < pages; ++i)
        found[i] = no_slot;
    const uint32_t handle = live_handle(key.fs, key.inode);
    if (handle == no_inode)
        return;
    uint32_t previous = no_slot;
    uint32_t hit_head = no_slot;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = index_.find(handle, key.index + i);
        if (slot == no_slot || slots_[slot].copiers == 0xFF) {
            previous = no_slot;
            continue;
        }
        found[i] = slot;
        slots_[slot].store_copiers(static_cast<uint8_t>(slots_[slot].copiers + 1));
        if constexpr (exclusive) {
            drop_page(slot); // draining until the copy leaves
        } else {
            // Pages of one folio follow each other in its ring: find the head once.
            const bool same_folio = previous != no_slot && slots_[previous].link == slot;
            const uint32_t head = same_folio ? hit_head : folios_.head_of(slot);
            if (head != hit_head)
                folios_.touch(head);
            hit_head = head;
        }
        previous = slot;
    }
}

// Ends the copies begun by begin_restore(): a page counts as restored only if it stayed in the
// pool, untouched, for the whole copy.
template <pool_config Config>
auto cleancache_pool<Config>::finish_restore(uint32_t pages, const uint32_t* found) noexcept
    -> bitmap {
    bitmap filled;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = found[i];
        if (slot == no_slot)
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

template <pool_config Config>
template <class Sink>
result<uint64_t> cleancache_pool<Config>::restore_run(fs_id fs, uint64_t inode, uint64_t first,
                                                      uint64_t count, Sink&& sink) noexcept {
    {
        lock_guard guard(lock_);
        if (!filesystems_.valid(fs))
            return errc::unknown_filesystem;
        if (count != 0 && live_handle(fs, inode) == no_inode) {
            stats_.record(pool_event::missed, count); // nothing of the inode cached
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

// ---- invalidation -------------------------------------------------------------------------

template <pool_config Config>
result<void> cleancache_pool<Config>::invalidate(const page_key& key, unsigned order) noexcept {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    lock_guard guard(lock_);
    if (!filesystems_.valid(key.fs))
        return errc::unknown_filesystem;
    stats_.record(pool_event::invalidated, invalidate_range_locked(key, order));
    return {};
}

// Drops the cached pages of (key.index, 2^order) that a store is about to replace: they are
// neither invalidated nor evicted, so no counter records them (the store's do).
template <pool_config Config>
void cleancache_pool<Config>::replace_range_locked(const page_key& key, unsigned order) noexcept {
    const uint32_t handle = live_handle(key.fs, key.inode);
    if (handle == no_inode)
        return;
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i)
        if (const uint32_t slot = index_.find(handle, key.index + i); slot != no_slot)
            drop_page(slot);
}

// Drops the cached pages of (key.index, 2^order); returns how many there were.
template <pool_config Config>
uint32_t cleancache_pool<Config>::invalidate_range_locked(const page_key& key,
                                                          unsigned order) noexcept {
    const uint32_t handle = live_handle(key.fs, key.inode);
    if (handle == no_inode)
        return 0;
    uint32_t dropped = 0;
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) {
        const uint32_t slot = index_.find(handle, key.index + i);
        if (slot != no_slot) {
            drop_page(slot);
            ++dropped;
        }
    }
    return dropped;
}

template <pool_config Config>
result<void> cleancache_pool<Config>::invalidate_inode(fs_id fs, uint64_t inode) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    const uint32_t handle = live_handle(fs, inode);
    if (handle == no_inode)
        return {};
    const uint64_t pages = inodes_[handle].cached;
    filesystems_.cached(fs) -= pages;
    cached_ -= pages;
    stale_ += pages;
    stats_.record(pool_event::invalidated, pages);
    inodes_.kill(handle);
    return {};
}

template <pool_config Config>
result<void> cleancache_pool<Config>::invalidate_fs(fs_id fs) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    invalidate_fs_locked(fs, false);
    return {};
}

template <pool_config Config>
result<void> cleancache_pool<Config>::remove_fs(fs_id fs) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    invalidate_fs_locked(fs, true);
    return {};
}

// Every page of the filesystem becomes stale at once (its inode handles stop resolving).
template <pool_config Config>
void cleancache_pool<Config>::invalidate_fs_locked(fs_id fs, bool remove) noexcept {
    const uint64_t pages = filesystems_.invalidate(fs, remove);
    cached_ -= pages;
    stale_ += pages;
    stats_.record(pool_event::invalidated, pages);
}

} // namespace tagcache
