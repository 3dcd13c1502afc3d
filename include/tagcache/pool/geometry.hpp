// The sizes a pool is built with; everything it will ever need is allocated from them at
// construction (docs/design.md, invariant 6). Freestanding.
#pragma once

#include <stdint.h>

#include "../base/types.hpp"

namespace tagcache {

// The most inode handles a pool interns (pool_geometry::inodes): 24 bits of a handle.
inline constexpr uint32_t max_inode_handles = uint32_t{1} << 24;

struct pool_geometry {
    uint32_t slots = 0;           // pages all donors together may register
    uint32_t inodes = 0;          // interned inode handles; 0: max(64, slots / 16)
    uint32_t filesystems = 16;    // add_fs ids
    uint32_t max_ranges = 32;     // donor pfn ranges, all donors together
    uint32_t max_block_pages = 1; // the largest donor block, in pages
    uint32_t hash_buckets = 0;    // page index buckets; 0: largest power of two <= slots / 2
    page_size page = page_size::size_4k;
    uint64_t hash_seed = 0x243F'6A88'85A3'08D3ull; // any value; a shim may randomise it

    constexpr uint32_t inode_capacity() const noexcept {
        if (inodes != 0)
            return inodes;
        return slots / 16 > 64 ? slots / 16 : 64;
    }
    constexpr uint32_t bucket_count() const noexcept {
        if (hash_buckets != 0)
            return hash_buckets;
        uint32_t buckets = 1;
        while (buckets * 2 <= slots / 2)
            buckets *= 2;
        return buckets;
    }
};

} // namespace tagcache
