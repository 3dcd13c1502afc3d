// pool_core's backend: donors lend pages and take them back. A take-back reads top to bottom
// here: take_back() -> take_locked() -> take_cached(), then the wait for copies; last, the host's
// notice that it discarded pages (discardable page memory). Included by ../cleancache_pool.hpp.
// Freestanding.
#pragma once

#include "pool_core.hpp"

namespace tagcache::detail {

// ---- donation -----------------------------------------------------------------------------

template <pool_config Config>
result<void> pool_core<Config>::donate(uint32_t donor, pfn_t pfn) noexcept {
    lock_guard guard(lock_);
    if (const errc e = donate_locked(donor, pfn); e != errc::ok)
        return e;
    return {};
}

template <pool_config Config>
template <class OnRefused>
uint64_t pool_core<Config>::donate_range(uint32_t donor, pfn_range range,
                                         OnRefused&& on_refused) noexcept {
    uint64_t accepted = 0;
    for (uint64_t done = 0; done < range.count;) {
        lock_guard guard(lock_);
        for (uint32_t batch = 0; batch < 32 && done < range.count; ++batch, ++done) {
            const errc e = donate_locked(donor, range.first + done);
            if (e == errc::ok)
                ++accepted;
            else
                on_refused(range.first + done, e);
        }
    }
    return accepted;
}

template <pool_config Config>
errc pool_core<Config>::donate_locked(uint32_t donor, pfn_t pfn) noexcept {
    const result<uint32_t> found = donors_.find(donor, pfn);
    if (!found)
        return found.error();
    const uint32_t slot = *found;
    slot_meta& s = slots_[slot];
    if (s.state() != slot_state::donor_owned)
        return errc::already_donated;
    if (s.load_copiers() != 0)
        return errc::page_busy; // taken back, but a copy is still leaving it
    s.set_state(slot_state::free);
    ++donors_[donor].donated;
    ++donors_[donor].free;
    slot_view view(slots_, donors_);
    placement_.release(view, donor, slot);
    return errc::ok;
}

// ---- take-back ----------------------------------------------------------------------------

// 1. Under the lock, the page leaves the pool (take_locked). 2. Without it, wait until no copy
// is in flight on the page: copies never sleep, so this is at most one folio copy.
template <pool_config Config>
result<void> pool_core<Config>::take_back(uint32_t donor, pfn_t pfn) noexcept {
    uint32_t slot = no_slot;
    {
        lock_guard guard(lock_);
        if (const errc e = take_locked(donor, pfn, &slot); e != errc::ok)
            return e;
    }
    while (slots_[slot].load_copiers() != 0)
        cpu_relax();
    return {};
}

// Takes a page out of the pool, whatever its state, in O(2^max_order) steps: index chains are
// left alone (their stale entries are unlinked by later lookups), since finding a predecessor
// in a chain is only expected O(1).
template <pool_config Config>
errc pool_core<Config>::take_locked(uint32_t donor, pfn_t pfn, uint32_t* slot_out) noexcept {
    const result<uint32_t> found = donors_.find(donor, pfn);
    if (!found)
        return found.error();
    const uint32_t slot = *found;
    slot_meta& s = slots_[slot];
    donor_entry& entry = donors_[donor];
    switch (s.state()) {
    case slot_state::donor_owned:
        return errc::not_donated;
    case slot_state::free: {
        slot_view view(slots_, donors_);
        placement_.withdraw(view, donor, slot);
        --entry.free;
        break;
    }
    case slot_state::pending: // a store is copying into it: its publish will see this
        stats_.record(pool_event::recalled, 1);
        ++entry.recalled;
        inodes_.unref(s.inode());
        --entry.holding;
        break;
    case slot_state::draining: // dropped already; its copy is still leaving
        inodes_.unref(s.inode());
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

// A cached page is taken: its data is dropped, and under drop_whole_folio so is the rest of its
// folio (folio_leaves). A page of an invalidated inode held no restorable data: it counts as
// neither recalled nor collateral.
template <pool_config Config>
void pool_core<Config>::take_cached(uint32_t donor, uint32_t slot) noexcept {
    if (folio_leaves<leaving::taken>(slot)) {
        stats_.record(pool_event::recalled, 1);
        ++donors_[donor].recalled;
    }
}

template <pool_config Config>
template <class OnRefused>
uint64_t pool_core<Config>::take_back_range(uint32_t donor, pfn_range range,
                                            OnRefused&& on_refused) noexcept {
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

// ---- the host's discard notice -------------------------------------------------------------

// The host says it discarded `range` of the donor's pages (discardable page memory only): the
// whole range is checked first, then each cached page dropped, one per critical section
// (pool_core::drop_discarded: it leaves as a page taken back would, but stays donated).
template <pool_config Config>
result<uint64_t> pool_core<Config>::on_discarded(uint32_t donor, pfn_range range) noexcept {
    if (range.first + range.count < range.first)
        return errc::address_overflow;
    // Checked first, so that a refused range changes nothing; 64 pages per critical section
    // (a donor's ranges never change once registered).
    if (range.count == 0) { // no page to look up: only the donor
        lock_guard guard(lock_);
        return donors_.known(donor) ? result<uint64_t>(uint64_t{0})
                                    : result<uint64_t>(errc::unknown_donor);
    }
    for (uint64_t checked = 0; checked < range.count;) {
        lock_guard guard(lock_);
        for (uint32_t batch = 0; batch < 64 && checked < range.count; ++batch, ++checked)
            if (const result<uint32_t> slot = donors_.find(donor, range.first + checked); !slot)
                return slot.error();
    }
    uint64_t dropped = 0;
    for (uint64_t i = 0; i < range.count; ++i) {
        lock_guard guard(lock_); // one page per critical section: bounded, as take-back
        const uint32_t slot = donors_.slot_of(donor, range.first + i);
        if (slots_[slot].state() == slot_state::cached && drop_discarded(slot))
            ++dropped;
    }
    return dropped;
}

} // namespace tagcache::detail
