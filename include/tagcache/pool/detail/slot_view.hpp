// What a placement policy sees of the pool's slots (concept free_slot_view): the free slots'
// link and flag, and each donor's run of slots. Freestanding.
#pragma once

#include <stdint.h>

#include "../../concepts/placement.hpp"
#include "donor_table.hpp"
#include "slot.hpp"

namespace tagcache::detail {

template <uint32_t MaxDonors>
class pool_slot_view {
public:
    pool_slot_view(slot_meta* slots, const donor_table<MaxDonors>& donors) noexcept
        : slots_(slots)
        , donors_(donors) {}
    bool is_free(uint32_t slot) const noexcept { return slots_[slot].state() == slot_state::free; }
    uint32_t free_link(uint32_t slot) const noexcept { return slots_[slot].link; }
    void set_free_link(uint32_t slot, uint32_t next) noexcept { slots_[slot].link = next; }
    bool listed(uint32_t slot) const noexcept { return slots_[slot].listed(); }
    void set_listed(uint32_t slot, bool on) noexcept { slots_[slot].set_listed(on); }
    uint32_t donor_count() const noexcept { return donors_.count(); }
    uint32_t first_slot(uint32_t d) const noexcept { return donors_[d].first_slot; }
    uint32_t slot_count(uint32_t d) const noexcept { return donors_[d].slot_count; }
    uint32_t block_pages(uint32_t d) const noexcept { return donors_[d].block_pages; }

private:
    slot_meta* slots_;
    const donor_table<MaxDonors>& donors_;
};

static_assert(free_slot_view<pool_slot_view<1>>);

} // namespace tagcache::detail
