// Discardable page memory for the freestanding layers: donor pages mapped by the caller, with
// the discard generations a virtio-tmem device publishes beside its region. Freestanding.
#pragma once

#include <stdint.h>

#include "../concepts/discardable_page_memory.hpp"
#include "page_memory.hpp"

namespace tagcache {

// A virtio-tmem driver maps the device's region (through `map`, as mapped_page_memory) and
// the device's generation array: one 32-bit discard generation per page of the region, page
// `first_pfn + i` at `generations[i]`, written by the host (docs/tmem.md). 4 bytes of device
// metadata per page, outside the pool's metadata.
class mapped_discardable_page_memory : public mapped_page_memory {
public:
    constexpr mapped_discardable_page_memory() noexcept = default;
    constexpr mapped_discardable_page_memory(map_function map, void* context,
                                             const uint32_t* generations, pfn_t first_pfn) noexcept
        : mapped_page_memory(map, context)
        , generations_(generations)
        , first_pfn_(first_pfn) {}

    uint32_t discard_generation(uint32_t, pfn_t pfn) const noexcept {
        return __atomic_load_n(generations_ + (pfn - first_pfn_), __ATOMIC_ACQUIRE);
    }

private:
    const uint32_t* generations_ = nullptr;
    pfn_t first_pfn_ = 0;
};

static_assert(discardable_page_memory<mapped_discardable_page_memory>);
static_assert(!discardable_page_memory<mapped_page_memory>);
static_assert(!discardable_page_memory<no_page_memory>);

} // namespace tagcache
