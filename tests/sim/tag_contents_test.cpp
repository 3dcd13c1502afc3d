// Tag storage that held cache data: its pages are dropped from the pool before any tag is
// written, no restore ever returns tag bytes, and a newly tagged page reads all-zero tags.
#include <tagcache/tagcache.hpp>
#include <tagsim/machines/tag_contents.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "catch.hpp"

using namespace tagcache;

namespace {
struct data_pool_config : default_pool_config {
    using page_memory = mapped_page_memory;
};

// Checks, at the moment a block becomes tag storage, that the pool no longer has it.
struct checking_maintenance {
    sim::tag_contents* tags = nullptr;
    cleancache_pool<data_pool_config>* pool = nullptr;
    uint32_t donor = 0;
    int* pages_still_lent = nullptr; // counters live in the test: the manager keeps a copy
    int* blocks_turned = nullptr;
    void to_tags(pfn_range r) noexcept {
        for (pfn_t p = r.first; p < r.end(); ++p)
            if (pool->is_donated(donor, p).value())
                ++*pages_still_lent;
        ++*blocks_turned;
    }
    void to_data(pfn_range) noexcept {}
    void zero_tags(pfn_t p) noexcept { tags->zero_page(p); }
    void invalidate_tags(pfn_t) noexcept {}
};
struct checking_config {
    using lock = no_lock;
    using maintenance = checking_maintenance;
    using pool = cleancache_pool<data_pool_config>;
};

void stamp(unsigned char* page, uint64_t index) {
    for (size_t i = 0; i < 4096; ++i)
        page[i] = static_cast<unsigned char>(0xA0 ^ (index * 7 + i * 13));
}
} // namespace

TEST_CASE("cached pages are dropped before tags land in their block, and never restored as "
          "tags; a new tagged page reads zero tags",
          "[tags][contents]") {
    // One region: 8 tag pages (bsp 1) serving 256 data pages.
    const tag_region_desc desc{{0x4000'0000, 256 * 4096}, {0x8000'0000, 8 * 4096}, 0x1000};
    const tag_map map =
        tag_map::create(span<const tag_region_desc>(&desc, 1), page_size::size_4k).value();
    physical_memory memory(page_size::size_4k);
    memory.add(map.region(0).tags);
    sim::tag_contents tags(map, memory);

    pool_geometry g;
    g.slots = 8;
    owned_pool<data_pool_config> pool(g, memory.page_memory());
    int pages_still_lent = 0;
    int blocks_turned = 0;
    using manager_type = tag_storage_manager<checking_config>;
    const size_t bytes = manager_type::required_bytes(map);
    std::unique_ptr<unsigned char, decltype(&std::free)> storage(
        static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)), &std::free);
    manager_type* manager =
        manager_type::create(storage.get(), bytes, map, *pool,
                             {&tags, pool.get(), 0, &pages_still_lent, &blocks_turned})
            .value();

    // Fill all eight tag pages with cached file pages.
    const fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> page(4096);
    for (uint64_t i = 0; i < 8; ++i) {
        stamp(page.data(), i);
        REQUIRE(pool->store({fs, 1, i}, 0, page.data()));
    }
    REQUIRE(pool->stats().cached == 8);

    // Tag page 40 (block 1): its block's cached page must leave the pool before tags arrive.
    REQUIRE(manager->reserve(map.region(0).memory.first + 40, 0));
    REQUIRE(blocks_turned == 1);
    REQUIRE(pool->stats().cached == 7);
    REQUIRE(pool->stats().recalled == 1);
    const phys_addr_t tagged = (map.region(0).memory.first + 40) * 4096;
    for (phys_addr_t granule = tagged; granule < tagged + 4096; granule += 16)
        REQUIRE(tags.tag(granule) == 0); // never the cache bytes that were there
    REQUIRE(tags.page_tags_zero(map.region(0).memory.first + 40));

    // Write tags into the page; no restore may return those bytes.
    for (phys_addr_t granule = tagged; granule < tagged + 4096; granule += 16)
        tags.set_tag(granule, static_cast<uint8_t>(((granule >> 4) & 0xF) | 1));
    REQUIRE(tags.tag(tagged + 16) == 1);
    uint32_t hits = 0;
    for (uint64_t i = 0; i < 8; ++i) {
        const auto filled = pool->restore({fs, 1, i}, 0, page.data());
        if (!filled->all(0))
            continue;
        ++hits;
        std::vector<unsigned char> expected(4096);
        stamp(expected.data(), i);
        REQUIRE(std::memcmp(page.data(), expected.data(), 4096) == 0);
    }
    REQUIRE(hits == 7);
    REQUIRE(pages_still_lent == 0);
    REQUIRE(manager->check_invariants() == nullptr);
}
