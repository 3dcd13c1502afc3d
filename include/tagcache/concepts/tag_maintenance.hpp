// Concept `tag_maintenance_policy`: the cache maintenance and tag writes a block and a page
// need when memory moves between holding data and holding tags. Freestanding.
#pragma once

#include "../base/meta.hpp"
#include "../base/types.hpp"

namespace tagcache {

// Linux RFC v3, patch 24: a block becoming tag storage must have its data cache lines
// invalidated (dirty data written back later would corrupt the tags); a freed tagged page must
// have its tags invalidated (`dc igvac`) before its block can hold data again. A newly tagged
// page starts with all-zero tags (as the kernel's mte_clear_page_tags / DC GZVA), so that it
// never sees tags or bytes the block held before.
template <class M>
concept tag_maintenance_policy = requires(M& maintenance, pfn_range tag_pages, pfn_t data_page) {
    { maintenance.to_tags(tag_pages) }
    noexcept; // block: data -> tag storage
    { maintenance.to_data(tag_pages) }
    noexcept; // block: tag storage -> data
    { maintenance.zero_tags(data_page) }
    noexcept; // a page becomes tagged
    { maintenance.invalidate_tags(data_page) }
    noexcept; // a tagged page is freed
};

} // namespace tagcache
