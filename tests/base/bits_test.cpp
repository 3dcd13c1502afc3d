#include <tagcache/base/bits.hpp>

#include <cstdint>
#include <limits>
#include <bit>
#include <numeric>
#include <random>

#include "catch.hpp"

using namespace tagcache;

TEST_CASE("gcd and lcm agree with the standard library", "[base][bits]") {
    STATIC_REQUIRE(gcd(12, 18) == 6);
    STATIC_REQUIRE(gcd(0, 7) == 7);
    STATIC_REQUIRE(lcm(0x3000, 0x4000) == 0xC000);
    STATIC_REQUIRE(lcm(0x2000, 0x1000) == 0x2000);
    STATIC_REQUIRE(lcm(0, 5) == 0);

    std::mt19937_64 random(1);
    for (int i = 0; i < 10'000; ++i) {
        const uint64_t a = random() % 1'000'000 + 1;
        const uint64_t b = random() % 1'000'000 + 1;
        REQUIRE(gcd(a, b) == std::gcd(a, b));
        REQUIRE(lcm(a, b) == std::lcm(a, b));
        uint64_t checked = 0;
        REQUIRE(checked_lcm(a, b, &checked));
        REQUIRE(checked == std::lcm(a, b));
    }
}

TEST_CASE("checked arithmetic refuses overflow and leaves the output alone", "[base][bits]") {
    constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
    uint64_t out = 42;
    REQUIRE_FALSE(checked_add(max, 1, &out));
    REQUIRE_FALSE(checked_mul(uint64_t{1} << 32, uint64_t{1} << 32, &out));
    REQUIRE_FALSE(checked_lcm(0, 4, &out));
    REQUIRE_FALSE(checked_lcm((uint64_t{1} << 63) + 1, 2, &out));
    REQUIRE(out == 42);
    REQUIRE(checked_add(max - 1, 1, &out));
    REQUIRE(out == max);
    REQUIRE(checked_mul(uint64_t{1} << 31, uint64_t{1} << 32, &out));
    REQUIRE(out == uint64_t{1} << 63);
}

TEST_CASE("logarithms, powers of two and alignment", "[base][bits]") {
    STATIC_REQUIRE(log2_floor(1) == 0);
    STATIC_REQUIRE(log2_floor(4096) == 12);
    STATIC_REQUIRE(log2_floor(4097) == 12);
    STATIC_REQUIRE(log2_ceil(1) == 0);
    STATIC_REQUIRE(log2_ceil(4096) == 12);
    STATIC_REQUIRE(log2_ceil(4097) == 13);
    STATIC_REQUIRE(log2_floor(~uint64_t{0}) == 63);
    STATIC_REQUIRE(is_power_of_two(1) && is_power_of_two(uint64_t{1} << 63));
    STATIC_REQUIRE(!is_power_of_two(0) && !is_power_of_two(0x3000));
    STATIC_REQUIRE(align_down(0x1fff, 0x1000) == 0x1000);
    STATIC_REQUIRE(is_aligned(0x2000, 0x1000) && !is_aligned(0x2800, 0x1000));
    STATIC_REQUIRE(popcount(0xF0F0) == 8);
    STATIC_REQUIRE(count_trailing_zeros(0x100) == 8);
    std::mt19937_64 random(7);
    for (int i = 0; i < 10'000; ++i) {
        const uint64_t x = random() >> (random() % 64);
        REQUIRE(popcount(x) == static_cast<unsigned>(std::popcount(x)));
    }
    REQUIRE(popcount(~uint64_t{0}) == 64);
    for (unsigned bit = 0; bit < 64; ++bit) {
        const uint64_t x = uint64_t{1} << bit;
        REQUIRE(log2_floor(x) == bit);
        REQUIRE(log2_ceil(x) == bit);
        if (bit > 1)
            REQUIRE(log2_ceil(x + 1) == bit + 1);
    }
}
