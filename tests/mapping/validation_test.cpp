// Every validation rule of tag_map::create, each with a description that breaks only that
// rule, and the region (or pair of regions) it names.
#include <tagcache/mapping/mapping.hpp>

#include <vector>

#include "catch.hpp"
#include "machines.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
region_error check(std::vector<tag_region_desc> descs, page_size page = page_size::size_4k) {
    const auto map = tag_map::create(descs, page);
    return map ? region_error{} : map.error();
}

// A valid region 0 (the FVP's first) followed by the region under test as region 1.
region_error check_second(tag_region_desc second) {
    return check({fvp_regions[0], second});
}
constexpr uint32_t none = no_region;
} // namespace

TEST_CASE("valid descriptions are accepted", "[mapping][validation]") {
    REQUIRE(check({fvp_regions[0], fvp_regions[1]}) == region_error{});
    REQUIRE(check({fvp_regions[1], fvp_regions[0]}) == region_error{}); // any order
    REQUIRE(check({}) == region_error{});
}

TEST_CASE("page size must be 4K, 16K or 64K", "[mapping][validation]") {
    for (uint32_t bad : {0u, 512u, 8192u, 32768u, 131072u})
        REQUIRE(check({fvp_regions[0]}, static_cast<page_size>(bad)) ==
                region_error{errc::invalid_page_size, none, none});
}

TEST_CASE("at most 32 regions", "[mapping][validation]") {
    std::vector<tag_region_desc> descs;
    for (uint64_t i = 0; i < 33; ++i)
        descs.push_back(region_at(i * 64 * MiB, 32 * MiB, 0x100'0000'0000 + i * MiB, 0x1000));
    REQUIRE(check(descs) == region_error{errc::too_many_regions, none, none});
    descs.pop_back();
    REQUIRE(check(descs) == region_error{});
}

TEST_CASE("empty ranges are refused", "[mapping][validation]") {
    REQUIRE(check_second({{0x8'8000'0000, 0}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000}) ==
            region_error{errc::empty_range, 1, none});
    REQUIRE(check_second({{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0}, 0x1000}) ==
            region_error{errc::empty_range, 1, none});
}

