// Page memory policies for the freestanding layers. An arena of page slots for userspace
// models lives in hosted/. Freestanding.
#pragma once

#include "../concepts/page_memory.hpp"

namespace tagcache {

// Metadata only: the pool tracks what it would hold and copies nothing (fast simulation).
struct no_page_memory {
    static constexpr bool holds_data = false;
    constexpr void* address(uint32_t, pfn_t) const noexcept { return nullptr; }
};

// Donor pages mapped by the caller, e.g. a kernel shim's `page_address(pfn_to_page(pfn))`:
// a plain function pointer and a context, so that no callable type leaks into the pool type.
class mapped_page_memory {
public:
    using map_function = void* (*)(void* context, pfn_t pfn) noexcept;
    static constexpr bool holds_data = true;

    constexpr mapped_page_memory() noexcept = default;
    constexpr mapped_page_memory(map_function map, void* context) noexcept
        : map_(map)
        , context_(context) {}

    void* address(uint32_t, pfn_t pfn) const noexcept { return map_(context_, pfn); }

private:
    map_function map_ = nullptr;
    void* context_ = nullptr;
};

static_assert(page_memory_policy<no_page_memory>);
static_assert(page_memory_policy<mapped_page_memory>);

} // namespace tagcache
