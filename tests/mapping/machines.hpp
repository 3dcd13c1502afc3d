// Region descriptions shared by the mapping tests.
#pragma once

#include <tagcache/mapping/mapping.hpp>

namespace tagcache::test {

inline constexpr uint64_t KiB = 1024;
inline constexpr uint64_t MiB = 1024 * KiB;
inline constexpr uint64_t GiB = 1024 * MiB;

// A region whose tag storage is exactly the size its memory needs.
constexpr tag_region_desc region_at(uint64_t memory_base, uint64_t memory_size, uint64_t tag_base,
                                    uint64_t block_size) {
    return {{memory_base, memory_size}, {tag_base, memory_size / 32}, block_size};
}

// The Linux RFC v3 series' FVP device tree: two tagged memory nodes and their tag storage.
// Memory 1 ends exactly where the tag storage of region 0 begins (touching, not overlapping).
inline constexpr tag_region_desc fvp_regions[] = {
    {{0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000},
    {{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000},
};

} // namespace tagcache::test
