// pool_core::check_invariants(): the pool's invariants (docs/design.md), one check per
// part: the donors' slots and counters, the page index, the folio rings and their eviction
// order, the discard records (discardable page memory), and the accounting of cached pages by
// inode, filesystem and gauge. O(pool size); for
// tests and debugging, not for production paths. Included by ../cleancache_pool.hpp.
// Freestanding.
#pragma once

#include "pool_core.hpp"

namespace tagcache::detail {

template <pool_config Config>
const char* pool_core<Config>::check_invariants() const noexcept {
    lock_guard guard(lock_);
    const uint32_t used = donors_.slots_used();
    if (const char* broken = check_donors())
        return broken;
    if (const char* broken = index_.check(used))
        return broken;
    if (const char* broken = folios_.check(used))
        return broken;
    if constexpr (discardable)
        if (const char* broken = check_discards())
            return broken;
    return check_accounting();
}

// Per donor: every page in exactly one state, no copy in flight, and the donor's counters agree
// with the states; pfn -> slot and slot -> pfn are inverse.
template <pool_config Config>
const char* pool_core<Config>::check_donors() const noexcept {
    for (uint32_t d = 0; d < donors_.count(); ++d) {
        const donor_entry& e = donors_[d];
        uint32_t free = 0, cached = 0, in_flight = 0, owned = 0;
        for (uint32_t slot = e.first_slot; slot < e.first_slot + e.slot_count; ++slot) {
            if (donors_.donor_of(slot) != d)
                return "slot -> donor lookup disagrees with the donor's slot run";
            if (donors_.slot_of(d, donors_.pfn_of(slot)) != slot)
                return "pfn -> slot and slot -> pfn are not inverse";
            if (slots_[slot].copiers != 0)
                return "a copy is marked in flight while none runs";
            switch (slots_[slot].state()) {
            case slot_state::donor_owned:
                ++owned;
                break;
            case slot_state::free:
                ++free;
                break;
            case slot_state::cached:
                ++cached;
                break;
            case slot_state::pending:
            case slot_state::draining:
                ++in_flight;
                break;
            default:
                return "slot in an unknown state";
            }
        }
        if (in_flight != 0)
            return "pending or draining slot while no operation runs";
        if (free != e.free || cached != e.cached || cached != e.holding)
            return "donor free/cached/holding counters disagree with slot states";
        if (free + cached != e.donated || owned + e.donated != e.slot_count)
            return "donor size disagrees with slot states";
    }
    return nullptr;
}

// Cached pages refer to held inode handles; the live ones add up to the `cached` gauge, per
// inode and per filesystem, the others to `stale`; handle references equal the pages holding
// them; live handles are findable.
template <pool_config Config>
const char* pool_core<Config>::check_accounting() const noexcept {
    const uint32_t used = donors_.slots_used();
    uint64_t live = 0, stale = 0, cached_total = 0;
    for (uint32_t slot = 0; slot < used; ++slot) {
        if (slots_[slot].state() != slot_state::cached)
            continue;
        ++cached_total;
        const inode_table::entry& inode = inodes_[slot_handle(slot)];
        if (inode.fs == inode_table::free_fs || inode.refs == 0)
            return "cached page refers to a free inode handle";
        ++(handle_live(slot_handle(slot)) ? live : stale);
    }
    if (live != cached_ || stale != stale_)
        return "cached/stale gauges disagree with the pages";

    uint64_t refs = 0, inode_cached_live = 0;
    for (uint32_t h = 0; h < inodes_.capacity(); ++h) {
        const inode_table::entry& e = inodes_[h];
        if (e.fs == inode_table::free_fs)
            continue;
        refs += e.refs;
        if (handle_live(h)) {
            inode_cached_live += e.cached;
            if (!inodes_.linked(h))
                return "live inode handle not in its bucket";
        }
    }
    if (refs != cached_total)
        return "inode handle references differ from the pages that hold them";
    if (inode_cached_live != cached_ || filesystems_.total_cached() != cached_)
        return "per-inode or per-filesystem cached counts disagree with the gauge";
    return nullptr;
}

// Discardable page memory: every cached page was published with an even generation not ahead
// of its page's (discard_records::check). A cached page whose generation moved since is a
// discard not yet detected: legal, and a restore of it misses. A page the pool learnt was
// discarded is in no structure any more: its slot is free (or donor-owned after a take-back),
// which the checks of the donors, the index and the rings above already hold it to.
template <pool_config Config>
const char* pool_core<Config>::check_discards() const noexcept {
    const uint32_t used = donors_.slots_used();
    for (uint32_t slot = 0; slot < used; ++slot)
        if (slots_[slot].state() == slot_state::cached)
            if (const char* broken = discards_.check(discards_[slot], discard_generation(slot)))
                return broken;
    return nullptr;
}

} // namespace tagcache::detail
