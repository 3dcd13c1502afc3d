// Donors: who gave the pool which pfns, and which pool slot each pfn maps to. Each donor owns
// one run of consecutive slots, its pfn ranges laid out in pfn order, so that pfn -> slot and
// slot -> pfn are binary searches over ranges (never over pages). Freestanding.
#pragma once

#include <stdint.h>

#include "../../base/assert.hpp"
#include "../../base/error.hpp"
#include "../../base/index.hpp"
#include "../../base/result.hpp"
#include "../../base/span.hpp"
#include "../../base/types.hpp"
#include "../../concepts/donor_choice.hpp"
#include "../donors.hpp"

namespace tagcache::detail {

// Pages of a range of `blocks` blocks of `block_pages` that `share` holds.
constexpr uint64_t shared_pages(uint64_t blocks, uint32_t block_pages, block_share share) noexcept {
    return blocks > share.phase
               ? (blocks - share.phase + share.stride - 1) / share.stride * block_pages
               : 0;
}

// The pages of a registered range the pool holds: `count` pages in blocks of the donor's
// block_pages, from `first`, consecutive blocks `stride` blocks apart (1: one run of pages).
struct donor_range {
    pfn_t first = 0;         // first pfn held
    uint32_t count = 0;      // pages held
    uint32_t first_slot = 0; // the slot of `first`
    uint32_t donor = 0;
    uint32_t stride = 1; // blocks from one held block to the next
    uint64_t extent = 0; // pages from `first` to the end of the last held block
};

struct donor_entry {
    static constexpr uint32_t name_capacity = 32;
    char name[name_capacity] = {};
    uint32_t first_slot = 0;
    uint32_t slot_count = 0;
    uint32_t block_pages = 1;
    uint32_t first_range = 0;
    uint32_t range_count = 0;
    uint64_t quota = 0;    // pages it may have holding data at once; 0: no limit
    uint32_t donated = 0;  // size: donated and not taken back
    uint32_t free = 0;     // donated, holding nothing
    uint32_t holding = 0;  // pending, cached or draining
    uint32_t cached = 0;   // cached (restorable, or invalidated and not yet reclaimed)
    uint64_t recalled = 0; // pages taken back while they held data (a counter)
};

// The checks every pool makes of a new donor's ranges: each non-empty, not wrapping around, a
// whole number of blocks, overlapping neither another of them nor one of the `registered_count`
// ranges already registered (anything with `first` and `extent`, the pages it spans). `pages`
// gets their total.
template <class Registered>
errc check_new_ranges(span<const pfn_range> ranges, uint32_t block_pages,
                      const Registered* registered, uint32_t registered_count,
                      uint64_t& pages) noexcept {
    pages = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
        const pfn_range& r = ranges[i];
        if (r.count == 0)
            return errc::empty_range;
        if (r.first + r.count < r.first)
            return errc::address_overflow;
        if (r.count % block_pages != 0)
            return errc::range_not_block_multiple;
        for (size_t j = 0; j < i; ++j)
            if (r.overlaps(ranges[j]))
                return errc::donor_ranges_overlap;
        for (uint32_t j = 0; j < registered_count; ++j)
            if (r.overlaps(pfn_range{registered[j].first, registered[j].extent}))
                return errc::donor_ranges_overlap;
        pages += r.count;
    }
    return errc::ok;
}

template <uint32_t MaxDonors>
class donor_table {
public:
    void attach(donor_range* ranges, uint32_t range_capacity, uint32_t slot_capacity) noexcept {
        ranges_ = ranges;
        range_capacity_ = range_capacity;
        slot_capacity_ = slot_capacity;
    }

    // What add() would refuse `ranges` and `block_pages` for, without adding: errc::ok when it
    // would accept them.
    errc check(span<const pfn_range> ranges, uint32_t block_pages, uint32_t max_block_pages,
               block_share share = {}) const noexcept {
        if (count_ == MaxDonors)
            return errc::too_many_donors;
        if (block_pages == 0 || block_pages > max_block_pages)
            return errc::invalid_block_pages;
        if (ranges.empty())
            return errc::empty_range;
        if (ranges.size() > range_capacity_ - range_count_)
            return errc::too_many_ranges;
        uint64_t pages = 0;
        if (const errc e = check_new_ranges(ranges, block_pages, ranges_, range_count_, pages);
            e != errc::ok)
            return e;
        if (held_pages(ranges, block_pages, share) > slot_capacity_ - slots_used_)
            return errc::not_enough_slots;
        return errc::ok;
    }

    // Pages of `ranges` that `share` holds.
    static uint64_t held_pages(span<const pfn_range> ranges, uint32_t block_pages,
                               block_share share) noexcept {
        uint64_t pages = 0;
        for (const pfn_range& r : ranges)
            pages += shared_pages(r.count / block_pages, block_pages, share);
        return pages;
    }

    donor_room room() const noexcept {
        return {MaxDonors - count_, range_capacity_ - range_count_, slot_capacity_ - slots_used_};
    }

