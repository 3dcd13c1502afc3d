// Concept `discardable_page_memory`: page memory whose pages another machine (a hypervisor
// lending a virtio-tmem region) may discard at any moment, without the pool's lock, the way
// MADV_FREE lets the kernel drop a page. Freestanding.
//
// Each page has a discard generation, device-page metadata outside the pool (docs/tmem.md):
// the host advances it to an odd value, then (after a full barrier) discards the page, then
// advances it to the next even value with release ordering once the discard is complete, so that a
// generation read twice with the same even value brackets an interval in which no discard touched
// the page. The pool checks it around every copy (docs/tmem.md, "The discard protocol"); a pool
// whose page memory does not model this concept compiles none of it.
#pragma once

#include <stdint.h>

#include "../base/meta.hpp"
#include "../base/types.hpp"
#include "page_memory.hpp"

namespace tagcache {

// `discard_generation(slot, pfn)`: the page's current discard generation, read with acquire
// ordering (the host writes it concurrently). Called outside the pool lock, twice per page
// copy, and under it by check_invariants().
template <class M>
concept discardable_page_memory = page_memory_policy<M> &&
    requires(const M& memory, uint32_t slot, pfn_t pfn) {
    { memory.discard_generation(slot, pfn) }
    noexcept->convertible_to<uint32_t>;
};

// A generation is odd while its page is being discarded.
constexpr bool discard_in_progress(uint32_t generation) noexcept {
    return (generation & 1u) != 0;
}

} // namespace tagcache
