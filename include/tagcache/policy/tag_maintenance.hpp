// Tag maintenance policies for the freestanding layers. Freestanding.
#pragma once

#include "../concepts/tag_maintenance.hpp"

namespace tagcache {

// For models that track no memory contents: nothing to maintain.
struct no_tag_maintenance {
    constexpr void to_tags(pfn_range) noexcept {}
    constexpr void to_data(pfn_range) noexcept {}
    constexpr void zero_tags(pfn_t) noexcept {}
    constexpr void invalidate_tags(pfn_t) noexcept {}
};

// A kernel shim's hooks as plain function pointers (dcache_inval_poc on the block's mapping,
// mte_clear_page_tags, dcache_inval_tags_poc), so no callable type leaks into the manager type.
struct hooked_tag_maintenance {
    using range_hook = void (*)(void* context, pfn_range tag_pages) noexcept;
    using page_hook = void (*)(void* context, pfn_t data_page) noexcept;
    range_hook on_to_tags = nullptr;
    range_hook on_to_data = nullptr;
    page_hook on_zero_tags = nullptr;
    page_hook on_invalidate_tags = nullptr;
    void* context = nullptr;

    void to_tags(pfn_range r) noexcept {
        if (on_to_tags)
            on_to_tags(context, r);
    }
    void to_data(pfn_range r) noexcept {
        if (on_to_data)
            on_to_data(context, r);
    }
    void zero_tags(pfn_t p) noexcept {
        if (on_zero_tags)
            on_zero_tags(context, p);
    }
    void invalidate_tags(pfn_t p) noexcept {
        if (on_invalidate_tags)
            on_invalidate_tags(context, p);
    }
};

static_assert(tag_maintenance_policy<no_tag_maintenance>);
static_assert(tag_maintenance_policy<hooked_tag_maintenance>);

} // namespace tagcache