TEST_CASE("address arithmetic overflow is refused", "[mapping][validation]") {
    REQUIRE(check({{{0xFFFF'FFFF'FFFF'0000, 0x2'0000}, {0x1000'0000, 0x1000}, 0x1000}}) ==
            region_error{errc::address_overflow, 0, none});
    REQUIRE(check({{{0x1000'0000, 0x2'0000}, {0xFFFF'FFFF'FFFF'F000, 0x1000}, 0x1000}}) ==
            region_error{errc::address_overflow, 0, none});
}

TEST_CASE("ranges must be page-aligned", "[mapping][validation]") {
    // Base or size of either range off by half a page.
    REQUIRE(check_second(region_at(0x8'8000'0800, 0x7800'0000, 0x8'fc00'0000, 0x1000)).code ==
            errc::range_unaligned);
    REQUIRE(check_second({{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0800, 0x3c0'0000}, 0x1000}) ==
            region_error{errc::range_unaligned, 1, none});
    // 4K-aligned but not 64K-aligned: fine with 4K pages, refused with 64K pages.
    const tag_region_desc desc = region_at(0x4000'1000, 0x200'0000, 0x9000'0000, 0x1000);
    REQUIRE(check({desc}, page_size::size_4k) == region_error{});
    REQUIRE(check({desc}, page_size::size_64k) == region_error{errc::range_unaligned, 0, none});
    // A tag size that is not a whole number of 64K pages.
    // 0x11000 bytes of tags: 17 pages of 4K, 1.0625 pages of 64K.
    const tag_region_desc odd_tags = region_at(0x4000'0000, 0x22'0000, 0x9000'0000, 0x1000);
    REQUIRE(check({odd_tags}, page_size::size_4k) == region_error{});
    REQUIRE(check({odd_tags}, page_size::size_64k).code == errc::range_unaligned);
}

TEST_CASE("block-size must be non-zero and a multiple of 4 KiB", "[mapping][validation]") {
    REQUIRE(check_second(region_at(0x8'8000'0000, 0x7800'0000, 0x8'fc00'0000, 0)) ==
            region_error{errc::block_size_zero, 1, none});
    for (uint64_t bad : {0x800u, 0x1800u, 0x1001u, 0x10u})
        REQUIRE(check_second(region_at(0x8'8000'0000, 0x7800'0000, 0x8'fc00'0000, bad)) ==
                region_error{errc::block_size_unaligned, 1, none});
}

TEST_CASE("tag storage size times 32 must equal the tagged memory size", "[mapping][validation]") {
    REQUIRE(check_second({{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'1000}, 0x1000}) ==
            region_error{errc::tag_size_mismatch, 1, none});
    REQUIRE(check_second({{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3bf'f000}, 0x1000}) ==
            region_error{errc::tag_size_mismatch, 1, none});
    // A tag size so large that size * 32 would overflow still reads as a mismatch.
    REQUIRE(check({{{0x1000, 0x1000}, {0x10'0000, 0x0800'0000'0000'0000}, 0x1000}}).code ==
            errc::tag_size_mismatch);
}

TEST_CASE("tag storage must be a whole number of blocks", "[mapping][validation]") {
    // 4 tag pages, blocks of 3 pages.
    REQUIRE(check({region_at(0x4000'0000, 128 * 4096, 0x9000'0000, 0x3000)}) ==
            region_error{errc::tag_size_not_block_multiple, 0, none});
    // A block larger than the whole tag storage.
    REQUIRE(check({region_at(0x4000'0000, 128 * 4096, 0x9000'0000, 0x10'0000)}).code ==
            errc::tag_size_not_block_multiple);
    REQUIRE(check({region_at(0x4000'0000, 96 * 4096, 0x9000'0000, 0x3000)}) == region_error{});
}

TEST_CASE("tag storage cannot overlap tagged memory, its own or another region's",
          "[mapping][validation]") {
    // Its own memory.
    REQUIRE(check({region_at(0x4000'0000, 64 * MiB, 0x4100'0000, 0x1000)}) ==
            region_error{errc::tag_storage_overlaps_tagged_memory, 0, 0});
    // Region 1's tags inside region 0's memory.
    REQUIRE(check_second(region_at(0x10'0000'0000, 64 * MiB, 0x9000'0000, 0x1000)) ==
            region_error{errc::tag_storage_overlaps_tagged_memory, 1, 0});
    // Touching is not overlapping: tags right after their own memory.
    REQUIRE(check({region_at(0x4000'0000, 64 * MiB, 0x4400'0000, 0x1000)}) == region_error{});
}

TEST_CASE("regions cannot overlap each other", "[mapping][validation]") {
    // Memory ranges overlap (tags elsewhere).
    REQUIRE(check({region_at(0x4000'0000, 64 * MiB, 0x9000'0000, 0x1000),
                   region_at(0x43F0'0000, 64 * MiB, 0x9800'0000, 0x1000)}) ==
            region_error{errc::regions_overlap, 0, 1});
    // Tag ranges overlap (memory disjoint).
    REQUIRE(check({region_at(0x4000'0000, 64 * MiB, 0x9000'0000, 0x1000),
                   region_at(0x5000'0000, 64 * MiB, 0x901F'F000, 0x1000)}) ==
            region_error{errc::regions_overlap, 0, 1});
    // The same region twice.
    REQUIRE(check({fvp_regions[0], fvp_regions[0]}) == region_error{errc::regions_overlap, 0, 1});
}

TEST_CASE("a failed assign leaves the map empty", "[mapping][validation]") {
    tag_map map = tag_map::create(fvp_regions, page_size::size_4k).value();
    const std::vector<tag_region_desc> bad = {fvp_regions[0], fvp_regions[0]};
    const auto status = map.assign(bad, page_size::size_4k);
    REQUIRE_FALSE(status);
    REQUIRE(status.error().code == errc::regions_overlap);
    REQUIRE(map.region_count() == 0);
    REQUIRE_FALSE(map.is_tagged_memory(0x8000'0000 / 4096));
}
