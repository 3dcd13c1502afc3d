// The readahead walk (restore_run) counts as docs/pool.md describes it: order-0 restores of
// first, first + 1, ... stopping at the first miss, so `missed` grows by exactly one (the page
// that stopped it) or by none (the walk filled every page), whatever the inode holds elsewhere
// and in every pool: the single pool, one shard, several shards. (Regression: an inode with
// nothing cached counted the whole walk, 10 pages, in the single pool and up to the 64-page
// chunk end, 4, in a sharded pool.)
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

constexpr uint64_t walk_inode = 7, walk_first = 60, walk_pages = 10; // crosses index 64

struct walk_case {
    const char* name;
    std::vector<uint64_t> cached; // indices of walk_inode stored before the walk
    uint64_t restored, missed;    // what the walk must do
};

const walk_case walk_cases[] = {
    {"nothing of the inode cached", {}, 0, 1},
    {"another page of the inode cached, in another chunk", {200}, 0, 1},
    {"another page of the inode cached, in the walk's chunk", {30}, 0, 1},
    {"the walk's first 6 pages cached, across a chunk end", {60, 61, 62, 63, 64, 65}, 6, 1},
    {"every page of the walk cached", {60, 61, 62, 63, 64, 65, 66, 67, 68, 69}, 10, 0},
};

pool_geometry walk_geometry() {
    pool_geometry geometry;
    geometry.slots = 256;
    geometry.max_block_pages = 4;
    return geometry;
}

// Runs every case on a fresh pool made by make(), printing what each walk did; a mismatch is a
// Catch2 failure naming the pool and the case.
template <class Make>
void check_walks(const char* pool_name, Make&& make) {
    for (const walk_case& c : walk_cases) {
        auto owner = make();
        auto& pool = **owner;
        const pfn_range range{0x4000, 256};
        REQUIRE(pool.register_donor("d", span<const pfn_range>(&range, 1), 4).has_value());
        REQUIRE(pool.donate_range(0, range) == 256);
        const fs_id fs = pool.add_fs().value();
        std::vector<unsigned char> page(test_page_bytes);
        for (const uint64_t index : c.cached) {
            stamp_page(page.data(), {fs, walk_inode, index}, 1);
            REQUIRE(pool.store({fs, walk_inode, index}, 0, page.data()).has_value());
        }
        std::vector<unsigned char> sink(walk_pages * test_page_bytes);
        const pool_stats before = pool.stats();
        const auto walked =
            pool.restore_run(fs, walk_inode, walk_first, walk_pages, [&](uint64_t index) noexcept {
                return static_cast<void*>(sink.data() + (index - walk_first) * test_page_bytes);
            });
        const pool_stats after = pool.stats();
        INFO(pool_name << ": " << c.name);
        std::printf("readahead: %s: %s: restored %llu, missed +%llu (expected %llu, +%llu)\n",
                    pool_name, c.name, static_cast<unsigned long long>(walked.value_or(~0ull)),
                    static_cast<unsigned long long>(after.missed - before.missed),
                    static_cast<unsigned long long>(c.restored),
                    static_cast<unsigned long long>(c.missed));
        REQUIRE(walked.has_value());
        CHECK(*walked == c.restored);
        CHECK(after.restored - before.restored == c.restored);
        CHECK(after.missed - before.missed == c.missed);
        for (uint64_t i = 0; i < *walked; ++i)
            CHECK(page_matches(sink.data() + i * test_page_bytes, {fs, walk_inode, walk_first + i},
                               1));
        CHECK(pool.check_invariants() == nullptr);
    }
}

} // namespace

TEST_CASE("a readahead walk counts one miss, the page that stopped it, in every pool",
          "[pool][readahead]") {
    check_walks("cleancache_pool",
                [] { return std::make_unique<owned_pool<data_config>>(walk_geometry()); });
    check_walks("sharded_pool<C, 1>", [] {
        return std::make_unique<owned_sharded_pool<data_config, 1>>(walk_geometry());
    });
    check_walks("sharded_pool<C, 4>", [] {
        return std::make_unique<owned_sharded_pool<data_config, 4>>(walk_geometry());
    });
}

TEMPLATE_TEST_CASE("a readahead walk refuses what it cannot walk before restoring anything",
                   "[pool][readahead]", data_config, sharded_data_config) {
    pool_with_donors<TestType> pool(1, 64);
    const fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> page(test_page_bytes);
    REQUIRE(pool->store({fs, 1, max_page_index}, 0, page.data()).has_value());
    const auto sink = [&](uint64_t) noexcept { return static_cast<void*>(page.data()); };
    const auto refusal = [&](fs_id walk_fs, uint64_t first, uint64_t count) {
        const auto walked = pool->restore_run(walk_fs, 1, first, count, sink);
        return walked ? errc::ok : walked.error();
    };
    const pool_stats before = pool->stats();
    // Past the last index: refused whole, although its first page is cached.
    CHECK(refusal(fs, max_page_index, 2) == errc::index_too_large);
    CHECK(refusal(fs + 1, 0, 4) == errc::unknown_filesystem);
    CHECK(refusal(fs + 1, 0, 0) == errc::unknown_filesystem);
    CHECK(pool->stats() == before);
    CHECK(pool->restore_run(fs, 1, max_page_index, 1, sink).value() == 1);
    CHECK(pool->restore_run(fs, 1, 5, 0, sink).value() == 0);
}
