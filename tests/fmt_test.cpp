#include <tagcache/fmt.hpp>

#include <fmt/format.h>

#include "catch.hpp"
#include "mapping/machines.hpp"

using namespace tagcache;

TEST_CASE("formatters print regions, maps and errors", "[fmt]") {
    REQUIRE(fmt::format("{}", errc::tag_size_mismatch) == "tag_size_mismatch");
    REQUIRE(fmt::format("{}", page_size::size_16k) == "16 KiB");
    REQUIRE(fmt::format("{}", phys_range{0x8000'0000, 0x8000'0000}) ==
            "[0x80000000, 0x100000000) 2 GiB");
    REQUIRE(fmt::format("{}", phys_range{0x1000, 0x1800}) == "[0x1000, 0x2800) 6 KiB");
    REQUIRE(fmt::format("{}", phys_range{0x1000, 0x1801}) == "[0x1000, 0x2801) 6145 B");
    REQUIRE(fmt::format("{}", pfn_range{0x10, 1}) == "pfn [0x10, 0x11) 1 page");
    REQUIRE(fmt::format("{}", block_ref{1, 7}) == "region 1 block 7");
    REQUIRE(fmt::format("{}", block_span{0, 2, 3}) == "region 0 blocks [2, 5)");
    REQUIRE(fmt::format("{}", tag_location{0x8f8000, 0x80, 1}) ==
            "tag pfn 0x8f8000 byte 0x80 high nibble");

    const tag_map map = tag_map::create(test::fvp_regions, page_size::size_4k).value();
    REQUIRE(fmt::format("{}", map.region(0)) ==
            "region 0: memory pfn [0x80000, 0x100000) 524288 pages, tags pfn [0x8f8000, "
            "0x8fc000) 16384 pages, block-size 0x1000 = 1 page (16384 blocks of 32 data pages)");
    const std::string whole = fmt::format("{}", map);
    REQUIRE(whole.rfind("tag map: 2 regions, 4 KiB pages, 1015808 tagged pages, 31744 tag pages "
                        "in 31744 blocks\n  region 0: ",
                        0) == 0);
    REQUIRE(whole.find("\n  region 1: memory pfn [0x880000, 0x8f8000)") != std::string::npos);
    REQUIRE(fmt::format("{}", test::fvp_regions[1]) ==
            "tagged-memory [0x880000000, 0x8f8000000) 1920 MiB, tag storage [0x8fc000000, "
            "0x8ffc00000) 60 MiB, block-size 0x1000");
}

TEST_CASE("region errors name the rule and the regions", "[fmt]") {
    REQUIRE(fmt::format("{}", region_error{errc::too_many_regions}) ==
            "too_many_regions: more than 32 tag-storage regions");
    REQUIRE(fmt::format("{}", region_error{errc::block_size_zero, 2}) ==
            "region 2: block_size_zero: block-size is zero");
    REQUIRE(fmt::format("{}", region_error{errc::regions_overlap, 0, 1}) ==
            "regions 0 and 1: regions_overlap: two regions overlap");
}
