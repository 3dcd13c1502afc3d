// Compiles the minimal models of docs/concepts.md (extracted at build time) and runs a pool
// built from them, so the documentation cannot drift from the concepts.
#include <tagcache/core.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

using std::size_t;

#include "concept_models.hpp" // generated from docs/concepts.md

#include "catch.hpp"

TEST_CASE("the documented minimal models make a working pool", "[docs]") {
    tagcache::pool_geometry geometry;
    geometry.slots = 16;
    std::vector<unsigned char> buffer(model_pool::required_bytes(geometry) + 64);
    void* aligned = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
    model_pool& pool =
        *model_pool::create(aligned, model_pool::required_bytes(geometry), geometry).value();
    const tagcache::pfn_range range{0x100, 16};
    REQUIRE(pool.register_donor("d", {&range, 1}).value() == 0);
    REQUIRE(pool.donate_range(0, range) == 16);
    const tagcache::fs_id fs = pool.add_fs().value();
    for (uint64_t i = 0; i < 40; ++i)
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
    // newest_first evicts the most recent folio: the first 15 pages stay, then 39 replaces.
    REQUIRE(pool.restore({fs, 1, 0}, 0, nullptr)->all(0));
    REQUIRE(pool.restore({fs, 1, 39}, 0, nullptr)->all(0));
    REQUIRE(pool.restore({fs, 1, 38}, 0, nullptr)->none());
    REQUIRE(pool.stats().stored == 40);
    REQUIRE(pool.take_back(0, 0x105));
    REQUIRE(pool.check_invariants() == nullptr);
}

TEST_CASE("the documented maintenance model drives a tag-storage manager", "[docs]") {
    // One region: 2 tag pages in blocks of 1 page, serving 64 data pages at pfn 0x100.
    const tagcache::tag_region_desc desc{{0x100 * 4096, 64 * 4096}, {0x200 * 4096, 2 * 4096}, 4096};
    const tagcache::tag_map map =
        tagcache::tag_map::create({&desc, 1}, tagcache::page_size::size_4k).value();
    using pool_type = model_tag_config::pool;
    tagcache::pool_geometry geometry;
    geometry.slots = 2;
    alignas(64) static unsigned char pool_buffer[16384];
    REQUIRE(pool_type::required_bytes(geometry) <= sizeof pool_buffer);
    pool_type& pool = *pool_type::create(pool_buffer, sizeof pool_buffer, geometry).value();
    alignas(64) static unsigned char manager_buffer[8192];
    REQUIRE(model_manager::required_bytes(map) <= sizeof manager_buffer);
    maintenance_counts counts;
    model_manager& manager = *model_manager::create(manager_buffer, sizeof manager_buffer, map,
                                                    pool, count_maintenance{&counts})
                                  .value();
    REQUIRE(manager.reserve(0x100, 2)); // 4 pages of block 0
    REQUIRE(manager.reserve(0x104, 0)); // block 0 again: a reference only
    CHECK(counts.to_tags == 1);
    CHECK(counts.zeroed == 5);
    REQUIRE(manager.release(0x100, 2));
    CHECK(counts.invalidated == 4);
    CHECK(counts.to_data == 0);
    REQUIRE(manager.release(0x104, 0));
    CHECK(counts.invalidated == 5);
    CHECK(counts.to_data == 1);
    CHECK(manager.check_invariants() == nullptr);
}
