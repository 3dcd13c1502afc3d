// Physical addresses, page frame numbers, page sizes and the ranges built from them.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tagcache {

using phys_addr_t = uint64_t; // a physical byte address
using pfn_t = uint64_t;       // a page frame number: phys_addr_t >> page_shift

// The arm64 translation granules Linux supports (CONFIG_ARM64_{4K,16K,64K}_PAGES).
enum class page_size : uint32_t {
    size_4k = 4096,
    size_16k = 16384,
    size_64k = 65536,
};

constexpr bool is_valid(page_size size) noexcept {
    return size == page_size::size_4k || size == page_size::size_16k || size == page_size::size_64k;
}
constexpr uint64_t page_bytes(page_size size) noexcept {
    return static_cast<uint64_t>(size);
}
constexpr unsigned page_shift(page_size size) noexcept {
    return static_cast<unsigned>(__builtin_ctzll(page_bytes(size)));
}

// A byte range as a device tree `reg` entry states it: base and size.
struct phys_range {
    phys_addr_t base = 0;
    uint64_t size = 0;

    // One past the last byte. Only meaningful when base + size does not overflow, which
    // validation (tag_map::create) guarantees for every range it accepts.
    constexpr phys_addr_t end() const noexcept { return base + size; }
    constexpr bool empty() const noexcept { return size == 0; }
    constexpr bool contains(phys_addr_t address) const noexcept {
        return address >= base && address - base < size;
    }
    friend constexpr bool operator==(const phys_range&, const phys_range&) = default;
};

// A half-open run of page frames [first, first + count).
struct pfn_range {
    pfn_t first = 0;
    uint64_t count = 0;

    constexpr pfn_t end() const noexcept { return first + count; }
    constexpr pfn_t last() const noexcept { return first + count - 1; }
    constexpr bool empty() const noexcept { return count == 0; }
    constexpr bool contains(pfn_t pfn) const noexcept {
        return pfn >= first && pfn - first < count;
    }
    constexpr bool contains(const pfn_range& other) const noexcept {
        return other.first >= first && other.count <= count &&
               other.first - first <= count - other.count;
    }
    // Touching ranges ([a, b) and [b, c)) do not overlap.
    constexpr bool overlaps(const pfn_range& other) const noexcept {
        return count != 0 && other.count != 0 && first < other.end() && other.first < end();
    }
    friend constexpr bool operator==(const pfn_range&, const pfn_range&) = default;
};

} // namespace tagcache
