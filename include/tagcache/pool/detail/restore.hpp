// pool_core's restore, top to bottom: find the pages and mark them under the lock, copy them
// out without it (page_copy.hpp), keep what stayed cached under it again; then the readahead
// walk. Included by ../cleancache_pool.hpp. Freestanding.
#pragma once

#include "pool_core.hpp"

namespace tagcache::detail {

template <pool_config Config>
auto pool_core<Config>::restore(const page_key& key, unsigned order, void* sink) noexcept
    -> result<bitmap> {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    if (order == 0)
        return restore_folio(key, page_count<1>{}, sink);
    return restore_folio(key, page_count<0>{uint32_t{1} << order}, sink);
}

template <pool_config Config>
template <uint32_t Fixed>
auto pool_core<Config>::restore_folio(const page_key& key, page_count<Fixed> pages,
                                      void* sink) noexcept -> result<bitmap> {
    uint32_t found[Fixed != 0 ? Fixed : bitmap::max_pages];
    typename copy::restore_state copying;
    {
        lock_guard guard(lock_);
        if (!filesystems_.valid(key.fs))
            return errc::unknown_filesystem;
        copy::before_find(*this, key, pages);
        begin_restore<copy::outside_lock>(key, pages, found);
        if constexpr (!copy::outside_lock) {
            // Nothing to copy: the pages found are the pages restored.
            bitmap filled;
            for (uint32_t i = 0; i < pages; ++i)
                if (found[i] != no_slot)
                    filled.set(i);
            count_restored(filled.count(), pages);
            return filled;
        } else {
            copy::note_found(*this, found, pages, copying);
        }
    }
    if constexpr (copy::outside_lock) { // the others returned above
        const bitmap intact = copy::copy_out(*this, found, pages, sink, copying);
        lock_guard guard(lock_);
        return finish_restore(pages, found, intact);
    }
}

// Finds the cached pages of a restore (`found[i]`: the slot of page i, or no_slot), marks them
// as being copied when `Copying`, and counts them as hits for the eviction policy. Exclusive
// mode takes them out of the pool now.
template <pool_config Config>
template <bool Copying, uint32_t Fixed>
void pool_core<Config>::begin_restore(const page_key& key, page_count<Fixed> pages,
                                      uint32_t* found) noexcept {
    const uint32_t handle = live_handle(key.fs, key.inode);
    uint32_t previous = no_slot;
    uint32_t hit_head = no_slot;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = handle == no_inode ? no_slot : index_.find(handle, key.index + i);
        if (slot == no_slot || (Copying && slots_[slot].copiers == 0xFF)) {
            found[i] = no_slot;
            previous = no_slot;
            continue;
        }
        found[i] = slot;
        if constexpr (Copying)
            slots_[slot].store_copiers(static_cast<uint8_t>(slots_[slot].copiers + 1));
        if constexpr (exclusive) {
            drop_page(slot); // draining until the copy leaves, if one runs
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
// pool, untouched, for the whole copy, and (discardable memory) no discard touched it: a page
// found discarded leaves the pool here (page_copy::keep_restored).
template <pool_config Config>
template <uint32_t Fixed>
auto pool_core<Config>::finish_restore(page_count<Fixed> pages, const uint32_t* found,
                                       const bitmap& intact) noexcept -> bitmap {
    copy::keep_restored(*this, found, pages, intact); // first: a folio leaves whole, or not at all
    bitmap filled;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = found[i];
        if (slot == no_slot)
            continue;
        slot_meta& s = slots_[slot];
        const uint8_t copiers = static_cast<uint8_t>(s.copiers - 1);
        s.store_copiers(copiers);
        const slot_state expected = exclusive ? slot_state::draining : slot_state::cached;
        if (s.state() == expected && copy::survived(intact, i))
            filled.set(i);
        if (s.state() == slot_state::draining && copiers == 0)
            finish_release(slot);
    }
    count_restored(filled.count(), pages);
    return filled;
}

template <pool_config Config>
template <class Sink>
result<uint64_t> pool_core<Config>::restore_run(fs_id fs, uint64_t inode, uint64_t first,
                                                uint64_t count, Sink&& sink) noexcept {
    if (!run_fits(first, count))
        return errc::index_too_large; // refused whole, before anything is restored
    {
        lock_guard guard(lock_);
        if (!filesystems_.valid(fs))
            return errc::unknown_filesystem;
        if (count != 0 && live_handle(fs, inode) == no_inode) {
            // Nothing of the inode cached: the walk's first page misses and stops it, so one
            // miss, as the walk of order-0 restores below would count.
            stats_.record(pool_event::missed, 1);
            return uint64_t{0};
        }
    }
    for (uint64_t i = 0; i < count; ++i) {
        const auto filled = restore(page_key{fs, inode, first + i}, 0, sink(first + i));
        if (!filled) // the filesystem was removed during the walk: keep what was restored
            return i == 0 ? result<uint64_t>(filled.error()) : result<uint64_t>(i);
        if (filled->none())
            return i;
    }
    return count;
}

} // namespace tagcache::detail
