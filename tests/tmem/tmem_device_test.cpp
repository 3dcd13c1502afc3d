// tmem_device, the virtio-tmem driver's side: its sizes as virtio-mem's configuration space,
// every bad request refused by name with nothing changed, and resizes to every size and back
// under load (stores, restores, host discards) with the pool's invariants after every step.
#include <tagcache/tagcache.hpp>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "catch.hpp"
#include "pool/pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

struct tmem_config : default_pool_config {
    using page_memory = discardable_arena_page_memory;
};
using tmem_pool = cleancache_pool<tmem_config>;
using device_type = tmem_device<tmem_pool>;

constexpr pfn_range region{0x40'0000, 256};
constexpr uint32_t block_pages = 4;
constexpr uint64_t block_bytes = block_pages * test_page_bytes;
constexpr uint64_t region_bytes = region.count * test_page_bytes;

struct tmem_rig {
    discardable_arena arena{region, test_page_bytes};
    owned_pool<tmem_config> pool{geometry(), arena.page_memory()};
    device_type device = device_type::create(*pool, "tmem", region, block_bytes).value();
    fs_id fs = pool->add_fs().value();

    static pool_geometry geometry() {
        pool_geometry g;
        g.slots = static_cast<uint32_t>(region.count);
        g.max_block_pages = block_pages;
        return g;
    }
    void require_invariants() const {
        const char* broken = pool->check_invariants();
        INFO((broken ? broken : "ok"));
        REQUIRE(broken == nullptr);
    }
    // The device's sizes agree with the pool: plugged blocks are donated, the others are not.
    void require_plugged(uint64_t bytes) const {
        const tmem_config_space c = device.config();
        REQUIRE(c.plugged_size == bytes);
        REQUIRE(pool->donor_info(device.donor())->size == bytes / test_page_bytes);
        for (pfn_t pfn = region.first; pfn < region.first + region.count; ++pfn)
            REQUIRE(*pool->is_donated(device.donor(), pfn) ==
                    (pfn - region.first < bytes / test_page_bytes));
    }
};

} // namespace

TEST_CASE("a tmem device reports its sizes as virtio-mem's config space", "[tmem]") {
    tmem_rig rig;
    tmem_config_space c = rig.device.config();
    CHECK(c.block_size == block_bytes);
    CHECK(c.addr == region.first * test_page_bytes);
    CHECK(c.region_size == region_bytes);
    CHECK(c.usable_region_size == region_bytes);
    CHECK(c.plugged_size == 0);
    CHECK(c.requested_size == 0);
    rig.require_plugged(0);

    const auto grown = rig.device.set_requested_size(10 * block_bytes);
    REQUIRE(grown.has_value());
    CHECK(grown->blocks_plugged == 10);
    CHECK(grown->blocks_unplugged == 0);
    c = rig.device.config();
    CHECK(c.requested_size == 10 * block_bytes);
    rig.require_plugged(10 * block_bytes);
    rig.require_invariants();
}

TEST_CASE("a tmem device refuses bad block sizes and regions by name", "[tmem]") {
    discardable_arena arena{region, test_page_bytes};
    owned_pool<tmem_config> pool{tmem_rig::geometry(), arena.page_memory()};
    CHECK(device_type::create(*pool, "t", region, 0).error() == errc::device_block_size_invalid);
    CHECK(device_type::create(*pool, "t", region, 6000).error() == errc::device_block_size_invalid);
    CHECK(device_type::create(*pool, "t", {region.first, 254}, block_bytes).error() ==
          errc::range_not_block_multiple);
    CHECK(device_type::create(*pool, "t", region, 8 * test_page_bytes).error() ==
          errc::invalid_block_pages); // above the pool's max_block_pages
    CHECK(pool->donor_count() == 0);
}

