// Partial-take policies: a donor takes back one page of a large cached folio. Freestanding.
#pragma once

#include "../concepts/partial_take.hpp"

namespace tagcache {

// The whole folio leaves the pool; its other pages are counted as collateral_dropped. Keeps
// folios whole, as the page cache wants them, at the price of dropping good data.
struct drop_whole_folio {
    static constexpr bool drops_whole_folio = true;
    static constexpr const char* name = "drop";
};

// Only the taken page leaves; the others stay restorable (a restore of the folio then reports
// a partial bitmap).
struct split_folio {
    static constexpr bool drops_whole_folio = false;
    static constexpr const char* name = "split";
};

static_assert(partial_take_policy<drop_whole_folio>);
static_assert(partial_take_policy<split_folio>);

} // namespace tagcache
