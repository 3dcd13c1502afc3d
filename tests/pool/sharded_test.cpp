// sharded_pool: every operation locks exactly one shard (filesystem operations and statistics
// excepted), a donor's pages spread over all shards, registration refuses what one pool would
// refuse, and page memory of different shards never overlaps. (One shard against the single
// pool is one_shard_test.cpp; differential and concurrency runs over sharded pools are in
// differential_test.cpp and concurrency_test.cpp.)
#include <cstdint>
#include <set>
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

// A lock that records which lock objects an operation took.
struct recording_lock {
    static constexpr bool may_sleep = false;
    static inline std::vector<const void*> taken;
    void lock() noexcept { taken.push_back(this); }
    void unlock() noexcept {}
};
struct recording_config : default_pool_config {
    using lock = recording_lock;
    using page_memory = arena_page_memory;
};

std::set<const void*> locks_taken_by(auto&& operation) {
    recording_lock::taken.clear();
    operation();
    return {recording_lock::taken.begin(), recording_lock::taken.end()};
}

} // namespace

TEST_CASE("each operation of a sharded pool locks one shard", "[pool][sharded]") {
    constexpr uint32_t shards = 4;
    pool_geometry geometry;
    geometry.slots = 1024;
    geometry.max_block_pages = 4;
    owned_pool<recording_config, shards> pool(geometry);
    const pfn_range ranges[2] = {{0x1'0000, 512}, {0x9'0000, 512}};
    REQUIRE(pool->register_donor("d", span<const pfn_range>(ranges, 2), 4).value() == 0);
    const fs_id fs = pool->add_fs().value();

    std::set<const void*> shard_locks;
    for (pfn_t pfn = ranges[0].first; pfn < ranges[0].end(); ++pfn) {
        const auto taken = locks_taken_by([&] { REQUIRE(pool->donate(0, pfn).has_value()); });
        REQUIRE(taken.size() == 1);
        shard_locks.insert(*taken.begin());
    }
    REQUIRE(pool->donate_range(0, ranges[1]) == 512);
    CHECK(shard_locks.size() == shards); // the donor's pages spread over every shard
    for (uint32_t s = 0; s < shards; ++s) {
        // Block-granular split: every shard holds a quarter of each range.
        CHECK(pool->shard(s).donor_info(0)->size == 256);
    }

    std::vector<unsigned char> page(test_page_bytes, 0x5A);
    std::set<const void*> store_locks;
    for (uint64_t inode = 0; inode < 64; ++inode) {
        const page_key key{fs, inode, 0};
        auto taken = locks_taken_by([&] { REQUIRE(pool->store(key, 0, page.data()).has_value()); });
        REQUIRE(taken.size() == 1);
        store_locks.insert(*taken.begin());
        taken = locks_taken_by([&] { REQUIRE(pool->restore(key, 0, page.data())->count() == 1); });
        REQUIRE(taken.size() == 1);
        taken = locks_taken_by([&] { REQUIRE(pool->invalidate(key, 0).has_value()); });
        REQUIRE(taken.size() == 1);
    }
    // An inode's chunks lie in any shard: its invalidation visits each, once.
    const auto visited =
        locks_taken_by([&] { REQUIRE(pool->invalidate_inode(fs, 3).has_value()); });
    CHECK(visited == shard_locks);
    CHECK(recording_lock::taken.size() == shards);
    CHECK(store_locks == shard_locks); // inodes spread over every shard
    for (pfn_t pfn = ranges[1].first; pfn < ranges[1].end(); pfn += 7) {
        const auto taken = locks_taken_by([&] { REQUIRE(pool->take_back(0, pfn).has_value()); });
        CHECK(taken.size() == 1);
    }
    REQUIRE(pool->check_invariants() == nullptr);
}

TEST_CASE("a sharded pool refuses donors as one pool would", "[pool][sharded]") {
    pool_geometry geometry;
    geometry.slots = 256;
    geometry.max_block_pages = 4;
    owned_pool<data_config, 4> pool(geometry);
    const pfn_range first{0x1000, 128};
    REQUIRE(pool->register_donor("a", span<const pfn_range>(&first, 1), 4).value() == 0);
    const pfn_range overlapping{0x1000 + 124, 8};
    CHECK(pool->register_donor("b", span<const pfn_range>(&overlapping, 1), 4).error() ==
          errc::donor_ranges_overlap);
    const pfn_range ragged{0x8000, 10};
    CHECK(pool->register_donor("b", span<const pfn_range>(&ragged, 1), 4).error() ==
          errc::range_not_block_multiple);
    const pfn_range too_big{0x8000, 132};
    CHECK(pool->register_donor("b", span<const pfn_range>(&too_big, 1), 4).error() ==
          errc::not_enough_slots);
    CHECK(pool->register_donor("b", span<const pfn_range>(&first, 1), 8).error() ==
          errc::invalid_block_pages);
    CHECK(pool->donor_count() == 1);
    const pfn_range rest{0x8000, 128};
    REQUIRE(pool->register_donor("b", span<const pfn_range>(&rest, 1), 4).value() == 1);
    CHECK(pool->take_back(1, first.first).error() == errc::not_donor_page);
    CHECK(pool->take_back(2, first.first).error() == errc::unknown_donor);
    CHECK(pool->donate(0, rest.first).error() == errc::not_donor_page);
}