TEST_CASE("every bad requested size is refused by name and changes nothing", "[tmem]") {
    tmem_rig rig;
    REQUIRE(rig.device.set_requested_size(32 * block_bytes).has_value());
    const page_key key{rig.fs, 9, 0};
    std::vector<unsigned char> page(test_page_bytes);
    stamp_page(page.data(), key, 1);
    REQUIRE(rig.pool->store(key, 0, page.data()).has_value());
    const tmem_config_space before = rig.device.config();
    const pool_stats stats_before = rig.pool->stats();

    struct bad {
        uint64_t bytes;
        errc expected;
    };
    for (const bad& b : {bad{region_bytes + block_bytes, errc::size_above_region},
                         bad{~uint64_t{0}, errc::size_above_region},
                         bad{test_page_bytes, errc::size_not_block_aligned},
                         bad{33 * block_bytes + 1, errc::size_not_block_aligned},
                         bad{region_bytes - test_page_bytes, errc::size_not_block_aligned}}) {
        CAPTURE(b.bytes);
        CHECK(rig.device.set_requested_size(b.bytes).error() == b.expected);
        CHECK(rig.device.request_size(b.bytes).error() == b.expected);
        CHECK(std::string(error_name(b.expected)) == (b.expected == errc::size_above_region
                                                          ? "size_above_region"
                                                          : "size_not_block_aligned"));
        const tmem_config_space after = rig.device.config();
        CHECK(after.requested_size == before.requested_size);
        CHECK(after.plugged_size == before.plugged_size);
        CHECK(rig.device.adjust().blocks_plugged == 0); // nothing pending either
        rig.require_plugged(32 * block_bytes);
        CHECK(rig.pool->stats().cached == stats_before.cached);
    }
    CHECK(rig.pool->restore(key, 0, page.data())->all(0));
    rig.require_invariants();
}

TEST_CASE("adjust() plugs and unplugs at most the blocks it is given, highest first", "[tmem]") {
    tmem_rig rig;
    REQUIRE(rig.device.request_size(region_bytes).has_value());
    CHECK(rig.device.adjust(5).blocks_plugged == 5);
    rig.require_plugged(5 * block_bytes);
    CHECK(rig.device.config().requested_size == region_bytes);
    while (rig.device.adjust(7).blocks_plugged != 0) {
    }
    rig.require_plugged(region_bytes);
    REQUIRE(rig.device.request_size(0).has_value());
    const tmem_resize step = rig.device.adjust(3);
    CHECK(step.blocks_unplugged == 3);
    rig.require_plugged(region_bytes - 3 * block_bytes); // the last three blocks left
    rig.require_invariants();
}

// Resizes to random sizes, the whole region and nothing among them, and back, while pages are
// stored and restored and the host discards pages (with and without notifying): after every
// step the invariants hold, the plugged size is the requested one, pages of unplugged blocks
// are gone, every hit is the latest version, and the pages a shrink reports dropped are the
// cached pages it took.
TEST_CASE("resizes to any size and back under load keep the pool exact", "[tmem]") {
    tmem_rig rig;
    std::mt19937_64 random(0x73E5);
    std::map<uint64_t, uint64_t> latest; // page index -> version stored (inode 1)
    std::vector<unsigned char> buffer(16 * test_page_bytes);
    uint64_t version = 0, hits = 0, dropped_total = 0;
    const uint64_t blocks = region.count / block_pages;
    for (int step = 0; step < 300; ++step) {
        CAPTURE(step);
        // Load: stores and restores of random folios of one file.
        for (int op = 0; op < 24; ++op) {
            const unsigned order = static_cast<unsigned>(random() % 5);
            const uint64_t index = (random() % 512) & ~((uint64_t{1} << order) - 1);
            const page_key key{rig.fs, 1, index};
            if (random() % 2 == 0) {
                ++version;
                for (uint32_t i = 0; i < (1u << order); ++i)
                    stamp_page(buffer.data() + i * test_page_bytes, {rig.fs, 1, index + i},
                               version);
                const auto stored = rig.pool->store(key, order, buffer.data());
                for (uint32_t i = 0; i < (1u << order); ++i) {
                    if (stored)
                        latest[index + i] = version;
                    else
                        latest.erase(index + i);
                }
            } else {
                const auto filled = rig.pool->restore(key, order, buffer.data());
                REQUIRE(filled.has_value());
                for (uint32_t i = 0; i < (1u << order); ++i) {
                    if (!filled->test(i))
                        continue;
                    ++hits;
                    const auto it = latest.find(index + i);
                    REQUIRE(it != latest.end());
                    REQUIRE(page_matches(buffer.data() + i * test_page_bytes,
                                         {rig.fs, 1, index + i}, it->second));
                }
            }
        }
        // The host discards a few pages, and says so half the time.
        for (int d = 0; d < 3; ++d) {
            const pfn_t pfn = region.first + random() % region.count;
            rig.arena.discard(pfn);
            if (random() % 2 == 0)
                REQUIRE(rig.device.on_discarded({pfn, 1}).has_value());
        }
        rig.require_invariants();
        // A resize: to nothing, to everything, or anywhere between.
        const uint64_t dice = random() % 6;
        const uint64_t target = dice == 0 ? 0 : dice == 1 ? blocks : random() % (blocks + 1);
        const uint64_t plugged_before = rig.device.plugged_blocks();
        const uint64_t cached_before = rig.pool->stats().cached;
        const auto resized = rig.device.set_requested_size(target * block_bytes);
        REQUIRE(resized.has_value());
        rig.require_plugged(target * block_bytes);
        rig.require_invariants();
        if (target < plugged_before) {
            CHECK(resized->blocks_unplugged == plugged_before - target);
            // Shrinking only drops: what it took is what left the cache (a folio partly in an
            // unplugged block leaves whole, its other pages counting as collateral).
            const pool_stats now = rig.pool->stats();
            CHECK(resized->pages_dropped <= cached_before - now.cached);
            dropped_total += resized->pages_dropped;
        } else {
            CHECK(resized->blocks_plugged == target - plugged_before);
            CHECK(resized->pages_dropped == 0);
        }
    }
    REQUIRE(rig.device.set_requested_size(0).has_value());
    CHECK(rig.pool->stats().cached == 0);
    rig.require_plugged(0);
    rig.require_invariants();
    REQUIRE(rig.device.set_requested_size(region_bytes).has_value());
    rig.require_plugged(region_bytes);
    rig.require_invariants();
    CHECK(hits > 100);
    CHECK(dropped_total > 0);
    CHECK(rig.pool->stats().discarded > 0);
}

