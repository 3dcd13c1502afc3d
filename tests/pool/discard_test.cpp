// The discard protocol, step by step (docs/tmem.md): the host discards a donated page between a
// store and a restore, just before or inside a restore's copy, inside a store's copy, while a
// store begins; by notification; under each partial-take and restore mode; without page data.
// Each time a restore must never report a discarded page filled, the pool must count the
// discard, free the slot and keep its invariants. The last cases plant the bug of skipping the
// second generation read and show these checks catch it.
#include <cstdint>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "discard_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

constexpr uint32_t pages_per_donor = 32;

// One donor of 32 pages, all donated, over a test device; pages stamped with (key, version).
template <class Config>
struct discard_rig {
    test_discard_device device{{test_donor_range(0, pages_per_donor)}};
    pool_with_donors<Config> pool{
        1, pages_per_donor, 4, 0, true, typename Config::page_memory{&device}};
    fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> buffer = std::vector<unsigned char>(16 * test_page_bytes);

    page_key key(uint64_t index) const { return {fs, 1, index}; }
    void store(uint64_t index, unsigned order, uint64_t version) {
        for (uint32_t i = 0; i < (1u << order); ++i)
            stamp_page(buffer.data() + i * test_page_bytes, key(index + i), version);
        REQUIRE(pool->store(key(index), order, buffer.data()).has_value());
    }
    // Restores (index, order); every page reported filled must hold `version`'s bytes.
    folio_bitmap<4> restore(uint64_t index, unsigned order, uint64_t version) {
        std::memset(buffer.data(), 0xA5, 16 * test_page_bytes);
        const auto filled = pool->restore(key(index), order, buffer.data());
        REQUIRE(filled.has_value());
        if constexpr (Config::page_memory::holds_data)
            for (uint32_t i = 0; i < (1u << order); ++i)
                if (filled->test(i)) {
                    INFO("page " << index + i << " reported filled with other bytes");
                    CHECK(
                        page_matches(buffer.data() + i * test_page_bytes, key(index + i), version));
                }
        return *filled;
    }
    // The pfn the pool placed page `index` in: the one whose bytes hold its stamp.
    pfn_t pfn_of(uint64_t index, uint64_t version) {
        const pfn_range range = pool.ranges[0];
        for (pfn_t pfn = range.first; pfn < range.first + range.count; ++pfn)
            if (page_matches(device.page(pfn), key(index), version))
                return pfn;
        FAIL("page " << index << " is in no pfn");
        return 0;
    }
    // Metadata only: the pool writes no bytes, so find the slot by discarding candidates is not
    // possible; the rig discards every page instead.
    void discard_all() {
        const pfn_range range = pool.ranges[0];
        for (pfn_t pfn = range.first; pfn < range.first + range.count; ++pfn)
            device.discard(pfn);
    }
    void require_invariants() {
        const char* broken = pool->check_invariants();
        INFO((broken ? broken : "ok"));
        REQUIRE(broken == nullptr);
    }
    uint64_t free_pages() { return pool->donor_info(0)->free; }
};

} // namespace

TEST_CASE("a page discarded between its store and a restore is a miss, counted, its slot freed",
          "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(4, 0, 1);
    const uint64_t free_before = rig.free_pages();
    rig.device.discard(rig.pfn_of(4, 1));
    CHECK(rig.restore(4, 0, 1).none());
    const pool_stats stats = rig.pool->stats();
    CHECK(stats.discarded == 1);
    CHECK(stats.cached == 0);
    CHECK(stats.missed == 1);
    CHECK(rig.free_pages() == free_before + 1);
    rig.require_invariants();
    CHECK(rig.restore(4, 0, 1).none()); // gone: it stays missed
    CHECK(rig.pool->stats().discarded == 1);
    rig.store(4, 0, 2); // and can be stored again, in the same slot or another
    CHECK(rig.restore(4, 0, 2).all(0));
    rig.require_invariants();
}

