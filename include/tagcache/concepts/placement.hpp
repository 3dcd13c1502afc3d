// Concepts `free_slot_view` and `placement_policy`: which free slots of a donor a new folio
// occupies, and how free slots are kept. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/meta.hpp"

namespace tagcache {

// What the pool shows a placement policy of its slots. Free slots lend the policy one link
// field (`free_link`) and one flag (`listed`), so that free lists cost no memory of their own.
// A donor's slots are [first_slot(d), first_slot(d) + slot_count(d)), in blocks of
// block_pages(d) slots that never straddle two of its pfn ranges.
template <class V>
concept free_slot_view = requires(V& view, const V& const_view, uint32_t slot, uint32_t donor,
                                  bool flag) {
    { const_view.is_free(slot) }
    noexcept->convertible_to<bool>;
    { const_view.free_link(slot) }
    noexcept->convertible_to<uint32_t>;
    { view.set_free_link(slot, slot) }
    noexcept;
    { const_view.listed(slot) }
    noexcept->convertible_to<bool>;
    { view.set_listed(slot, flag) }
    noexcept;
    { const_view.donor_count() }
    noexcept->convertible_to<uint32_t>;
    { const_view.first_slot(donor) }
    noexcept->convertible_to<uint32_t>;
    { const_view.slot_count(donor) }
    noexcept->convertible_to<uint32_t>;
    { const_view.block_pages(donor) }
    noexcept->convertible_to<uint32_t>;
};

// A placement policy owns the free-slot structures of every donor:
//  - release(view, d, slot): `slot` of donor d became free (donated, evicted, invalidated);
//  - withdraw(view, d, slot): the free `slot` leaves the pool (its donor took it back), O(1);
//  - place(view, d, pages, out): takes up to `pages` free slots of donor d for one folio,
//    writes them to `out` and returns how many it took (fewer only when d has fewer free);
//  - storage_bytes(slots, donors, max_block_pages) and attach(storage, ...): its metadata,
//    carved from the pool's buffer at construction.
template <class P, class V>
concept placement_policy = free_slot_view<V> &&
    requires(P& policy, V& view, uint32_t donor, uint32_t slot, uint32_t pages, uint32_t* out,
             void* storage) {
    { P::name } -> convertible_to<const char*>;
    { P::storage_bytes(uint32_t{}, uint32_t{}, uint32_t{}) }
    noexcept->same_as<size_t>;
    { policy.attach(storage, uint32_t{}, uint32_t{}, uint32_t{}) }
    noexcept;
    { policy.release(view, donor, slot) }
    noexcept;
    { policy.withdraw(view, donor, slot) }
    noexcept;
    { policy.place(view, donor, pages, out) }
    noexcept->convertible_to<uint32_t>;
};

} // namespace tagcache