// Plugging fills a region's first blocks; a sharded pool must still give every shard its part
// of them (block b to shard b mod S), or the stores of the shards without pages fail while
// others hold free pages. (Regression: each shard owned one fixed run of blocks, so half a
// region plugged reached 2 of 4 shards.)
TEST_CASE("a half-plugged tmem device over 4 shards stores into every shard", "[tmem][sharded]") {
    constexpr uint32_t shards = 4;
    using pool_type = sharded_pool<data_config, shards>;
    pool_geometry geometry;
    geometry.slots = static_cast<uint32_t>(region.count);
    geometry.max_block_pages = block_pages;
    owned_pool<data_config, shards> pool(geometry);
    auto device = tmem_device<pool_type>::create(*pool, "tmem", region, block_bytes).value();
    REQUIRE(device.set_requested_size(region_bytes / 2).has_value());
    const fs_id fs = pool->add_fs().value();

    std::vector<unsigned char> page(test_page_bytes, 0x3C);
    uint64_t no_space = 0;
    const uint64_t stores = region.count / 2; // as many as plugged pages
    for (uint64_t inode = 0; inode < stores; ++inode) {
        const auto stored = pool->store({fs, inode, 0}, 0, page.data());
        if (!stored) {
            REQUIRE(stored.error() == errc::no_space);
            ++no_space;
        }
    }
    const pool_stats total = pool->stats();
    std::printf("tmem over %u shards, half plugged: %llu of %llu stores no_space, %llu pages "
                "free; per shard: plugged/stored",
                shards, static_cast<unsigned long long>(no_space),
                static_cast<unsigned long long>(stores),
                static_cast<unsigned long long>(region.count / 2 - total.cached));
    for (uint32_t s = 0; s < shards; ++s) {
        const auto plugged = pool->shard(s).donor_info(0);
        std::printf(" %llu/%llu", static_cast<unsigned long long>(plugged ? plugged->size : 0),
                    static_cast<unsigned long long>(pool->shard(s).stats().stored));
    }
    std::printf("\n");
    for (uint32_t s = 0; s < shards; ++s) {
        INFO("shard " << s);
        const auto plugged = pool->shard(s).donor_info(0);
        REQUIRE(plugged.has_value());
        CHECK(plugged->size == region.count / 2 / shards); // an equal part of what is plugged
        CHECK(pool->shard(s).stats().stored > 0);
    }
    CHECK(no_space == 0); // a shard out of pages evicts; none is without pages
    CHECK(total.stored == stores);
    REQUIRE(pool->check_invariants() == nullptr);
}
