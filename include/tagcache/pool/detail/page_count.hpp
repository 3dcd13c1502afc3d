// The number of pages an operation covers, fixed at compile time or not: one body serves both,
// and in the fixed instantiation (an order-0 store, the common case in a page cache) the
// compiler folds its loops over the folio's pages away. Freestanding.
#pragma once

#include <stdint.h>

namespace tagcache::detail {

template <uint32_t Fixed> // 0: known at run time
struct page_count {
    uint32_t value = Fixed;
    constexpr operator uint32_t() const noexcept { return Fixed != 0 ? Fixed : value; }
};

} // namespace tagcache::detail
