// cleancache_pool::check_invariants(): DESIGN.md invariants 1-4 checked over the whole pool.
// O(pool size); for tests and debugging, not for production paths. Freestanding.
#pragma once

#include "cleancache_pool.hpp"

namespace tagcache {

template <class Config>
const char* cleancache_pool<Config>::check_invariants() const noexcept {
    lock_guard guard(this->lock_);
    const slot_meta* slots = this->slots_;
    const uint32_t used = this->donors_.slots_used();
    const uint32_t donor_count = this->donors_.count();

    // Per donor: every page in exactly one state, and the counters agree with the states.
    for (uint32_t d = 0; d < donor_count; ++d) {
        const donor_entry& e = this->donors_[d];
        uint32_t free = 0, cached = 0, other = 0, owned = 0;
        for (uint32_t slot = e.first_slot; slot < e.first_slot + e.slot_count; ++slot) {
            if (this->donors_.donor_of(slot) != d)
                return "slot -> donor lookup disagrees with the donor's slot run";
            if (this->donors_.slot_of(d, this->donors_.pfn_of(slot)) != slot)
                return "pfn -> slot and slot -> pfn are not inverse";
            if (slots[slot].copiers != 0)
                return "a copy is marked in flight while none runs";
            switch (slots[slot].state()) {
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
                ++other;
                break;
            default:
                return "slot in an unknown state";
            }
        }
        if (other != 0)
            return "pending or draining slot while no operation runs";
        if (free != e.free || cached != e.cached || cached != e.holding)
            return "donor free/cached/holding counters disagree with slot states";
        if (free + cached != e.donated || owned + e.donated != e.slot_count)
            return "donor size disagrees with slot states";
    }

    // Cached pages: indexed once, in a consistent folio ring with one head the eviction
    // policy knows, and accounted to a live or invalidated inode.
    uint64_t live = 0, stale = 0, heads = 0, in_chain = 0, cached_total = 0;
    for (uint32_t slot = 0; slot < used; ++slot) {
        const slot_meta& s = slots[slot];
        if (s.in_chain())
            ++in_chain;
        if (s.state() != slot_state::cached) {
            if (s.head())
                return "a slot that is not cached is marked as a folio head";
            continue;
        }
        ++cached_total;
        const inode_table::entry& inode = this->inodes_[s.inode];
        if (inode.fs == inode_table::free_fs || inode.refs == 0)
            return "cached page refers to a free inode handle";
        if (this->handle_live(s.inode))
            ++live;
        else
            ++stale;
        if (!s.in_chain())
            return "cached page missing from the index";
        uint32_t matches = 0;
        bool reachable = false;
        uint32_t steps = 0;
        for (uint32_t at = this->buckets_[this->bucket_of(s.inode, s.index())]; at != none;
             at = slots[at].hash_next) {
            if (++steps > used)
                return "index chain has a cycle";
            reachable = reachable || at == slot;
            if (slots[at].state() == slot_state::cached && slots[at].inode == s.inode &&
                slots[at].index() == s.index())
                ++matches;
        }
        if (!reachable || matches != 1)
            return "cached page not reachable from its bucket, or its key cached twice";
        // The ring: <= 2^order pages of one aligned folio, one head.
        uint32_t members = 0, ring_heads = 0;
        uint32_t at = slot;
        do {
            const slot_meta& m = slots[at];
            if (m.state() != slot_state::cached || m.inode != s.inode || m.order() != s.order() ||
                (m.index() >> s.order()) != (s.index() >> s.order()))
                return "folio ring holds a page of another folio";
            ring_heads += m.head() ? 1u : 0u;
            if (++members > (uint32_t{1} << s.order()))
                return "folio ring longer than its order allows";
            at = m.link;
        } while (at != slot);
        if (ring_heads != 1)
            return "folio ring without exactly one head";
        if (s.head()) {
            ++heads;
            if (!this->eviction_.contains(slot))
                return "folio head unknown to the eviction policy";
        } else if (this->eviction_.contains(slot)) {
            return "eviction policy holds a page that is not a folio head";
        }
    }
    if (live != this->cached_ || stale != this->stale_)
        return "cached/stale gauges disagree with the pages";
    if (heads != this->eviction_.size())
        return "eviction policy size differs from the number of folios";

    // Every index chain entry is flagged, and every flagged slot sits in a chain.
    uint64_t chained = 0;
    for (uint32_t bucket = 0; bucket <= this->bucket_mask_; ++bucket) {
        for (uint32_t at = this->buckets_[bucket]; at != none; at = slots[at].hash_next) {
            if (++chained > used)
                return "index chains longer than the pool";
            if (!slots[at].in_chain())
                return "index chain entry without its in_chain flag";
            if (this->bucket_of(slots[at].inode, slots[at].index()) != bucket)
                return "index chain entry in the wrong bucket";
        }
    }
    if (chained != in_chain)
        return "slots flagged in_chain but in no chain";

    // Inode handles: references and restorable counts add up.
    uint64_t refs = 0, inode_cached_live = 0, fs_cached = 0;
    for (uint32_t h = 0; h < this->inodes_.capacity(); ++h) {
        const inode_table::entry& e = this->inodes_[h];
        if (e.fs == inode_table::free_fs)
            continue;
        refs += e.refs;
        if (this->handle_live(h)) {
            inode_cached_live += e.cached;
            if (!this->inodes_.linked(h))
                return "live inode handle not in its bucket";
        }
    }
    for (uint32_t fs = 0; fs < this->geometry_.filesystems; ++fs)
        fs_cached += this->filesystems_[fs].cached;
    if (refs != cached_total)
        return "inode handle references differ from the pages that hold them";
    if (inode_cached_live != this->cached_ || fs_cached != this->cached_)
        return "per-inode or per-filesystem cached counts disagree with the gauge";
    return nullptr;
}

} // namespace tagcache
