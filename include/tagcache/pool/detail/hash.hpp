// The hash the pool's indexes use. Freestanding.
#pragma once

#include <stdint.h>

namespace tagcache::detail {

// The splitmix64 finaliser (Steele, Lea, Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): every input bit affects every output bit, so the top bits make
// a good bucket number. Seeded so that a shim can pick a seed an attacker does not know.
constexpr uint64_t mix64(uint64_t x, uint64_t seed) noexcept {
    x ^= seed;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace tagcache::detail
