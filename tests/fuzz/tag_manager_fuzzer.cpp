// Fuzzes the tag-storage manager as an operation sequence over a small machine: one to three
// regions with 1 to 4 pages per block, its pool also caching file pages, and reserve, release
// and touch of folios anywhere (in memory, in tag storage, unaligned, across regions). A model
// on std containers says what each must return; after each operation the blocks the folio
// touched must count exactly the reserved pages they serve; check_invariants() of the manager
// and of the pool hold throughout (a block is lent to the pool exactly while it serves none).
#include <tagcache/tagcache.hpp>

#include <cstdlib>
#include <memory>
#include <vector>

#include "fuzz_support.hpp"

namespace {
using namespace tagcache;
using tagcache::fuzz::expect;
using tagcache::fuzz::fuzz_bytes;

struct manager_config {
    using lock = no_lock;
    using maintenance = no_tag_maintenance;
    using pool = cleancache_pool<default_pool_config>;
};
using manager_type = tag_storage_manager<manager_config>;

struct freer {
    void operator()(void* p) const noexcept { std::free(p); }
};

// Regions of 1 to 16 tag pages (32 to 512 data pages), 16 MiB apart, tags after all memory.
tag_map make_map(fuzz_bytes& in) {
    const uint32_t regions = 1 + static_cast<uint32_t>(in.below(3));
    std::vector<tag_region_desc> descs;
    for (uint32_t r = 0; r < regions; ++r) {
        const uint64_t block_pages = 1 + in.below(4);
        const uint64_t tag_pages = block_pages * (1 + in.below(4));
        descs.push_back({{0x1000000 + r * 0x1000000, tag_pages * 32 * 4096},
                         {0x10000000 + r * 0x100000, tag_pages * 4096},
                         block_pages * 4096});
    }
    return tag_map::create(descs, page_size::size_4k).value();
}

// What the model says reserve/release of the folio must return.
errc expected_result(const tag_map& map, const std::vector<bool>& reserved, pfn_t pfn,
                     unsigned order, bool reserving) {
    const auto span = map.blocks_for_folio(pfn, order);
    if (!span)
        return span.error(); // the map's answer: fuzzed on its own (tag_map_fuzzer)
    for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p)
        if (reserved[p] == reserving)
            return reserving ? errc::already_reserved : errc::not_reserved;
    return errc::ok;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz_bytes in(data, size);
    const tag_map map = make_map(in);
    pool_geometry geometry;
    geometry.slots = static_cast<uint32_t>(map.total_tag_pages());
    geometry.max_block_pages = 4;
    owned_pool<> pool(geometry);
    const size_t bytes = manager_type::required_bytes(map);
    std::unique_ptr<void, freer> buffer(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
    manager_type& manager = *manager_type::create(buffer.get(), bytes, map, *pool).value();
    const fs_id fs = pool->add_fs().value();

    const pfn_t end = map.region(map.region_count() - 1).memory.end();
    std::vector<bool> reserved(end, false); // by pfn
    const auto count_served = [&](block_ref block) {
        uint32_t served = 0;
        const pfn_range pages = map.data_pages_of(block);
        for (pfn_t p = pages.first; p < pages.end(); ++p)
            served += reserved[p] ? 1u : 0u;
        return served;
    };
    for (unsigned step = 0; step < 512 && !in.empty(); ++step) {
        const uint8_t op = in.byte();
        if (op < 40) { // file traffic: cached data for reservations to drop
            (void)pool->store({fs, in.below(4), in.below(64)}, 0, nullptr);
            continue;
        }
        const unsigned order = static_cast<unsigned>(in.below(8));
        pfn_t pfn = in.below(end + 64); // sometimes past the end, or in no region at all
        if (in.byte() < 200)
            pfn &= ~((pfn_t{1} << order) - 1); // mostly aligned
        const bool in_model = pfn + (pfn_t{1} << order) <= end;
        if (op < 150) {
            const errc expected =
                in_model ? expected_result(map, reserved, pfn, order, true) : errc::ok;
            const auto got = manager.reserve(pfn, order);
            if (in_model)
                expect((got ? errc::ok : got.error()) == expected,
                       "reserve returned another result than the model's", pfn, order);
            expect(in_model || !got, "reserved memory outside every region", pfn, order);
            if (got)
                for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p)
                    reserved[p] = true;
        } else if (op < 240) {
            const errc expected =
                in_model ? expected_result(map, reserved, pfn, order, false) : errc::ok;
            const auto got = manager.release(pfn, order);
            if (in_model)
                expect((got ? errc::ok : got.error()) == expected,
                       "release returned another result than the model's", pfn, order);
            expect(in_model || !got, "released memory outside every region", pfn, order);
            if (got)
                for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p)
                    reserved[p] = false;
        } else {
            const auto touched = manager.touch(pfn);
            if (pfn < end && map.is_tagged_memory(pfn)) {
                expect(touched.has_value() && *touched == !reserved[pfn],
                       "touch disagrees with the model", pfn);
                reserved[pfn] = true;
            }
        }
        if (const auto span = map.blocks_for_folio(pfn, order))
            for (uint64_t b = span->first; b < span->end(); ++b)
                expect(manager.block_refs({span->region, b}) == count_served({span->region, b}),
                       "a block's count differs from the reserved pages it serves", b);
    }
    if (const char* broken = manager.check_invariants())
        tagcache::fuzz::fail(broken);
    if (const char* broken = pool->check_invariants())
        tagcache::fuzz::fail(broken);
    return 0;
}