TEST_CASE("a discard landing inside a restore's copy is caught by the read after the copy",
          "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(8, 0, 1);
    // The restore reads the generation (unchanged), then the host discards the page, then the
    // restore copies: it copies zeroes, and only the second read can tell.
    rig.device.discard_after_read(rig.pfn_of(8, 1), 1);
    CHECK(rig.restore(8, 0, 1).none());
    CHECK_FALSE(rig.device.armed());
    CHECK(rig.pool->stats().discarded == 1);
    rig.require_invariants();
}

TEST_CASE("a discard landing inside a store's copy publishes nothing", "[pool][discard]") {
    discard_rig<discard_config> rig;
    // Free slots are reused last in, first out: store and invalidate a page to learn which pfn
    // the next store takes, then land a discard just after that store's first read.
    rig.store(0, 0, 1);
    const pfn_t first = rig.pfn_of(0, 1);
    REQUIRE(rig.pool->invalidate(rig.key(0), 0).has_value()); // frees it again, on top
    rig.device.discard_after_read(first, 1);
    rig.store(2, 0, 2);
    CHECK_FALSE(rig.device.armed());
    const pool_stats stats = rig.pool->stats();
    CHECK(stats.discarded == 1);
    CHECK(stats.cached == 0);
    CHECK(rig.restore(2, 0, 2).none());
    rig.require_invariants();
}

TEST_CASE("a discard the store's own check misses is caught by the restore", "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(0, 0, 1);
    const pfn_t first = rig.pfn_of(0, 1);
    REQUIRE(rig.pool->invalidate(rig.key(0), 0).has_value());
    // The discard lands just after the store's second read: the store publishes a page the
    // host has zeroed, with the generation its copy began with.
    rig.device.discard_after_read(first, 2);
    rig.store(2, 0, 2);
    CHECK_FALSE(rig.device.armed());
    CHECK(rig.pool->stats().cached == 1);
    CHECK(rig.restore(2, 0, 2).none());
    CHECK(rig.pool->stats().discarded == 1);
    rig.require_invariants();
}

TEST_CASE("a store whose page is being discarded publishes nothing", "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(0, 0, 1);
    const pfn_t first = rig.pfn_of(0, 1);
    REQUIRE(rig.pool->invalidate(rig.key(0), 0).has_value());
    rig.device.begin_discard(first); // odd: the host is discarding it now
    rig.store(2, 0, 2);
    CHECK(rig.pool->stats().discarded == 1);
    CHECK(rig.pool->stats().cached == 0);
    rig.device.end_discard(first);
    CHECK(rig.restore(2, 0, 2).none());
    rig.require_invariants();
}

TEST_CASE("under drop_whole_folio a discarded page takes its folio with it", "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(4, 2, 1);
    rig.device.discard(rig.pfn_of(5, 1));
    CHECK(rig.restore(4, 2, 1).none());
    const pool_stats stats = rig.pool->stats();
    CHECK(stats.discarded == 1);
    CHECK(stats.collateral_dropped == 3);
    CHECK(stats.cached == 0);
    rig.require_invariants();
}

TEST_CASE("under split_folio the folio's other pages stay restorable, exclusive restores too",
          "[pool][discard]") {
    discard_rig<discard_split_exclusive_config> rig;
    rig.store(4, 2, 1);
    rig.device.discard(rig.pfn_of(5, 1));
    const auto filled = rig.restore(4, 2, 1); // exclusive: every page found leaves the pool
    CHECK(filled.test(0));
    CHECK_FALSE(filled.test(1));
    CHECK(filled.test(2));
    CHECK(filled.test(3));
    const pool_stats stats = rig.pool->stats();
    CHECK(stats.discarded == 1);
    CHECK(stats.collateral_dropped == 0);
    CHECK(stats.cached == 0);
    rig.require_invariants();
}

