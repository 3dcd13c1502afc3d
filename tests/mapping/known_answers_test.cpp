// The tag-map known answers of tag_map_known_answers.h (hand-derived, shared with C users and
// the kernel self-test) against tag_map.
#include <tagcache/mapping/mapping.hpp>

#include <cstring>
#include <string>

#include "catch.hpp"
#include "mapping/tag_map_known_answers.h"

using namespace tagcache;

namespace {
tag_map build(const tagcache_ka_map& vector) {
    tag_region_desc descs[2];
    for (uint32_t i = 0; i < vector.region_count; ++i) {
        const tagcache_ka_region& r = vector.regions[i];
        descs[i] = {{r.memory_base, r.memory_size}, {r.tag_base, r.tag_size}, r.block_size};
    }
    const auto map = tag_map::create(span<const tag_region_desc>(descs, vector.region_count),
                                     static_cast<page_size>(vector.page_size));
    REQUIRE(map.has_value());
    return *map;
}
} // namespace

TEST_CASE("known answers: every map's regions in pages", "[mapping][known-answers]") {
    REQUIRE(TAGCACHE_KA_MAP_COUNT == 11);
    for (const tagcache_ka_map& vector : tagcache_ka_maps) {
        CAPTURE(vector.name);
        const tag_map map = build(vector);
        REQUIRE(map.region_count() == vector.region_count);
        for (uint32_t i = 0; i < vector.region_count; ++i) {
            CAPTURE(i);
            const tag_region& region = map.region(i);
            const tagcache_ka_pages& expected = vector.expected[i];
            CHECK(region.memory.first == expected.memory_first);
            CHECK(region.memory.count == expected.memory_pages);
            CHECK(region.tags.first == expected.tags_first);
            CHECK(region.tags.count == expected.tag_pages);
            CHECK(region.block_pages == expected.block_pages);
            CHECK(region.block_count() == expected.blocks);
        }
    }
}

TEST_CASE("known answers: tag pages and the blocks a folio needs", "[mapping][known-answers]") {
    unsigned v3_bugs = 0;
    for (const tagcache_ka_folio& vector : tagcache_ka_folios) {
        REQUIRE(vector.map < TAGCACHE_KA_MAP_COUNT);
        CAPTURE(tagcache_ka_maps[vector.map].name, vector.why, vector.pfn, vector.order);
        const tag_map map = build(tagcache_ka_maps[vector.map]);
        const auto blocks = map.blocks_for_folio(vector.pfn, vector.order);
        if (std::strcmp(vector.error, "ok") != 0) {
            REQUIRE_FALSE(blocks.has_value());
            CHECK(std::string(error_name(blocks.error())) == vector.error);
            continue;
        }
        REQUIRE(blocks.has_value());
        CHECK(blocks->region == vector.region);
        CHECK(blocks->first == vector.first_block);
        CHECK(blocks->count == vector.block_count);
        CHECK(map.tag_page_of(vector.pfn).value() == vector.tag_page);
        // The folio's first and last pages lie in the first and last block of the answer.
        const pfn_t last = vector.pfn + (uint64_t{1} << vector.order) - 1;
        CHECK(map.block_of(vector.pfn).value() == block_ref{vector.region, vector.first_block});
        CHECK(map.block_of(last).value() ==
              block_ref{vector.region, vector.first_block + vector.block_count - 1});
        v3_bugs += std::string(vector.why).rfind("v3 bug", 0) == 0 ? 1u : 0u;
    }
    CHECK(v3_bugs == 2);
}