    // Registers a donor whose ranges (the blocks of them `share` holds) get the next slots, or
    // refuses it (check()), changing nothing.
    result<uint32_t> add(const char* name, span<const pfn_range> ranges, uint32_t block_pages,
                         uint32_t max_block_pages, uint64_t quota,
                         block_share share = {}) noexcept {
        if (const errc refused = check(ranges, block_pages, max_block_pages, share);
            refused != errc::ok)
            return refused;
        const uint64_t pages = held_pages(ranges, block_pages, share);

        const uint32_t donor = count_;
        donor_entry& entry = donors_[donor];
        entry = donor_entry{};
        for (uint32_t i = 0;
             name != nullptr && name[i] != '\0' && i + 1 < donor_entry::name_capacity; ++i)
            entry.name[i] = name[i];
        entry.first_slot = slots_used_;
        entry.slot_count = static_cast<uint32_t>(pages);
        entry.block_pages = block_pages;
        entry.first_range = range_count_;
        entry.range_count = 0;
        entry.quota = quota;
        // The donor's ranges in pfn order (insertion sort: few ranges, run once); a range of
        // which the share holds no block is left out.
        donor_range* mine = ranges_ + range_count_;
        for (const pfn_range& given : ranges) {
            const uint64_t held = shared_pages(given.count / block_pages, block_pages, share);
            if (held == 0)
                continue;
            const donor_range r{given.first + pfn_t{share.phase} * block_pages,
                                static_cast<uint32_t>(held),
                                0,
                                donor,
                                share.stride,
                                (held / block_pages - 1) * share.stride * block_pages +
                                    block_pages};
            uint32_t j = entry.range_count++;
            while (j > 0 && mine[j - 1].first > r.first) {
                mine[j] = mine[j - 1];
                --j;
            }
            mine[j] = r;
        }
        uint32_t slot = entry.first_slot;
        for (uint32_t i = 0; i < entry.range_count; ++i) {
            mine[i].first_slot = slot;
            slot += mine[i].count;
        }
        range_count_ += entry.range_count;
        slots_used_ += entry.slot_count;
        ++count_;
        return donor;
    }

    // The one lookup of a caller's (donor, pfn): the page's slot, or why there is none
    // (errc::unknown_donor: no such donor; errc::not_donor_page: a pfn it did not register).
    result<uint32_t> find(uint32_t donor, pfn_t pfn) const noexcept {
        if (donor >= count_)
            return errc::unknown_donor;
        const uint32_t slot = slot_of(donor, pfn);
        if (slot == no_slot)
            return errc::not_donor_page;
        return slot;
    }
    bool known(uint32_t donor) const noexcept { return donor < count_; }

    // The slot of `pfn` if donor `donor` registered it, else no_slot. O(log ranges of the donor).
    uint32_t slot_of(uint32_t donor, pfn_t pfn) const noexcept {
        const donor_entry& entry = donors_[donor];
        uint32_t low = entry.first_range;
        uint32_t high = entry.first_range + entry.range_count;
        while (low < high) {
            const uint32_t mid = (low + high) / 2;
            if (ranges_[mid].first <= pfn)
                low = mid + 1;
            else
                high = mid;
        }
        if (low == entry.first_range)
            return no_slot;
        const donor_range& r = ranges_[low - 1];
        const uint64_t offset = pfn - r.first;
        if (offset >= r.extent)
            return no_slot;
        if (r.stride == 1)
            return r.first_slot + static_cast<uint32_t>(offset);
        const uint64_t block = offset / entry.block_pages;
        if (block % r.stride != 0) // a block another shard holds
            return no_slot;
        return r.first_slot + static_cast<uint32_t>(block / r.stride * entry.block_pages +
                                                    offset % entry.block_pages);
    }

    // The pfn of a registered slot. O(log ranges).
    pfn_t pfn_of(uint32_t slot) const noexcept {
        const donor_range& r = ranges_[range_of(slot)];
        const uint32_t held = slot - r.first_slot;
        if (r.stride == 1)
            return r.first + held;
        const uint32_t block_pages = donors_[r.donor].block_pages;
        return r.first + pfn_t{held / block_pages} * r.stride * block_pages + held % block_pages;
    }

    // The donor of a registered slot. O(log ranges); no search with one donor.
    uint32_t donor_of(uint32_t slot) const noexcept {
        return count_ == 1 ? 0 : ranges_[range_of(slot)].donor;
    }

    // Each donor's load, as the donor choice policy sees it; returns the donor count.
    uint32_t loads(donor_load* out) const noexcept {
        for (uint32_t d = 0; d < count_; ++d) {
            const donor_entry& e = donors_[d];
            out[d] = donor_load{e.free, e.holding, e.quota,
                                e.free != 0 && (e.quota == 0 || e.holding < e.quota)};
        }
        return count_;
    }

    // Whether donor d could be given a page again once one of its pages is released (its quota
    // allowing): the condition under which a store may take over a slot its eviction frees.
    bool has_room_after_release(uint32_t d) const noexcept {
        const donor_entry& e = donors_[d];
        return e.quota == 0 || e.holding - 1 < e.quota;
    }

    uint32_t count() const noexcept { return count_; }
    uint32_t slots_used() const noexcept { return slots_used_; }
    donor_entry& operator[](uint32_t donor) noexcept { return donors_[donor]; }
    const donor_entry& operator[](uint32_t donor) const noexcept { return donors_[donor]; }
    const donor_range& range(uint32_t index) const noexcept { return ranges_[index]; }
    uint32_t range_count() const noexcept { return range_count_; }

private:
    // Ranges are stored in slot order: donors in registration order, each in pfn order.
    uint32_t range_of(uint32_t slot) const noexcept {
        TAGCACHE_DEBUG_ASSERT(slot < slots_used_, "slot not registered by any donor");
        uint32_t low = 0;
        uint32_t high = range_count_;
        while (low < high) {
            const uint32_t mid = (low + high) / 2;
            if (ranges_[mid].first_slot <= slot)
                low = mid + 1;
            else
                high = mid;
        }
        return low - 1;
    }

    donor_entry donors_[MaxDonors] = {};
    donor_range* ranges_ = nullptr;
    uint32_t count_ = 0;
    uint32_t range_capacity_ = 0;
    uint32_t range_count_ = 0;
    uint32_t slot_capacity_ = 0;
    uint32_t slots_used_ = 0;
};

} // namespace tagcache::detail
