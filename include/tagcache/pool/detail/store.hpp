// pool_core's store, top to bottom: claim slots under the lock (evicting when none is free),
// copy outside it (page_copy.hpp), publish under it. Then eviction and the lazy reclaim of
// invalidated pages, which stores drive. Included by ../cleancache_pool.hpp. Freestanding.
#pragma once

#include "pool_core.hpp"

namespace tagcache::detail {

template <pool_config Config>
result<void> pool_core<Config>::store(const page_key& key, unsigned order, const void* source,
                                      bool workingset) noexcept {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    if (order == 0)
        return store_folio(key, order, page_count<1>{}, source, workingset);
    return store_folio(key, order, page_count<0>{uint32_t{1} << order}, source, workingset);
}

template <pool_config Config>
template <uint32_t Fixed>
result<void> pool_core<Config>::store_folio(const page_key& key, unsigned order,
                                            page_count<Fixed> pages, const void* source,
                                            bool workingset) noexcept {
    constexpr uint32_t most = Fixed != 0 ? Fixed : bitmap::max_pages;
    uint32_t slots[most] = {}; // GCC -O3 cannot see claim_slots() fill what the copy reads
    uint32_t* buckets[most];   // each page's index chain: hashed once per store
    typename copy::store_state copying{};
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
        const uint32_t releases_before = lock_releases_;
        handle = acquire_inode(key);
        if (handle != no_inode) {
            // The store replaces whatever of its range is cached: drop that first, so that
            // the slots it frees can be claimed, and the store never evicts more than the net
            // new pages it needs.
            replace_range_locked(handle, key.index, pages, buckets);
            folios_.before_insert(slot_meta::interned_key(handle, key.index));
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
        if constexpr (!copy::outside_lock) {
            // Nothing to copy: publish in this critical section. If claiming let others in
            // (long evictions drop the lock), anything may have happened meanwhile: check all.
            const bool lost = copy::keep_stored(*this, slots, pages, copying);
            publish(key, slots, pages, handle, buckets, lost || lock_releases_ != releases_before);
            return {};
        }
    }
    if constexpr (copy::outside_lock) { // the others returned above
        copy::copy_in(*this, slots, pages, source, copying);
        lock_guard guard(lock_);
        copy::keep_stored(*this, slots, pages, copying);
        publish(key, slots, pages, handle, buckets, true);
    }
    return {};
}

// The live handle of the store's inode, created if needed, with one reference held for the
// store's duration (so that a concurrent invalidate cannot free it under the store). When the
// table is full, reclaims invalidated pages and evicts until a handle frees up.
template <pool_config Config>
inline uint32_t pool_core<Config>::acquire_inode(const page_key& key) noexcept {
    if (inodes_.remembers(key.fs, key.inode)) [[likely]] { // the file of the last operation
        const uint32_t handle = inodes_.remembered();
        inodes_.ref(handle);
        return handle;
    }
    return acquire_new_inode(key);
}
template <pool_config Config>
uint32_t pool_core<Config>::acquire_new_inode(const page_key& key) noexcept {
    for (unsigned attempt = 0; attempt < 256; ++attempt) {
        uint32_t handle = live_handle(key.fs, key.inode);
        if (handle == no_inode && !inodes_.full())
            handle = inodes_.create(static_cast<uint16_t>(key.fs), key.inode,
                                    filesystems_.generation(static_cast<uint16_t>(key.fs)));
        if (handle != no_inode) {
            inodes_.ref(handle);
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
template <uint32_t Fixed>
uint32_t pool_core<Config>::claim_slots(page_count<Fixed> pages, uint32_t handle, uint64_t index,
                                        unsigned order, uint32_t* out) noexcept {
    uint32_t claimed = 0;
    uint32_t evictions = 0;
    while (claimed < pages) {
        const uint32_t count = donors_.count();
        uint32_t d = 0;
        if (count == 1) { // one donor: any donor choice picks it when it can give a slot
            const donor_entry& e = donors_[0];
            d = e.free != 0 && (e.quota == 0 || e.holding < e.quota) ? 0 : 1;
        } else {
            donor_load loads[Config::max_donors];
            donors_.loads(loads);
            d = donor_choice_.choose(loads, count, pages - claimed);
        }
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
        // An order-0 store over one donor whose placement hands out the slot freed last: the
        // victim's slot, freed whole, is the slot placing would return. The store takes it over.
        handover into{handle, index, order, no_slot};
        const bool hand_over = Fixed == 1 && places_last_released_first && count == 1;
        if (!evict_one(hand_over ? &into : nullptr))
            break;
        if (into.slot != no_slot) {
            out[claimed++] = into.slot;
        } else {
            while (folios_.eviction_incomplete() && evict_one()) {
            }
        }
        if (++evictions % Config::evictions_per_hold == 0) {
            lock_.unlock();
            lock_.lock();
            ++lock_releases_;
        }
    }
    return claimed;
}

template <pool_config Config>
inline void pool_core<Config>::claim(uint32_t slot, uint32_t d, uint32_t handle, uint64_t index,
                                     unsigned order) noexcept {
    slot_meta& s = slots_[slot];
    index_.unlink(slot); // an index entry a take-back left behind
    folios_.purge(slot); // an eviction-order entry a dropped folio left behind
    s.make_pending(handle, index, order);
    inodes_.ref(handle);
    --donors_[d].free;
    ++donors_[d].holding;
}

// Evicts the policy's victim, a whole folio; false when there is none. A bounded scan that runs
// out of steps lets others take the lock, then resumes. `into`: see folio_leaves().
template <pool_config Config>
bool pool_core<Config>::evict_one(handover* into) noexcept {
    uint32_t steps = 64;
    uint32_t victim = folios_.select_victim(steps);
    while (victim == no_slot && folios_.size() != 0) {
        lock_.unlock();
        lock_.lock();
        ++lock_releases_;
        steps = 64;
        victim = folios_.select_victim(steps);
    }
    if (victim == no_slot)
        return false;
    folio_leaves<leaving::evicted>(victim, into);
    return true;
}

// An evicted page's slot passes straight to the store that evicted it (folio_leaves(), `into`):
// what releasing the slot (finish_release) and claiming it again (claim) would leave, without
// the round trip through the placement's free list and the donor's counts. A cached slot is
// never on a free list (place() took it off), so placing would have returned this very slot.
template <pool_config Config>
void pool_core<Config>::take_over(uint32_t slot, handover& into) noexcept {
    slot_meta& s = slots_[slot];
    TAGCACHE_DEBUG_ASSERT(!s.listed() && s.link == no_slot && !s.head() && !s.in_chain(),
                          "a slot handed over is still listed, linked or indexed");
    const uint32_t old = s.inode();
    s.make_pending(into.handle, into.index, into.order);
    if (old != into.handle) { // the store holds a reference to its own: it cannot drop to 0
        inodes_.ref(into.handle);
        inodes_.unref(old);
    }
    into.slot = slot;
}

// Reclaims up to `budget` slots' worth of invalidated pages (lazy inode/fs invalidation).
template <pool_config Config>
void pool_core<Config>::sweep(uint32_t budget) noexcept {
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
void pool_core<Config>::release_pending(uint32_t slot) noexcept {
    slots_[slot].store_copiers(0);
    if (slots_[slot].state() == slot_state::pending)
        finish_release(slot);
}

// Makes the stored pages visible, replacing every cached page of the folio's range. Pages a
// donor took back during the copy are lost; under drop_whole_folio so is the rest.
template <pool_config Config>
template <uint32_t Fixed>
void pool_core<Config>::publish(const page_key& key, const uint32_t* slots, page_count<Fixed> pages,
                                uint32_t handle, uint32_t* const* buckets,
                                bool lock_was_released) noexcept {
    if (!lock_was_released) {
        // Claimed and published in one critical section: every slot is still pending, the
        // handle live, the range as replace_range_locked() left it. Nothing to check.
        for (uint32_t i = 0; i < pages; ++i) {
            slot_meta& s = slots_[slots[i]];
            s.store_copiers(0);
            s.set_state(slot_state::cached);
            index_.insert(*buckets[i], slots[i]);
            count_cached(handle, key.fs, donors_.donor_of(slots[i]));
        }
        folios_.insert(slots, pages);
        stats_.record(pool_event::stored, pages);
        inodes_.unref(handle); // the store's own reference
        folios_.prefetch_victim();
        return;
    }
    bool lost = false;
    for (uint32_t i = 0; i < pages; ++i) {
        slots_[slots[i]].store_copiers(0);
        lost = lost || slots_[slots[i]].state() != slot_state::pending;
    }
    const bool live_store = handle_live(handle);
    const bool keep = live_store && !(drop_whole && lost);
    // Pages of the range cached under the live handle (stored by others during the copy) are
    // replaced, not counted as invalidated; if the store's handle died meanwhile, the inode may
    // have a new one, whose pages are replaced all the same.
    const uint32_t live = live_store ? handle : live_handle(key.fs, key.inode);
    uint32_t kept[bitmap::max_pages];
    uint32_t stored = 0;
    for (uint32_t i = 0; i < pages; ++i) {
        uint32_t& bucket = *buckets[i];
        if (live != no_inode) {
            if (live == handle) {
                if (const uint32_t old = index_.find(bucket, live, key.index + i); old != no_slot)
                    drop_page(old, bucket);
            } else if (const uint32_t old = index_.find(live, key.index + i); old != no_slot) {
                drop_page(old);
            }
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
    folios_.prefetch_victim();
}

// Drops the cached pages of [index, index + pages) of the live `handle` that a store is about
// to replace (neither invalidated nor evicted, so no counter records them: the store's do), and
// notes each page's index chain for publish().
template <pool_config Config>
template <uint32_t Fixed>
void pool_core<Config>::replace_range_locked(uint32_t handle, uint64_t index,
                                             page_count<Fixed> pages, uint32_t** buckets) noexcept {
    for (uint32_t i = 0; i < pages; ++i) {
        uint32_t& bucket = index_.bucket(handle, index + i);
        buckets[i] = &bucket;
        if (const uint32_t slot = index_.find(bucket, handle, index + i); slot != no_slot)
            drop_page(slot, bucket);
    }
}

// Reclaims up to `slots` slots' worth of invalidated pages, 64 per critical section.
template <pool_config Config>
void pool_core<Config>::reclaim_stale(uint32_t slots) noexcept {
    while (slots != 0) {
        const uint32_t batch = slots < 64 ? slots : 64;
        lock_guard guard(lock_);
        sweep(batch);
        slots -= batch;
    }
}

} // namespace tagcache::detail
