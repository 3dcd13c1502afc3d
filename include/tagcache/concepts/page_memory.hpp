// Concept `page_memory_policy`: where the bytes of a pool page live. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/meta.hpp"
#include "../base/types.hpp"

namespace tagcache {

// `address(slot, pfn)` gives the kernel-visible address of the page (a shim maps donor pfns,
// a model indexes an arena by slot). When `holds_data` is false the pool copies nothing:
// metadata-only simulation.
template <class M>
concept page_memory_policy = requires(M& memory, uint32_t slot, pfn_t pfn) {
    { M::holds_data } -> convertible_to<bool>;
    { memory.address(slot, pfn) }
    noexcept->convertible_to<void*>;
};

} // namespace tagcache
