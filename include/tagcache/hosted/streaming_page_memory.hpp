// Page memory in an arena whose stores write pool pages around the cache: non-temporal stores
// on x86-64 (SSE2), a plain memcpy elsewhere. A stored page is read again only if a restore
// hits it, usually much later, so filling it through the cache costs a read-for-ownership of
// every destination line and evicts the caller's working set for nothing. Restores copy
// normally: their sink is about to be used. Hosted.
#pragma once

#include <cstddef>
#include <cstring>

#include "arena_page_memory.hpp"

namespace tagcache {

class streaming_arena_page_memory : public arena_page_memory {
public:
    using arena_page_memory::arena_page_memory;
    streaming_arena_page_memory for_shard(uint32_t shard, uint32_t slots) const noexcept {
        return shifted(*this, shard, slots);
    }

    void copy_into_page(void* page, const void* source, std::size_t bytes) const noexcept {
#if defined(__x86_64__) && defined(__SSE2__)
        using lane = long long __attribute__((vector_size(16)));
        auto* to = static_cast<lane*>(page); // pool pages are page-aligned
        const auto* from = static_cast<const unsigned char*>(source);
        for (std::size_t i = 0; i < bytes / sizeof(lane); ++i) {
            lane value;
            std::memcpy(&value, from + i * sizeof(lane), sizeof(lane)); // any alignment
#if defined(__clang__)
            __builtin_nontemporal_store(value, to + i);
#else
            __builtin_ia32_movntdq(to + i, value);
#endif
        }
        __builtin_ia32_sfence(); // the bytes are visible before the store publishes them
#else
        std::memcpy(page, source, bytes);
#endif
    }
};

static_assert(page_memory_policy<streaming_arena_page_memory>);
static_assert(page_memory_copies_into_pages<streaming_arena_page_memory>);
static_assert(page_memory_per_shard<streaming_arena_page_memory>);

} // namespace tagcache
