// The tag-storage manager: reservations take blocks back from the pool, releases lend them
// again; counts, bitmap, maintenance hooks and every error, plus a randomized comparison with
// a reference model on std containers.
#include <tagcache/tagcache.hpp>
#include <tagsim/machines/tag_contents.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include "catch.hpp"

using namespace tagcache;

namespace {

struct recording_config {
    using lock = no_lock;
    using maintenance = sim::recording_tag_maintenance;
    using pool = cleancache_pool<default_pool_config>;
};

// A small machine: one region of `tag_pages` tag pages with blocks of `block_bytes`, its pool
// and manager, and a log of the maintenance calls.
struct small_machine {
    tag_map map;
    std::unique_ptr<owned_pool<>> pool;
    std::vector<sim::maintenance_event> log;
    std::unique_ptr<unsigned char, decltype(&std::free)> storage{nullptr, &std::free};
    tag_storage_manager<recording_config>* manager = nullptr;

    explicit small_machine(uint64_t tag_pages, uint64_t block_bytes = 0x1000)
        : map(make_map(tag_pages, block_bytes)) {
        pool_geometry g;
        g.slots = static_cast<uint32_t>(map.total_tag_pages());
        g.max_block_pages = static_cast<uint32_t>(map.region(0).block_pages);
        pool = std::make_unique<owned_pool<>>(g);
        const size_t bytes = tag_storage_manager<recording_config>::required_bytes(map);
        storage.reset(static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
        manager = tag_storage_manager<recording_config>::create(storage.get(), bytes, map, **pool,
                                                                {nullptr, &log})
                      .value();
    }
    static tag_map make_map(uint64_t tag_pages, uint64_t block_bytes) {
        const tag_region_desc desc{
            {0x4000'0000, tag_pages * 32 * 4096}, {0x8000'0000, tag_pages * 4096}, block_bytes};
        return tag_map::create(span<const tag_region_desc>(&desc, 1), page_size::size_4k).value();
    }
    pfn_t data(uint64_t offset) const { return map.region(0).memory.first + offset; }
    uint64_t count(sim::maintenance_event::kind k) const {
        return static_cast<uint64_t>(
            std::count_if(log.begin(), log.end(), [k](const auto& e) { return e.what == k; }));
    }
};
using event = sim::maintenance_event;
} // namespace

TEST_CASE("start-up lends every tag page to the pool", "[tags]") {
    small_machine m(12, 0x3000);
    REQUIRE(m.map.region(0).block_pages == 3);
    const auto donor = m.pool->get()->donor_info(m.manager->donor_of_region(0)).value();
    REQUIRE(donor.size == 12);
    REQUIRE(donor.free == 12);
    REQUIRE(std::string(donor.name) == "mte-tags-00");
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("a folio straddling two blocks reserves both, with exact counts", "[tags]") {
    // bsp 3: blocks of 96 data pages. An order-6 folio at offset 64 covers pages 64-127:
    // 32 of block 0 and 32 of block 1 (the case the v3 series counts as one block).
    small_machine m(12, 0x3000);
    REQUIRE(m.manager->reserve(m.data(64), 6));
    REQUIRE(m.manager->block_refs({0, 0}) == 32);
    REQUIRE(m.manager->block_refs({0, 1}) == 32);
    REQUIRE(m.manager->block_refs({0, 2}) == 0);
    REQUIRE(m.pool->get()->donor_info(0)->size == 6); // two blocks of 3 taken back
    REQUIRE(m.count(event::kind::to_tags) == 2);
    REQUIRE(m.count(event::kind::zero_tags) == 64);
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("maintenance hooks run once per block transition and once per page", "[tags]") {
    small_machine m(8);                         // bsp 1: blocks of 32 data pages
    REQUIRE(m.manager->reserve(m.data(0), 5));  // block 0, 0 -> 32
    REQUIRE(m.manager->reserve(m.data(32), 3)); // block 1, 0 -> 8
    REQUIRE(m.manager->reserve(m.data(40), 3)); // block 1, 8 -> 16: no transition
    const std::vector<event> expected_to_tags = {
        {event::kind::to_tags, m.map.tag_pages_of({0, 0})},
        {event::kind::to_tags, m.map.tag_pages_of({0, 1})}};
    std::vector<event> to_tags;
    for (const event& e : m.log)
        if (e.what == event::kind::to_tags)
            to_tags.push_back(e);
    REQUIRE(to_tags == expected_to_tags);
    REQUIRE(m.count(event::kind::zero_tags) == 48); // every reserved page, not only new blocks
    m.log.clear();
    REQUIRE(m.manager->release(m.data(40), 3)); // block 1: 16 -> 8
    REQUIRE(m.count(event::kind::invalidate_tags) == 8);
    REQUIRE(m.count(event::kind::to_data) == 0);
    REQUIRE(m.manager->release(m.data(32), 3)); // block 1: 8 -> 0
    REQUIRE(m.count(event::kind::to_data) == 1);
    REQUIRE(m.log.back() == event{event::kind::to_data, m.map.tag_pages_of({0, 1})});
    REQUIRE(m.pool->get()->is_donated(0, m.map.tag_pages_of({0, 1}).first).value());
    REQUIRE_FALSE(m.pool->get()->is_donated(0, m.map.tag_pages_of({0, 0}).first).value());
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("a reservation can be released piecewise", "[tags]") {
    small_machine m(8);
    REQUIRE(m.manager->reserve(m.data(32), 4));
    for (uint64_t part : {12u, 0u, 8u}) {
        REQUIRE(m.manager->release(m.data(32 + part), 2));
        REQUIRE(m.manager->block_refs({0, 1}) > 0);
        REQUIRE(m.count(event::kind::to_data) == 0);
    }
    REQUIRE(m.manager->release(m.data(36), 2));
    REQUIRE(m.manager->block_refs({0, 1}) == 0);
    REQUIRE(m.count(event::kind::to_data) == 1);
    REQUIRE(m.count(event::kind::invalidate_tags) == 16);
    REQUIRE(m.manager->stats().blocks_returned == 1);
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("errors change nothing", "[tags][errors]") {
    small_machine m(8);
    REQUIRE(m.manager->reserve(m.data(4), 2));
    const tag_stats before = m.manager->stats();
    const size_t log_before = m.log.size();
    REQUIRE(m.manager->reserve(m.data(0), 3).error() == errc::already_reserved); // overlaps
    REQUIRE(m.manager->reserve(m.data(5), 0).error() == errc::already_reserved);
    REQUIRE(m.manager->release(m.data(0), 3).error() == errc::not_reserved);  // part not reserved
    REQUIRE(m.manager->release(m.data(64), 0).error() == errc::not_reserved); // double free
    REQUIRE(m.manager->reserve(m.map.region(0).tags.first, 0).error() ==
            errc::tag_storage_not_taggable);
    REQUIRE(m.manager->reserve(0x10, 0).error() == errc::not_tagged_memory);
    REQUIRE(m.manager->reserve(m.data(1), 1).error() == errc::folio_unaligned);
    REQUIRE(m.manager->reserve(m.data(0), 9).error() == errc::not_tagged_memory); // runs off
    REQUIRE(m.manager->release(m.map.region(0).tags.first, 0).error() ==
            errc::tag_storage_not_taggable);
    const tag_stats after = m.manager->stats();
    REQUIRE(after.reservations == before.reservations);
    REQUIRE(after.pages_reserved == before.pages_reserved);
    REQUIRE(after.blocks_in_use == before.blocks_in_use);
    REQUIRE(m.log.size() == log_before);
    REQUIRE(m.manager->block_refs({0, 0}) == 4);
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("KVM mode reserves a guest page on first touch", "[tags][kvm]") {
    small_machine m(8);
    REQUIRE(m.manager->touch(m.data(7)).value() == true);
    REQUIRE(m.manager->touch(m.data(7)).value() == false);
    REQUIRE(m.manager->is_reserved(m.data(7)));
    REQUIRE(m.manager->block_refs({0, 0}) == 1);
    REQUIRE(m.manager->touch(m.map.region(0).tags.first).error() == errc::tag_storage_not_taggable);
    // Touching all of a block's pages one by one claims it once.
    for (uint64_t i = 32; i < 64; ++i)
        REQUIRE(m.manager->touch(m.data(i)).value());
    REQUIRE(m.manager->block_refs({0, 1}) == 32);
    REQUIRE(m.count(event::kind::to_tags) == 2);
    REQUIRE(m.manager->check_invariants() == nullptr);
}

TEST_CASE("reserve and release are atomic-safe exactly with non-sleeping locks", "[tags]") {
    STATIC_REQUIRE(tag_storage_manager<default_tag_config>::atomic_safe);
    struct spin_config {
        using lock = ticket_spinlock;
        using maintenance = no_tag_maintenance;
        using pool = cleancache_pool<default_pool_config>;
    };
    STATIC_REQUIRE(tag_storage_manager<spin_config>::atomic_safe);
    struct mutex_pool_config : default_pool_config {
        using lock = mutex_lock;
    };
    struct mutex_config {
        using lock = no_lock;
        using maintenance = no_tag_maintenance;
        using pool = cleancache_pool<mutex_pool_config>;
    };
    STATIC_REQUIRE_FALSE(tag_storage_manager<mutex_config>::atomic_safe);
}

TEST_CASE("random reservations and releases match a reference model", "[tags][randomized]") {
    const uint64_t seed = GENERATE(11u, 12u, 13u);
    const uint64_t block_bytes = GENERATE(0x1000u, 0x2000u, 0x3000u);
    CAPTURE(seed, block_bytes);
    std::mt19937_64 random(seed);
    small_machine m(24, block_bytes); // 768 data pages
    const tag_region& region = m.map.region(0);
    std::set<uint64_t> reserved; // data page offsets
    uint64_t peak = 0;           // blocks in use, the highest after any operation
    for (int op = 0; op < 4000; ++op) {
        const unsigned order = static_cast<unsigned>(random() % 7);
        const uint64_t offset = (random() % region.memory.count) & ~((uint64_t{1} << order) - 1);
        uint64_t present = 0;
        for (uint64_t i = offset; i < offset + (uint64_t{1} << order); ++i)
            present += reserved.count(i);
        if (random() % 2 == 0) {
            const auto r = m.manager->reserve(m.data(offset), order);
            REQUIRE(r.has_value() == (present == 0));
            if (r)
                for (uint64_t i = offset; i < offset + (uint64_t{1} << order); ++i)
                    reserved.insert(i);
        } else {
            const auto r = m.manager->release(m.data(offset), order);
            REQUIRE(r.has_value() == (present == (uint64_t{1} << order)));
            if (r)
                for (uint64_t i = offset; i < offset + (uint64_t{1} << order); ++i)
                    reserved.erase(i);
        }
        // A reserve only claims blocks and a release only returns them, so the highest gauge
        // seen after an operation is the peak.
        peak = std::max(peak, m.manager->stats().blocks_in_use);
        REQUIRE(m.manager->stats().peak_blocks_in_use == peak);
        if (op % 97 == 0) {
            for (uint64_t b = 0; b < region.block_count(); ++b) {
                const pfn_range data = region.data_pages_of_block(b);
                uint64_t expected = 0;
                for (pfn_t p = data.first; p < data.end(); ++p)
                    expected += reserved.count(p - region.memory.first);
                REQUIRE(m.manager->block_refs({0, b}) == expected);
                REQUIRE(m.pool->get()->is_donated(0, region.tag_pages_of_block(b).first).value() ==
                        (expected == 0));
            }
            REQUIRE(m.manager->check_invariants() == nullptr);
            REQUIRE(m.pool->get()->check_invariants() == nullptr);
        }
    }
}

namespace {
// `regions` regions of 4 tag pages each (128 data pages), side by side, blocks of `block_bytes`.
tag_map many_regions(uint32_t regions, uint64_t block_bytes = 0x1000,
                     page_size page = page_size::size_4k) {
    std::vector<tag_region_desc> descs;
    const uint64_t page_bytes_ = tagcache::page_bytes(page);
    for (uint32_t r = 0; r < regions; ++r)
        descs.push_back({{0x4000'0000 + r * 128 * page_bytes_, 128 * page_bytes_},
                         {0x8000'0000 + r * 4 * page_bytes_, 4 * page_bytes_},
                         block_bytes});
    return tag_map::create(descs, page).value();
}
struct buffer_for {
    explicit buffer_for(const tag_map& map)
        : bytes(tag_storage_manager<>::required_bytes(map))
        , data(static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)),
               &std::free) {}
    size_t bytes;
    std::unique_ptr<unsigned char, decltype(&std::free)> data;
};
pool_geometry geometry_for(uint32_t slots, uint32_t max_block_pages = 1,
                           page_size page = page_size::size_4k) {
    pool_geometry g;
    g.slots = slots;
    g.max_block_pages = max_block_pages;
    g.page = page;
    return g;
}
} // namespace

TEST_CASE("set-up checks the pool before changing it, and a retry can succeed", "[tags][errors]") {
    owned_pool<> pool(geometry_for(64));
    const tag_map nine = many_regions(9); // default_pool_config::max_donors is 8
    buffer_for b9(nine);
    REQUIRE(tag_storage_manager<>::create(b9.data.get(), b9.bytes, nine, *pool).error() ==
            errc::too_many_donors);
    REQUIRE(pool->donor_count() == 0); // nothing registered, nothing donated
    REQUIRE(pool->check_invariants() == nullptr);
    const tag_map eight = many_regions(8);
    buffer_for b8(eight);
    const auto manager = tag_storage_manager<>::create(b8.data.get(), b8.bytes, eight, *pool);
    REQUIRE(manager.has_value());
    REQUIRE(pool->donor_count() == 8);
    REQUIRE((*manager)->check_invariants() == nullptr);
}

TEST_CASE("set-up refuses a pool of another page size, by name", "[tags][errors]") {
    const tag_map map = many_regions(1, 0x4000, page_size::size_16k);
    owned_pool<> pool(geometry_for(64)); // 4 KiB pages
    buffer_for b(map);
    REQUIRE(tag_storage_manager<>::create(b.data.get(), b.bytes, map, *pool).error() ==
            errc::page_size_mismatch);
    REQUIRE(pool->donor_count() == 0);
}

TEST_CASE("set-up refuses a pool whose blocks are too small, by name", "[tags][errors]") {
    const tag_map map = many_regions(2, 0x4000); // 4 pages per block
    owned_pool<> small_blocks(geometry_for(64, 2));
    buffer_for b(map);
    REQUIRE(tag_storage_manager<>::create(b.data.get(), b.bytes, map, *small_blocks).error() ==
            errc::invalid_block_pages);
    REQUIRE(small_blocks->donor_count() == 0);
    owned_pool<> too_few_slots(geometry_for(7, 4));
    REQUIRE(tag_storage_manager<>::create(b.data.get(), b.bytes, map, *too_few_slots).error() ==
            errc::not_enough_slots);
    REQUIRE(too_few_slots->donor_count() == 0);
    owned_pool<> fits(geometry_for(8, 4));
    REQUIRE(tag_storage_manager<>::create(b.data.get(), b.bytes, map, *fits).has_value());
}

TEST_CASE("set-up refuses tag storage another donor registered, changing nothing",
          "[tags][errors]") {
    const tag_map map = many_regions(2);
    owned_pool<> pool(geometry_for(64));
    const pfn_range taken = map.region(1).tags; // region 1's tag pages, already someone's
    REQUIRE(pool->register_donor("other", {&taken, 1}).has_value());
    buffer_for b(map);
    REQUIRE(tag_storage_manager<>::create(b.data.get(), b.bytes, map, *pool).error() ==
            errc::donor_ranges_overlap);
    REQUIRE(pool->donor_count() == 1);
}
