// Integer helpers: gcd/lcm, logarithms, alignment and overflow-checked arithmetic.
// constexpr and freestanding (compiler builtins only).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tagcache {

constexpr uint64_t gcd(uint64_t a, uint64_t b) noexcept {
    while (b != 0) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

// Overflow-checked arithmetic: false (and *out untouched) when the exact result does not fit.
constexpr bool checked_add(uint64_t a, uint64_t b, uint64_t* out) noexcept {
    uint64_t r = 0;
    if (__builtin_add_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}
constexpr bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) noexcept {
    uint64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r))
        return false;
    *out = r;
    return true;
}

// lcm(a, b); false when either is zero or the result overflows.
constexpr bool checked_lcm(uint64_t a, uint64_t b, uint64_t* out) noexcept {
    if (a == 0 || b == 0)
        return false;
    return checked_mul(a / gcd(a, b), b, out);
}

// Unchecked lcm for arguments known to be small; 0 if either argument is 0.
constexpr uint64_t lcm(uint64_t a, uint64_t b) noexcept {
    return (a == 0 || b == 0) ? 0 : a / gcd(a, b) * b;
}

constexpr bool is_power_of_two(uint64_t x) noexcept {
    return x != 0 && (x & (x - 1)) == 0;
}

// floor(log2(x)) and ceil(log2(x)); x must be non-zero.
constexpr unsigned log2_floor(uint64_t x) noexcept {
    return 63u - static_cast<unsigned>(__builtin_clzll(x));
}
constexpr unsigned log2_ceil(uint64_t x) noexcept {
    return x <= 1 ? 0u : log2_floor(x - 1) + 1u;
}

// Written out rather than __builtin_popcountll, which GCC lowers to a libgcc call
// (__popcountdi2) on targets without a population-count instruction; kernels link no libgcc.
constexpr unsigned popcount(uint64_t x) noexcept {
    x = x - ((x >> 1) & 0x5555'5555'5555'5555ull);
    x = (x & 0x3333'3333'3333'3333ull) + ((x >> 2) & 0x3333'3333'3333'3333ull);
    x = (x + (x >> 4)) & 0x0F0F'0F0F'0F0F'0F0Full;
    return static_cast<unsigned>((x * 0x0101'0101'0101'0101ull) >> 56);
}
// Index of the lowest set bit; x must be non-zero.
constexpr unsigned count_trailing_zeros(uint64_t x) noexcept {
    return static_cast<unsigned>(__builtin_ctzll(x));
}

// Alignment to a power of two.
constexpr uint64_t align_down(uint64_t x, uint64_t alignment) noexcept {
    return x & ~(alignment - 1);
}
constexpr bool is_aligned(uint64_t x, uint64_t alignment) noexcept {
    return (x & (alignment - 1)) == 0;
}

// Every create() buffer (pool, sharded pool, tag-storage manager) is aligned to this, and each
// part carved from it starts on it: one cache line, so that no two parts share one.
inline constexpr size_t buffer_alignment = 64;
// x rounded up to the next multiple of `alignment` (default: buffer_alignment), for carving.
constexpr size_t align_up(size_t x, size_t alignment = buffer_alignment) noexcept {
    return (x + alignment - 1) & ~(alignment - 1);
}

} // namespace tagcache
