// Concept `donor_choice_policy`: which donor's free pages a new folio goes to. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/meta.hpp"

namespace tagcache {

// What a donor choice policy sees of each donor: pages it can hold now, and its share. An
// aggregate without default member initialisers: the pool fills one per donor on every
// allocation, and zeroing the unused rest would cost more than choosing.
struct donor_load {
    uint64_t free;   // donated pages not holding data
    uint64_t cached; // donated pages holding data (or being stored into)
    uint64_t quota;  // the donor's quota in pages (its weight); 0: no quota
    bool usable;     // registered, with free pages and room under its quota
};

// `choose(loads, count, pages)` returns the index of the donor a folio of `pages` pages should
// come from, or `count` when no donor is usable. O(count); count is at most the pool's
// max_donors, fixed at compile time.
template <class P>
concept donor_choice_policy = requires(P& policy, const donor_load* loads, uint32_t count,
                                       uint32_t pages) {
    { policy.choose(loads, count, pages) }
    noexcept->convertible_to<uint32_t>;
};

} // namespace tagcache
