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
