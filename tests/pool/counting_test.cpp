// What a store over cached pages costs a full pool, and counters that count each page once:
// regressions of bugs found by independent tests (a re-store evicted unrelated pages; pages of
// an invalidated inode were counted again when taken back or evicted).
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
struct one_slot_sweep_config : default_pool_config {
    static constexpr uint32_t sweep_batch = 1;
};

// A full pool of 8 slots, one donor, one filesystem.
template <class Config>
struct full_pool {
    pool_with_donors<Config> pool{1, 8, 4};
    fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> buffer = std::vector<unsigned char>(16 * test_page_bytes);

    result<void> store(uint64_t inode, uint64_t index, unsigned order = 0) {
        return pool->store({fs, inode, index}, order, buffer.data());
    }
    bool hit(uint64_t inode, uint64_t index, unsigned order = 0) {
        return pool->restore({fs, inode, index}, order, buffer.data())->all(order);
    }
};
} // namespace

TEMPLATE_TEST_CASE("storing a cached page again in a full pool evicts nothing", "[pool][store]",
                   data_config, metadata_only_config, split_exclusive_config) {
    full_pool<TestType> f;
    for (uint64_t i = 0; i < 8; ++i)
        REQUIRE(f.store(1, i));
    REQUIRE(f.pool->stats().cached == 8);
    REQUIRE(f.store(1, 3)); // the same key again: it replaces itself
    REQUIRE(f.pool->stats().cached == 8);
    REQUIRE(f.pool->stats().reclaimed == 0);
    for (uint64_t i = 0; i < 8; ++i)
        REQUIRE(f.hit(1, i)); // (exclusive restores take the page; each is hit once)
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("a large folio stored over cached small ones reuses their slots",
                   "[pool][store][folio]", data_config, metadata_only_config) {
    full_pool<TestType> f;
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(f.store(1, i));
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(f.store(2, i));
    REQUIRE(f.store(1, 0, 2)); // order 2 over pages 0..3 of inode 1
    const pool_stats stats = f.pool->stats();
    CHECK(stats.cached == 8); // 4 of the folio, 4 of inode 2: every slot in use
    CHECK(stats.reclaimed == 0);
    CHECK(f.hit(1, 0, 2));
    for (uint64_t i = 0; i < 4; ++i)
        CHECK(f.hit(2, i));
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("a store that needs more room than it replaces evicts only the difference",
                   "[pool][store][folio]", data_config, metadata_only_config) {
    full_pool<TestType> f;
    for (uint64_t i = 0; i < 8; ++i)
        REQUIRE(f.store(1, i)); // LRU order: 0 oldest
    REQUIRE(f.store(1, 6, 1));  // pages 6 and 7 again, as one folio: nothing evicted
    REQUIRE(f.pool->stats().reclaimed == 0);
    REQUIRE(f.store(2, 0, 1)); // two new pages: the two oldest leave
    CHECK(f.pool->stats().reclaimed == 2);
    CHECK_FALSE(f.hit(1, 0));
    CHECK_FALSE(f.hit(1, 1));
    for (uint64_t i = 2; i < 8; ++i)
        CHECK(f.hit(1, i));
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEST_CASE("taking back a page of an invalidated folio counts it once", "[pool][stats]") {
    pool_with_donors<data_config> p(1, 16, 16);
    const fs_id fs = p->add_fs().value();
    std::vector<unsigned char> folio(16 * test_page_bytes);
    REQUIRE(p->store({fs, 1, 0}, 2, folio.data())); // 4 pages
    REQUIRE(p->invalidate_inode(fs, 1));            // stale, not yet reclaimed
    REQUIRE(p->stats().invalidated == 4);
    for (uint64_t page = 0; page < 16; ++page)
        REQUIRE(p->take_back(0, p.ranges[0].first + page));
    const pool_stats stats = p->stats();
    CHECK(stats.invalidated == 4);
    CHECK(stats.recalled == 0);
    CHECK(stats.collateral_dropped == 0);
    CHECK(p->donor_info(0)->recalled == 0);
    CHECK(stats.stale == 0);
    REQUIRE(p->check_invariants() == nullptr);
}

TEST_CASE("evicting a folio of an invalidated inode does not count it as reclaimed",
          "[pool][stats]") {
    // Stores sweep one slot each, starting at slot 0, which inode 2 holds: the stale folio
    // (first-free placement put it in the highest slots) is still there, and the LRU victim,
    // when the next store needs room.
    full_pool<one_slot_sweep_config> f;
    REQUIRE(f.store(1, 0, 2)); // pages 0..3 of inode 1, the oldest folio
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(f.store(2, i));
    REQUIRE(f.pool->invalidate_inode(f.fs, 1));
    REQUIRE(f.pool->stats().invalidated == 4);
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(f.store(3, i)); // room comes from the stale folio (swept or evicted)
    const pool_stats stats = f.pool->stats();
    CHECK(stats.invalidated == 4);
    CHECK(stats.reclaimed == 0);
    CHECK(stats.stale == 0);
    CHECK(stats.cached == 8);
    REQUIRE(f.pool->check_invariants() == nullptr);
}