TEST_CASE("a notified discard drops the page at once, a bad range changes nothing",
          "[pool][discard]") {
    discard_rig<discard_config> rig;
    rig.store(0, 0, 1);
    rig.store(1, 0, 1);
    const pfn_t pfn = rig.pfn_of(0, 1);
    const pfn_range foreign{test_donor_range(1, 4).first, 4};
    CHECK(rig.pool->on_discarded(0, foreign).error() == errc::not_donor_page);
    const pfn_range overhanging{rig.pool.ranges[0].first + 1, pages_per_donor};
    CHECK(rig.pool->on_discarded(0, overhanging).error() == errc::not_donor_page);
    CHECK(rig.pool->on_discarded(7, {pfn, 1}).error() == errc::unknown_donor);
    CHECK(rig.pool->stats().cached == 2);
    rig.device.discard(pfn);
    CHECK(rig.pool->on_discarded(0, {pfn, 1}).value() == 1);
    CHECK(rig.pool->stats().discarded == 1);
    CHECK(rig.pool->stats().cached == 1);
    rig.require_invariants();
    CHECK(rig.restore(0, 0, 1).none());
    CHECK(rig.restore(1, 0, 1).all(0));
    CHECK(rig.pool->on_discarded(0, {pfn, 1}).value() == 0); // nothing left to drop
    CHECK(rig.pool->stats().discarded == 1);                 // counted once
}

TEST_CASE("without page data the pool compares generations under its lock", "[pool][discard]") {
    discard_rig<discard_metadata_config> rig;
    rig.store(0, 1, 1);
    CHECK(rig.restore(0, 1, 1).all(1));
    rig.discard_all();
    CHECK(rig.restore(0, 1, 1).none());
    CHECK(rig.pool->stats().discarded == 1); // the first page; the second went with its folio
    rig.require_invariants();
    rig.store(0, 0, 2); // a store records the current generation: no false discard after it
    CHECK(rig.restore(0, 0, 2).all(0));
    rig.require_invariants();
}

TEST_CASE("pools without discardable memory pay nothing for discards", "[pool][discard]") {
    STATIC_REQUIRE_FALSE(cleancache_pool<default_pool_config>::discardable);
    STATIC_REQUIRE_FALSE(cleancache_pool<data_config>::discardable);
    STATIC_REQUIRE(cleancache_pool<discard_config>::discardable);
    pool_geometry g;
    g.slots = 4096;
    // The discard records are the only difference: 4 bytes a slot, and only where discardable.
    CHECK(cleancache_pool<discard_config>::fixed_bytes(g) ==
          cleancache_pool<data_config>::fixed_bytes(g) + 4 * g.slots);
    CHECK(cleancache_pool<discard_config>::required_bytes(g) >=
          cleancache_pool<data_config>::required_bytes(g) + 4 * g.slots);
    CHECK(cleancache_pool<data_config>::required_bytes(g) ==
          cleancache_pool<metadata_only_config>::required_bytes(g));
}

// ---- the planted bug -----------------------------------------------------------------------

TEST_CASE("planted bug: skipping the read after the copy returns a discarded page's zeroes",
          "[pool][discard][planted]") {
    discard_rig<discard_config> rig;
    rig.store(8, 0, 1);
    const pfn_t pfn = rig.pfn_of(8, 1);
    rig.device.skip_second_read = true;
    rig.device.discard_after_read(pfn, 1);
    std::memset(rig.buffer.data(), 0xA5, test_page_bytes);
    const auto filled = rig.pool->restore(rig.key(8), 0, rig.buffer.data());
    // The broken protocol reports the page filled, with the zeroes of the discarded page: the
    // byte check every test above applies fails on it.
    REQUIRE(filled->all(0));
    CHECK_FALSE(page_matches(rig.buffer.data(), rig.key(8), 1));
    std::vector<unsigned char> zeroes(test_page_bytes, 0);
    CHECK(std::memcmp(rig.buffer.data(), zeroes.data(), test_page_bytes) == 0);
}
