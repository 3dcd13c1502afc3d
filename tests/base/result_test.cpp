#include <tagcache/base/result.hpp>
#include <tagcache/base/span.hpp>
#include <tagcache/base/types.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "catch.hpp"

using namespace tagcache;

namespace {
constexpr result<int> halve(int x) {
    if (x % 2 != 0)
        return errc::range_unaligned;
    return x / 2;
}

struct detailed_error {
    errc code;
    int where;
};
} // namespace

TEST_CASE("result holds a value or an error, in constant expressions too", "[base][result]") {
    STATIC_REQUIRE(halve(8).has_value());
    STATIC_REQUIRE(*halve(8) == 4);
    STATIC_REQUIRE(!halve(7));
    STATIC_REQUIRE(halve(7).error() == errc::range_unaligned);
    STATIC_REQUIRE(halve(7).value_or(-1) == -1);
    STATIC_REQUIRE(halve(6).value_or(-1) == 3);

    result<int> r = halve(10);
    *r += 1;
    REQUIRE(r.value() == 6);
}

TEST_CASE("result with a custom error type and result<void>", "[base][result]") {
    result<int, detailed_error> failure = detailed_error{errc::empty_range, 3};
    REQUIRE_FALSE(failure);
    REQUIRE(failure.error().code == errc::empty_range);
    REQUIRE(failure.error().where == 3);

    constexpr result<void> ok;
    STATIC_REQUIRE(ok.has_value());
    constexpr result<void> bad = errc::block_size_zero;
    STATIC_REQUIRE(!bad && bad.error() == errc::block_size_zero);
}

TEST_CASE("every error code has a distinct name and a message", "[base][error]") {
    std::vector<std::string> names;
    for (unsigned code = 0; code < error_code_count; ++code) {
        const auto e = static_cast<errc>(code);
        names.emplace_back(error_name(e));
        REQUIRE(names.back() != "unknown_error");
        REQUIRE(std::string(error_message(e)) != "unknown error");
    }
    std::sort(names.begin(), names.end());
    REQUIRE(std::adjacent_find(names.begin(), names.end()) == names.end());
}

TEST_CASE("span views arrays and containers", "[base][span]") {
    int array[] = {1, 2, 3};
    span<int> from_array(array);
    REQUIRE(from_array.size() == 3);
    from_array[1] = 20;
    REQUIRE(array[1] == 20);

    std::vector<int> vector{4, 5};
    span<const int> from_vector(vector);
    REQUIRE(from_vector.size() == 2);
    REQUIRE(from_vector[1] == 5);

    const std::array<int, 4> fixed{};
    span<const int> from_std_array(fixed);
    REQUIRE(from_std_array.size() == 4);
    int sum = 0;
    for (int x : from_vector)
        sum += x;
    REQUIRE(sum == 9);
    REQUIRE(span<int>().empty());
}

TEST_CASE("pfn_range and phys_range arithmetic", "[base][types]") {
    constexpr pfn_range r{100, 10};
    STATIC_REQUIRE(r.end() == 110 && r.last() == 109);
    STATIC_REQUIRE(r.contains(100) && r.contains(109) && !r.contains(110) && !r.contains(99));
    STATIC_REQUIRE(r.contains(pfn_range{100, 10}) && r.contains(pfn_range{105, 5}));
    STATIC_REQUIRE(!r.contains(pfn_range{105, 6}) && !r.contains(pfn_range{99, 2}));
    // Touching ranges do not overlap.
    STATIC_REQUIRE(!r.overlaps(pfn_range{110, 5}) && !r.overlaps(pfn_range{90, 10}));
    STATIC_REQUIRE(r.overlaps(pfn_range{109, 5}) && r.overlaps(pfn_range{90, 11}));
    STATIC_REQUIRE(!r.overlaps(pfn_range{105, 0}));
    STATIC_REQUIRE(page_shift(page_size::size_4k) == 12);
    STATIC_REQUIRE(page_shift(page_size::size_16k) == 14);
    STATIC_REQUIRE(page_shift(page_size::size_64k) == 16);
    STATIC_REQUIRE(!is_valid(static_cast<page_size>(8192)));
    constexpr phys_range p{0x1000, 0x1000};
    STATIC_REQUIRE(p.contains(0x1fff) && !p.contains(0x2000) && p.end() == 0x2000);
}