TEST_CASE("shards' page memory never overlaps", "[pool][sharded]") {
    constexpr uint32_t shards = 3;
    pool_geometry geometry;
    geometry.slots = 300; // not a multiple of the shards or the blocks
    geometry.max_block_pages = 2;
    owned_pool<data_config, shards> pool(geometry);
    const pfn_range range{0x2000, 300};
    REQUIRE(pool->register_donor("d", span<const pfn_range>(&range, 1), 2).value() == 0);
    REQUIRE(pool->donate_range(0, range) == 300);
    const fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> page(test_page_bytes), out(test_page_bytes);
    // Exactly as many pages as slots, spread over many inodes: a shard whose memory overlapped
    // another's would return another key's bytes.
    uint64_t stored = 0;
    for (uint64_t i = 0; i < 300; ++i) {
        const page_key key{fs, i % 29, i};
        stamp_page(page.data(), key, 1);
        stored += pool->store(key, 0, page.data()).has_value();
    }
    uint64_t hits = 0;
    for (uint64_t i = 0; i < 300; ++i) {
        const page_key key{fs, i % 29, i};
        if (pool->restore(key, 0, out.data())->count() == 1) {
            ++hits;
            REQUIRE(page_matches(out.data(), key, 1));
        }
    }
    INFO("stored " << stored << ", hits " << hits);
    CHECK(hits > 200); // shards fill unevenly; most pages still fit
    REQUIRE(pool->check_invariants() == nullptr);
}

TEST_CASE("a donor's blocks spread over the shards whatever part is donated, in any order",
          "[pool][sharded]") {
    constexpr uint32_t shards = 4, block = 4;
    pool_geometry geometry;
    geometry.slots = 1024;
    geometry.max_block_pages = block;
    // Two ranges of 13 and 6 blocks: neither a multiple of the shards.
    const pfn_range ranges[2] = {{0x1'0000, 13 * block}, {0x9'0000, 6 * block}};
    for (const bool backwards : {false, true}) {
        owned_pool<recording_config, shards> pool(geometry);
        REQUIRE(pool->register_donor("d", span<const pfn_range>(ranges, 2), block).value() == 0);
        // The first k blocks of a range (or its last k, backwards) reach min(k, shards) shards.
        std::set<const void*> reached;
        for (uint64_t k = 0; k < 13; ++k) {
            const uint64_t b = backwards ? 12 - k : k;
            for (pfn_t pfn = ranges[0].first + b * block; pfn < ranges[0].first + (b + 1) * block;
                 ++pfn) {
                const auto taken =
                    locks_taken_by([&] { REQUIRE(pool->donate(0, pfn).has_value()); });
                REQUIRE(taken.size() == 1);
                reached.insert(*taken.begin());
            }
            CHECK(reached.size() == (k + 1 < shards ? k + 1 : shards));
        }
        // Each shard holds its blocks of both ranges: blocks b with b % shards == s.
        REQUIRE(pool->donate_range(0, ranges[1]) == ranges[1].count);
        for (uint32_t s = 0; s < shards; ++s) {
            const uint64_t expected =
                ((13 - s + shards - 1) / shards + (6 - s + shards - 1) / shards) * block;
            CHECK(pool->shard(s).donor_info(0)->size == expected);
        }
        // A take-back still locks exactly one shard, the one its donate locked.
        for (pfn_t pfn = ranges[1].first; pfn < ranges[1].end(); pfn += 3) {
            const auto donated = locks_taken_by([&] { REQUIRE(pool->take_back(0, pfn)); });
            const auto again = locks_taken_by([&] { REQUIRE(pool->donate(0, pfn)); });
            CHECK(donated.size() == 1);
            CHECK(donated == again);
        }
        CHECK(pool->donor_info(0)->size == ranges[0].count + ranges[1].count);
        REQUIRE(pool->check_invariants() == nullptr);
    }
}
