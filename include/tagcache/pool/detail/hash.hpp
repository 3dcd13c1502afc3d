// The hashes the pool's indexes use. Freestanding.
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

// Multiplicative ("Fibonacci") hashing, Knuth, TAOCP vol. 3, 6.4: the top `bits` bits of the
// seeded key times 2^64 / phi. Every input bit reaches the top bits through the carries, and it
// costs three instructions where mix64 takes ten; Linux hashes its page-cache-era tables the same
// way (hash_64(), include/linux/hash.h). For the page index, which every restore and eviction
// hashes once (scripts/replay_instructions.sh). `bits` is 1..64.
constexpr uint64_t fibonacci_hash(uint64_t key, uint64_t seed, unsigned bits) noexcept {
    return ((key ^ seed) * 0x9E3779B97F4A7C15ull) >> (64 - bits);
}

} // namespace tagcache::detail
