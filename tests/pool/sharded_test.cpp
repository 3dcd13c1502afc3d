// sharded_pool: one shard is the single pool, hit for hit; with several, every operation locks
// exactly one shard (filesystem operations and statistics excepted), a donor's pages spread
// over all shards, registration refuses what one pool would refuse, and page memory of
// different shards never overlaps. (Differential and concurrency runs over sharded pools are
// in differential_test.cpp and concurrency_test.cpp.)
#include <cstdint>
#include <random>
#include <set>
#include <type_traits>
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

TEST_CASE("a sharded pool of one shard is the single pool, hit for hit", "[pool][sharded]") {
    pool_geometry geometry;
    geometry.slots = 512;
    geometry.max_block_pages = 4;
    owned_pool<data_config> single(geometry);
    owned_pool<data_config, 1> also_single(geometry); // the same type: Shards == 1
    static_assert(std::is_same_v<decltype(also_single)::pool_type, cleancache_pool<data_config>>);
    using one_shard = sharded_pool<data_config, 1>;
    std::vector<unsigned char> buffer(one_shard::required_bytes(geometry) + 64);
    auto* aligned = reinterpret_cast<unsigned char*>(
        (reinterpret_cast<uintptr_t>(buffer.data()) + 63) & ~uintptr_t{63});
    page_arena arena(one_shard::memory_slots(geometry), test_page_bytes);
    REQUIRE(one_shard::memory_slots(geometry) == geometry.slots);
    one_shard& sharded = *one_shard::create(aligned, one_shard::required_bytes(geometry), geometry,
                                            arena_page_memory(arena.data(), test_page_bytes))
                              .value();

    const pfn_range range{0x4000, 512};
    REQUIRE(single->register_donor("d", span<const pfn_range>(&range, 1), 4).value() == 0);
    REQUIRE(sharded.register_donor("d", span<const pfn_range>(&range, 1), 4).value() == 0);
    REQUIRE(single->donate_range(0, range) == 512);
    REQUIRE(sharded.donate_range(0, range) == 512);
    const fs_id fs = single->add_fs().value();
    REQUIRE(sharded.add_fs().value() == fs);

    std::mt19937_64 random(42);
    std::vector<unsigned char> page(16 * test_page_bytes), a(16 * test_page_bytes),
        b(16 * test_page_bytes);
    uint64_t hits = 0;
    for (int op = 0; op < 60'000; ++op) {
        const unsigned order = static_cast<unsigned>(random() % 3);
        const page_key key{fs, random() % 12, (random() % 64) & ~((uint64_t{1} << order) - 1)};
        const unsigned dice = static_cast<unsigned>(random() % 100);
        if (dice < 40) {
            stamp_page(page.data(), key, static_cast<uint64_t>(op));
            REQUIRE(single->store(key, order, page.data()).has_value() ==
                    sharded.store(key, order, page.data()).has_value());
        } else if (dice < 85) {
            const auto x = single->restore(key, order, a.data());
            const auto y = sharded.restore(key, order, b.data());
            REQUIRE(x.has_value() == y.has_value());
            if (x) {
                REQUIRE(x->count() == y->count());
                hits += x->count();
                for (unsigned i = 0; i < (1u << order); ++i)
                    if (x->test(i))
                        REQUIRE(std::memcmp(a.data() + i * test_page_bytes,
                                            b.data() + i * test_page_bytes, test_page_bytes) == 0);
            }
        } else if (dice < 92) {
            REQUIRE(single->invalidate(key, order).has_value() ==
                    sharded.invalidate(key, order).has_value());
        } else {
            const pfn_t pfn = range.first + random() % range.count;
            REQUIRE(single->take_back(0, pfn).has_value() == sharded.take_back(0, pfn).has_value());
            REQUIRE(single->donate(0, pfn).has_value() == sharded.donate(0, pfn).has_value());
        }
    }
    const pool_stats x = single->stats(), y = sharded.stats();
    CHECK(x.stored == y.stored);
    CHECK(x.restored == y.restored);
    CHECK(x.missed == y.missed);
    CHECK(x.reclaimed == y.reclaimed);
    CHECK(x.recalled == y.recalled);
    CHECK(x.cached == y.cached);
    CHECK(hits == x.restored);
    CHECK(hits > 10'000); // the comparison covered hits, not just misses
    REQUIRE(sharded.check_invariants() == nullptr);
    sharded.~one_shard();
}

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
