// What this computer can hold, so that a machine or a cache too large for it is refused by
// name before anything is allocated, instead of ending in std::bad_alloc; and the sizes the
// simulator derives from a workload, computed once for every command. Hosted.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <tagcache/pool/geometry.hpp>

namespace tagcache::sim {

// This computer's physical memory, in bytes (0 when unknown: then nothing is refused).
inline uint64_t physical_memory_bytes() noexcept {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? uint64_t(pages) * uint64_t(page) : 0;
}

// "12 GiB", "300 MiB": for messages.
inline std::string human_bytes(uint64_t bytes) {
    if (bytes >= (uint64_t{1} << 30))
        return std::to_string((bytes + (uint64_t{1} << 29)) >> 30) + " GiB";
    return std::to_string((bytes + (uint64_t{1} << 19)) >> 20) + " MiB";
}

// Throws std::invalid_argument naming `what` when `bytes` exceed this computer's memory.
inline void require_memory(const std::string& what, uint64_t bytes) {
    const uint64_t have = physical_memory_bytes();
    if (have != 0 && bytes > have)
        throw std::invalid_argument(what + " needs about " + human_bytes(bytes) +
                                    " of memory, more than this computer's " + human_bytes(have));
}

// A simulated machine costs about this much host memory per page of tagged memory, for both
// strategies together (tag_map, buddy allocators, allocation tables, the page cache model):
// measured at 155 bytes on the default scenario (318 MiB for 2 Mi data pages), rounded up.
inline constexpr uint64_t simulation_bytes_per_data_page = 192;

// Interned inode handles for a pool that serves `files` files: one each, at least 64, at most
// what an inode table can hold (handles are 24 bits). Every command sizes its pools with it.
inline uint32_t inode_capacity_for(uint64_t files) noexcept {
    return static_cast<uint32_t>(
        std::min<uint64_t>(std::max<uint64_t>(files, 64), max_inode_handles));
}

} // namespace tagcache::sim
