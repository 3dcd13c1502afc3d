// Fixtures of the CMA-baseline tests (cma_baseline_test.cpp, cma_machine_test.cpp): small tag
// maps, a cma_tag_storage rig with its normal allocator and owners' table, and snapshots of
// everything a reservation may change.
#pragma once

#include <tagsim/machines/cma_machine.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "catch.hpp"
#include "mapping/machines.hpp"

namespace tagcache::test {

using namespace tagcache::sim;

inline constexpr uint64_t page_4k = 4096;

// One region of `tag_pages` tag pages (tagged memory 32 times as large), 4 KiB pages; the
// tagged memory starts at pfn 0x80000, the tag storage at pfn 0x90000.
inline tag_map one_region(uint64_t bsp, uint64_t tag_pages = 64,
                          page_size page = page_size::size_4k) {
    const uint64_t bytes = page_bytes(page);
    const tag_region_desc descs[] = {
        region_at(0x8000'0000, tag_pages * 32 * bytes, 0x9000'0000, bsp * 0x1000)};
    return tag_map::create(descs, page).value();
}

inline std::vector<pfn_range> memory_of(const tag_map& map) {
    std::vector<pfn_range> ranges;
    for (const tag_region& region : map.regions())
        ranges.push_back(region.memory);
    return ranges;
}

// A cma_tag_storage on its own, with the normal allocator and owners' table it works with.
struct rig {
    tag_map map;
    buddy_allocator normal;
    allocation_table owners;
    cma_tag_storage storage;

    explicit rig(const tag_map& m, cma_options options = {})
        : map(m)
        , normal(memory_of(m))
        , storage(map, normal, owners, options) {}

    pfn_t mem(uint64_t offset, uint32_t region = 0) const {
        return map.region(region).memory.first + offset;
    }
    pfn_t tag(uint64_t offset, uint32_t region = 0) const {
        return map.region(region).tags.first + offset;
    }
    // A tagged folio allocated in normal memory (reserve's precondition), recorded as tagged.
    pfn_t tagged_at(uint64_t offset, unsigned order, uint32_t region = 0) {
        const pfn_t pfn = mem(offset, region);
        REQUIRE(normal.allocate_at(pfn, order));
        REQUIRE(owners.insert({pfn, order, allocation_kind::tagged, 0}));
        return pfn;
    }
    void movable_at(uint64_t tag_offset, unsigned order, uint32_t pins = 0) {
        REQUIRE(storage.allocate_movable_at(tag(tag_offset), order));
        for (uint32_t i = 0; i < pins; ++i)
            REQUIRE(owners.pin(tag(tag_offset)).has_value());
    }
};

// Everything reserve() may change, for "changes nothing" checks.
struct snapshot {
    std::vector<bool> reserved;
    std::vector<uint32_t> refs;
    std::vector<std::vector<pfn_t>> cma_free, normal_free;
    std::vector<allocation_record> allocations;
    uint64_t pages_reserved = 0, blocks_in_use = 0, tag_pages_in_use = 0;
    bool operator==(const snapshot&) const = default;
};

inline snapshot take_snapshot(const cma_tag_storage& storage, const buddy_allocator& normal,
                              const allocation_table& owners) {
    snapshot s;
    for (const tag_region& region : storage.map().regions()) {
        for (pfn_t p = region.memory.first; p < region.memory.end(); ++p)
            s.reserved.push_back(storage.is_reserved(p));
        for (uint64_t b = 0; b < region.block_count(); ++b)
            s.refs.push_back(storage.block_refs({region.index, b}));
    }
    for (unsigned o = 0; o <= storage.cma().max_order(); ++o)
        s.cma_free.push_back(storage.cma().free_blocks(o));
    for (unsigned o = 0; o <= normal.max_order(); ++o)
        s.normal_free.push_back(normal.free_blocks(o));
    s.allocations = owners.records();
    s.pages_reserved = storage.stats().pages_reserved;
    s.blocks_in_use = storage.stats().blocks_in_use;
    s.tag_pages_in_use = storage.stats().tag_pages_in_use;
    return s;
}
inline snapshot take_snapshot(const rig& r) {
    return take_snapshot(r.storage, r.normal, r.owners);
}

// Allocates every free page of `allocator` (not recorded anywhere: someone else's memory).
inline void fill(buddy_allocator& allocator) {
    for (unsigned o = allocator.max_order() + 1; o-- > 0;)
        while (allocator.allocate(o))
            continue;
}

inline bool near(double a, double b, double tolerance = 1e-6) {
    return std::abs(a - b) <= tolerance;
}

} // namespace tagcache::test
