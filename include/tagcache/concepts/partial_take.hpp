// Concept `partial_take_policy`: what happens to the other pages of a large folio when a
// donor takes back one of its pages. Freestanding.
#pragma once

#include "../base/meta.hpp"

namespace tagcache {

// drop_whole_folio: the whole folio leaves the pool (its other pages count as
// collateral_dropped). Split: the surviving pages stay restorable.
template <class P>
concept partial_take_policy = requires {
    { P::drops_whole_folio } -> convertible_to<bool>;
};

} // namespace tagcache
