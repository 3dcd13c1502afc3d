#include <tagcache/mapping/mapping.hpp>

#include <numeric>
#include <vector>

#include "catch.hpp"
#include "machines.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
constexpr tag_map fvp_map(page_size page) {
    return tag_map::create(fvp_regions, page).value();
}

// The binding's example: tag storage at 0x8_f800_0000 of size 0x400_0000, block-size 0x1000.
constexpr tag_region_desc binding_example = {
    {0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000};

// How many bytes the blocks of a region serve, summed block by block.
constexpr uint64_t bytes_served_by_blocks(const tag_map& map, uint32_t region) {
    uint64_t pages = 0;
    const tag_region& r = map.region(region);
    for (uint64_t b = 0; b < r.block_count(); ++b)
        pages += map.data_pages_of(block_ref{region, b}).count;
    return pages * page_bytes(map.page());
}
} // namespace

TEST_CASE("the binding's example region serves exactly 2 GiB", "[mapping]") {
    constexpr tag_region_desc descs[] = {binding_example};
    constexpr tag_map map = tag_map::create(descs, page_size::size_4k).value();
    STATIC_REQUIRE(map.region(0).memory.count * 4096 == 2 * GiB);
    STATIC_REQUIRE(bytes_served_by_blocks(map, 0) == 2 * GiB);
    STATIC_REQUIRE(map.region(0).block_pages == 1);
    STATIC_REQUIRE(map.region(0).block_count() == 0x400'0000 / 4096);
    // The first block serves the first 32 pages; the last block ends where memory ends.
    STATIC_REQUIRE(map.data_pages_of({0, 0}) == pfn_range{0x8'0000, 32});
    STATIC_REQUIRE(map.data_pages_of({0, map.region(0).block_count() - 1}).end() ==
                   (0x8000'0000ull + 0x8000'0000ull) / 4096);
    // Any other memory size is refused for this tag storage.
    constexpr tag_region_desc too_big[] = {
        {{0x8000'0000, 0x8000'1000}, {0x8'f800'0000, 0x400'0000}, 0x1000}};
    STATIC_REQUIRE(tag_map::create(too_big, page_size::size_4k).error().code ==
                   errc::tag_size_mismatch);
}

TEST_CASE("the FVP tree with both regions is accepted at every page size", "[mapping]") {
    for (page_size page : {page_size::size_4k, page_size::size_16k, page_size::size_64k}) {
        CAPTURE(page_bytes(page));
        const auto created = tag_map::create(fvp_regions, page);
        REQUIRE(created.has_value());
        const tag_map& map = *created;
        REQUIRE(map.region_count() == 2);
        const unsigned shift = page_shift(page);
        for (uint32_t i = 0; i < 2; ++i) {
            const tag_region& region = map.region(i);
            REQUIRE(region.memory.first == fvp_regions[i].tagged_memory.base >> shift);
            REQUIRE(region.tags.first == fvp_regions[i].tag_storage.base >> shift);
            // Each region's last data page maps into its own last tag page.
            REQUIRE(map.tag_page_of(region.memory.last()).value() == region.tags.last());
            REQUIRE(map.tag_page_of(region.memory.first).value() == region.tags.first);
            REQUIRE(map.block_of(region.memory.last()).value() ==
                    block_ref{i, region.block_count() - 1});
        }
        // Touching: the page after memory 1 is region 0's first tag page, which is tag storage.
        const pfn_t boundary = 0x8'f800'0000 >> shift;
        REQUIRE(map.is_tagged_memory(boundary - 1));
        REQUIRE(map.is_tag_storage(boundary));
        REQUIRE_FALSE(map.is_tagged_memory(boundary));
        REQUIRE(map.tag_page_of(boundary).error() == errc::tag_storage_not_taggable);
        REQUIRE(map.find_tag_region(boundary) == &map.region(0));
        REQUIRE(map.find_tag_region(0x8'fc00'0000 >> shift) == &map.region(1));
        REQUIRE(map.total_tagged_pages() == (0x8000'0000ull + 0x7800'0000ull) >> shift);
        REQUIRE(map.total_tag_pages() == (0x400'0000ull + 0x3c0'0000ull) >> shift);
    }
    constexpr tag_map map = fvp_map(page_size::size_4k);
    STATIC_REQUIRE(map.tag_page_of(0x8'8000'0000 / 4096).value() == 0x8'fc00'0000 / 4096);
    STATIC_REQUIRE(map.region(1).block_count() == 0x3c0'0000 / 4096);
}

TEST_CASE("bsp is lcm(block-size, page size) / page size", "[mapping]") {
    struct bsp_case {
        uint64_t block_size;
        page_size page;
        uint64_t bsp;
    };
    // From the issue: 0x2000 with 4K -> 2, with 16K -> 1; 0x3000 with 16K -> 3.
    constexpr bsp_case cases[] = {
        {0x1000, page_size::size_4k, 1},   {0x2000, page_size::size_4k, 2},
        {0x3000, page_size::size_4k, 3},   {0x2000, page_size::size_16k, 1},
        {0x3000, page_size::size_16k, 3},  {0x1000, page_size::size_16k, 1},
        {0x1000, page_size::size_64k, 1},  {0x30000, page_size::size_64k, 3},
        {0x18000, page_size::size_64k, 3}, {0x6000, page_size::size_16k, 3},
    };
    for (const bsp_case& c : cases) {
        CAPTURE(c.block_size, page_bytes(c.page));
        // 96 MiB of memory: 3 MiB of tags, a whole number of blocks for every case above.
        const tag_region_desc descs[] = {
            region_at(0x4000'0000, 96 * MiB, 0x1'0000'0000, c.block_size)};
        const auto map = tag_map::create(descs, c.page);
        REQUIRE(map.has_value());
        REQUIRE(map->region(0).block_pages == c.bsp);
        REQUIRE(map->region(0).block_pages * page_bytes(c.page) ==
                std::lcm(c.block_size, page_bytes(c.page)));
    }
}

namespace {
// The Linux RFC v3 reservation arithmetic (patch 23), modelled to show what it reserves:
// it counts ceil(max(2^order / 32, 1) / bsp) from the first block, adds that count to the
// first block's tag pfn and steps by bsp, so it visits ceil(count / bsp) blocks.
constexpr uint64_t v3_blocks_reserved(unsigned order, uint64_t bsp) {
    const uint64_t tag_pages = (uint64_t{1} << order) / 32 == 0 ? 1 : (uint64_t{1} << order) / 32;
    const uint64_t counted = (tag_pages + bsp - 1) / bsp;
    uint64_t visited = 0;
    for (uint64_t pfn = 0; pfn < counted; pfn += bsp)
        ++visited;
    return visited;
}
} // namespace

TEST_CASE("folios straddling a block boundary need every block (both v3 counting bugs)",
          "[mapping][folio]") {
    SECTION("bsp 3, order 6 at data offset 64: tag pages 2-3, blocks 0 and 1") {
        // 6 tag pages = 2 blocks of 3; 192 data pages.
        constexpr tag_region_desc descs[] = {region_at(0x100'0000, 192 * 4096, 0x200'0000, 0x3000)};
        constexpr tag_map map = tag_map::create(descs, page_size::size_4k).value();
        constexpr pfn_t base = 0x100'0000 / 4096;
        STATIC_REQUIRE(map.region(0).block_pages == 3);
        STATIC_REQUIRE(map.tag_page_of(base + 64).value() == map.region(0).tags.first + 2);
        STATIC_REQUIRE(map.tag_page_of(base + 127).value() == map.region(0).tags.first + 3);
        STATIC_REQUIRE(map.blocks_for_folio(base + 64, 6).value() == block_span{0, 0, 2});
        STATIC_REQUIRE(v3_blocks_reserved(6, 3) == 1); // v3 reserves only block 0
    }
    SECTION("bsp 2, order 7 at offset 0: tag pages 0-3, blocks 0 and 1") {
        constexpr tag_region_desc descs[] = {region_at(0x100'0000, 256 * 4096, 0x200'0000, 0x2000)};
        constexpr tag_map map = tag_map::create(descs, page_size::size_4k).value();
        constexpr pfn_t base = 0x100'0000 / 4096;
        STATIC_REQUIRE(map.region(0).block_pages == 2);
        STATIC_REQUIRE(map.blocks_for_folio(base, 7).value() == block_span{0, 0, 2});
        STATIC_REQUIRE(v3_blocks_reserved(7, 2) == 1); // v3 reserves only block 0
    }
    SECTION("a small folio needs the one block of its tag page") {
        constexpr tag_region_desc descs[] = {region_at(0x100'0000, 256 * 4096, 0x200'0000, 0x2000)};
        constexpr tag_map map = tag_map::create(descs, page_size::size_4k).value();
        constexpr pfn_t base = 0x100'0000 / 4096;
        STATIC_REQUIRE(map.blocks_for_folio(base + 64, 0).value() == block_span{0, 1, 1});
        STATIC_REQUIRE(map.blocks_for_folio(base + 64, 6).value() == block_span{0, 1, 1});
        STATIC_REQUIRE(map.blocks_for_folio(base, 8).value() == block_span{0, 0, 4});
    }
}

TEST_CASE("folio queries report bad folios by name", "[mapping][folio]") {
    const tag_map map = fvp_map(page_size::size_4k);
    constexpr pfn_t memory0 = 0x8000'0000 / 4096;
    constexpr pfn_t memory1_end = (0x8'8000'0000 + 0x7800'0000) / 4096;
    REQUIRE(map.blocks_for_folio(memory0 + 1, 1).error() == errc::folio_unaligned);
    REQUIRE(map.blocks_for_folio(memory0, 64).error() == errc::order_too_large);
    REQUIRE(map.blocks_for_folio(~pfn_t{0} - 3, 2).error() == errc::order_too_large);
    REQUIRE(map.blocks_for_folio(0x1000, 0).error() == errc::not_tagged_memory);
    REQUIRE(map.blocks_for_folio(memory1_end, 0).error() == errc::tag_storage_not_taggable);
    // The last 2 MiB folio of memory 1 is fine.
    REQUIRE(map.blocks_for_folio(memory1_end - 512, 9).value() ==
            block_span{1, map.region(1).block_count() - 16, 16});

    // Regions of 96 pages (3 tag pages): a 128-page folio at their start runs past their end,
    // into unmapped space, into tag storage, or into the next region's memory.
    constexpr uint64_t small = 96 * 4096;
    const tag_region_desc gap[] = {region_at(0x4000'0000, small, 0x9000'0000, 0x1000)};
    const tag_region_desc into_tags[] = {
        region_at(0x4000'0000, small, 0x4000'0000 + small, 0x1000)};
    const tag_region_desc adjacent[] = {region_at(0x4000'0000, small, 0x9000'0000, 0x1000),
                                        region_at(0x4000'0000 + small, small, 0x9800'0000, 0x1000)};
    const pfn_t start = 0x4000'0000 / 4096;
    REQUIRE(tag_map::create(gap, page_size::size_4k)->blocks_for_folio(start, 7).error() ==
            errc::not_tagged_memory);
    REQUIRE(tag_map::create(into_tags, page_size::size_4k)->blocks_for_folio(start, 7).error() ==
            errc::tag_storage_not_taggable);
    const tag_map two = tag_map::create(adjacent, page_size::size_4k).value();
    REQUIRE(two.blocks_for_folio(start, 7).error() == errc::folio_spans_regions);
    REQUIRE(two.blocks_for_folio(start, 5).value() == block_span{0, 0, 1});
    REQUIRE(two.blocks_for_folio(start + 96, 5).value() == block_span{1, 0, 1});
}

TEST_CASE("tag locations follow the nibble layout assumption", "[mapping][layout]") {
    constexpr tag_map map = fvp_map(page_size::size_4k);
    constexpr phys_addr_t base = 0x8000'0000;
    constexpr pfn_t tag0 = 0x8'f800'0000 / 4096;
    STATIC_REQUIRE(map.tag_location_of(base).value() == tag_location{tag0, 0, 0});
    STATIC_REQUIRE(map.tag_location_of(base + 0xF).value() == tag_location{tag0, 0, 0});
    STATIC_REQUIRE(map.tag_location_of(base + 0x10).value() == tag_location{tag0, 0, 1});
    STATIC_REQUIRE(map.tag_location_of(base + 0x20).value() == tag_location{tag0, 1, 0});
    STATIC_REQUIRE(map.tag_location_of(base + 0x1000).value() == tag_location{tag0, 0x80, 0});
    // 32 data pages fill one tag page; the 33rd starts the next.
    STATIC_REQUIRE(map.tag_location_of(base + 32 * 4096 - 16).value() ==
                   tag_location{tag0, 0xFFF, 1});
    STATIC_REQUIRE(map.tag_location_of(base + 32 * 4096).value() == tag_location{tag0 + 1, 0, 0});
    // Region 1's granules start at region 1's tag storage.
    STATIC_REQUIRE(map.tag_location_of(0x8'8000'0030).value() ==
                   tag_location{0x8'fc00'0000 / 4096, 1, 1});
    STATIC_REQUIRE(map.tag_location_of(0x1000).error() == errc::not_tagged_memory);
    STATIC_REQUIRE(map.tag_location_of(0x8'f800'0000).error() == errc::tag_storage_not_taggable);

    // With 64K pages the same byte arithmetic holds across the larger tag page.
    constexpr tag_map big = fvp_map(page_size::size_64k);
    constexpr pfn_t big_tag0 = 0x8'f800'0000 / 65536;
    STATIC_REQUIRE(big.tag_location_of(base + 0x1000).value() == tag_location{big_tag0, 0x80, 0});
    STATIC_REQUIRE(big.tag_location_of(base + 32 * 65536).value() ==
                   tag_location{big_tag0 + 1, 0, 0});
}

TEST_CASE("an empty map has no tagged memory and no tag storage", "[mapping]") {
    constexpr tag_map empty;
    STATIC_REQUIRE(empty.region_count() == 0);
    STATIC_REQUIRE(!empty.is_tagged_memory(0x1234));
    STATIC_REQUIRE(empty.tag_page_of(0x1234).error() == errc::not_tagged_memory);
    const std::vector<tag_region_desc> none;
    REQUIRE(tag_map::create(none, page_size::size_4k).has_value());
}
