// Exhaustive and randomized checks of the map against first principles: every pfn of small
// maps, and lookups in random many-region maps against a linear scan.
#include <tagcache/mapping/mapping.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "catch.hpp"
#include "machines.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
struct small_machine {
    const char* name;
    std::vector<tag_region_desc> regions;
    page_size page;
};

std::vector<small_machine> small_machines() {
    return {
        {"one region, bsp 1, 4K",
         {region_at(0x10'0000, 64 * 4096, 0x80'0000, 0x1000)},
         page_size::size_4k},
        {"one region, bsp 3, 4K",
         {region_at(0x10'0000, 192 * 4096, 0x80'0000, 0x3000)},
         page_size::size_4k},
        {"two regions, bsp 2 and 3, 16K",
         {region_at(0x100'0000, 128 * 16384, 0x800'0000, 0x8000),
          region_at(0x400'0000, 96 * 16384, 0x900'0000, 0x3000)},
         page_size::size_16k},
        {"three touching regions, 64K, tags after memory",
         {region_at(0x1000'0000, 64 * 65536, 0x1000'0000 + 64 * 65536, 0x1000),
          region_at(0x1000'0000 + 66 * 65536, 192 * 65536, 0x2000'0000, 0x30000),
          region_at(0x1000'0000 + 66 * 65536 + 192 * 65536, 32 * 65536, 0x3000'0000, 0x10000)},
         page_size::size_64k},
    };
}

// The blocks a folio needs, page by page, without the map's range arithmetic.
std::vector<block_ref> blocks_page_by_page(const tag_map& map, pfn_t pfn, unsigned order) {
    std::vector<block_ref> blocks;
    for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p) {
        const tag_region& region = *map.find_region(p);
        const uint64_t tag_index = (p - region.memory.first) / 32;
        const block_ref block{region.index, tag_index / region.block_pages};
        if (blocks.empty() || !(blocks.back() == block))
            blocks.push_back(block);
    }
    return blocks;
}
} // namespace

TEST_CASE("every pfn of small maps round-trips through its block", "[mapping][round-trip]") {
    for (const small_machine& machine : small_machines()) {
        CAPTURE(machine.name);
        const tag_map map = tag_map::create(machine.regions, machine.page).value();
        pfn_t lowest = ~pfn_t{0};
        pfn_t highest = 0;
        for (const tag_region& r : map.regions()) {
            lowest = std::min({lowest, r.memory.first, r.tags.first});
            highest = std::max({highest, r.memory.end(), r.tags.end()});
        }
        uint64_t tagged = 0;
        for (pfn_t pfn = lowest - 8; pfn < highest + 8; ++pfn) {
            CAPTURE(pfn);
            const tag_region* region = map.find_region(pfn);
            const tag_region* tag_region = map.find_tag_region(pfn);
            REQUIRE_FALSE((region != nullptr && tag_region != nullptr));
            if (region == nullptr) {
                REQUIRE(map.block_of(pfn).error() ==
                        (tag_region ? errc::tag_storage_not_taggable : errc::not_tagged_memory));
                if (tag_region != nullptr) {
                    // Tag page -> block -> the block's tag pages contain it.
                    const block_ref block = map.block_of_tag_page(pfn).value();
                    REQUIRE(map.tag_pages_of(block).contains(pfn));
                }
                continue;
            }
            ++tagged;
            const block_ref block = map.block_of(pfn).value();
            REQUIRE(block.region == region->index);
            REQUIRE(block.index < region->block_count());
            REQUIRE(map.data_pages_of(block).contains(pfn));
            const pfn_t tag_pfn = map.tag_page_of(pfn).value();
            REQUIRE(map.tag_pages_of(block).contains(tag_pfn));
            REQUIRE(map.block_of_tag_page(tag_pfn).value() == block);
            REQUIRE(tag_pfn == region->tags.first + (pfn - region->memory.first) / 32);
            // The tag location of the page's first byte is in the same tag page.
            const tag_location where = map.tag_location_of(pfn << page_shift(machine.page)).value();
            REQUIRE(where.tag_pfn == tag_pfn);
            REQUIRE(where.nibble == 0);
            REQUIRE(where.byte_offset ==
                    ((pfn - region->memory.first) % 32) * (page_bytes(machine.page) / 32));
            // Every aligned folio containing this page, up to order 8, needs exactly the blocks
            // its pages need, one by one.
            for (unsigned order = 0; order <= 8; ++order) {
                const pfn_t folio = pfn & ~((pfn_t{1} << order) - 1);
                const auto span = map.blocks_for_folio(folio, order);
                bool inside = true;
                for (pfn_t p = folio; p < folio + (pfn_t{1} << order); ++p)
                    inside = inside && region->memory.contains(p);
                REQUIRE(span.has_value() == inside);
                if (!inside)
                    continue;
                const auto expected = blocks_page_by_page(map, folio, order);
                REQUIRE(span->region == region->index);
                REQUIRE(span->first == expected.front().index);
                REQUIRE(span->count == expected.size());
            }
        }
        REQUIRE(tagged == map.total_tagged_pages());
        // The blocks tile memory and tag storage exactly.
        for (const tag_region& r : map.regions()) {
            pfn_t next_data = r.memory.first;
            pfn_t next_tag = r.tags.first;
            for (uint64_t b = 0; b < r.block_count(); ++b) {
                REQUIRE(r.data_pages_of_block(b).first == next_data);
                REQUIRE(r.tag_pages_of_block(b).first == next_tag);
                next_data = r.data_pages_of_block(b).end();
                next_tag = r.tag_pages_of_block(b).end();
            }
            REQUIRE(next_data == r.memory.end());
            REQUIRE(next_tag == r.tags.end());
        }
    }
}

TEST_CASE("lookups in random maps of up to 32 regions match a linear scan",
          "[mapping][randomized]") {
    const uint64_t seed = GENERATE(1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u);
    CAPTURE(seed);
    std::mt19937_64 random(seed);
    // Random region sizes and gaps; memory and tag storage interleaved in one address space.
    const unsigned count = 1 + static_cast<unsigned>(random() % 32);
    std::vector<tag_region_desc> descs;
    uint64_t cursor = 0x4000'0000;
    for (unsigned i = 0; i < count; ++i) {
        const uint64_t tag_pages = 1 + random() % 8;
        const uint64_t memory = tag_pages * 32 * 4096;
        cursor += (random() % 4) * 4096; // a gap, sometimes none
        const uint64_t memory_base = cursor;
        cursor += memory + (random() % 3) * 4096;
        descs.push_back({{memory_base, memory}, {cursor, tag_pages * 4096}, 0x1000});
        cursor += tag_pages * 4096;
    }
    std::shuffle(descs.begin(), descs.end(), random);
    const tag_map map = tag_map::create(descs, page_size::size_4k).value();
    REQUIRE(map.region_count() == count);

    const pfn_t lowest = 0x4000'0000 / 4096 - 4;
    const pfn_t highest = cursor / 4096 + 4;
    for (pfn_t pfn = lowest; pfn < highest; ++pfn) {
        const tag_region* by_scan = nullptr;
        const tag_region* tags_by_scan = nullptr;
        for (const tag_region& r : map.regions()) {
            if (r.memory.contains(pfn))
                by_scan = &r;
            if (r.tags.contains(pfn))
                tags_by_scan = &r;
        }
        REQUIRE(map.find_region(pfn) == by_scan);
        REQUIRE(map.find_tag_region(pfn) == tags_by_scan);
        if (by_scan != nullptr)
            REQUIRE(descs[by_scan->index].tagged_memory.contains(pfn * 4096));
    }
}
