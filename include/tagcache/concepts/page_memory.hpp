// Concept `page_memory_policy`: where the bytes of a pool page live. Freestanding.
#pragma once

#include <stddef.h>
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

// Optional: a page memory that copies into pool pages itself (`copy_into_page(page, source,
// bytes)`), e.g. with non-temporal stores, because a stored page is not read again soon. The
// pool uses it for stores when present, memcpy otherwise. It must leave the bytes visible to
// other CPUs before it returns (a store fence after non-temporal stores).
template <class M>
concept page_memory_copies_into_pages = requires(M& memory, void* page, const void* source,
                                                 size_t bytes) {
    { memory.copy_into_page(page, source, bytes) }
    noexcept;
};

// Optional: the page memory of one shard of a sharded_pool (`for_shard(shard, slots)`: the
// memory whose slot 0 is slot shard * slots of this one). Memory indexed by slot, such as an
// arena, provides it; memory addressed by pfn ignores the slot and needs none.
template <class M>
concept page_memory_per_shard = requires(const M& memory, uint32_t shard, uint32_t slots) {
    { memory.for_shard(shard, slots) }
    noexcept->same_as<M>;
};

} // namespace tagcache
