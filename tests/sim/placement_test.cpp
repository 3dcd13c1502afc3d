// Where tagged pages land, and how much tag storage that leaves to lend. The lendable formula
// of docs/tagsim.md: with tagged memory a fraction f of all memory, made of independent,
// uniformly placed, aligned order-k folios, a tag block serving 32*bsp data pages is unneeded
// with probability (1 - f)^(32*bsp / 2^k). Checked here against the cleancache machine with
// tagged_placement::scattered, and clustered placement against its own bound.
#include <tagcache/tagcache.hpp>
#include <tagsim/sim.hpp>

#include <cmath>
#include <set>

#include "catch.hpp"

using namespace tagcache;
using namespace tagcache::sim;

namespace {

// 1 GiB of tagged memory (262,144 pages), its 32 MiB of tag storage after it.
tag_map gib_map(uint64_t block_size) {
    const tag_region_desc descs[] = {
        {{0x8000'0000, 1ull << 30}, {0xC000'0000, (1ull << 30) / 32}, block_size}};
    return tag_map::create(descs, page_size::size_4k).value();
}

// Share of tag storage not holding tags after tagging a fraction f of memory with order-k
// folios placed by `placement`.
double lendable_share(const tag_map& map, tagged_placement placement, double f, unsigned order,
                      uint64_t seed) {
    cleancache_machine<> machine(map);
    machine.place_with(page_placer(placement, seed));
    const uint64_t data_pages = map.region(0).memory.count;
    const auto folios = static_cast<uint64_t>(f * static_cast<double>(data_pages)) >> order;
    for (uint64_t i = 0; i < folios; ++i)
        REQUIRE(machine.allocate(order, allocation_kind::tagged, {}).error == errc::ok);
    const machine_stats stats = machine.stats();
    return 1.0 -
           static_cast<double>(stats.tag_pages_tags) / static_cast<double>(map.total_tag_pages());
}

} // namespace

TEST_CASE("scattered placement: the lendable share of tag storage follows (1 - f)^(32 bsp / 2^k)",
          "[placement][lendable]") {
    struct point {
        uint64_t block_size;
        double f;
        unsigned order;
    };
    // bsp 1 and 4 (block-size 0x1000 and 0x4000), orders 0, 2 and 4, light and heavy tagging.
    const point points[] = {{0x1000, 0.02, 0}, {0x1000, 0.10, 0}, {0x1000, 0.10, 2},
                            {0x1000, 0.30, 4}, {0x4000, 0.01, 0}, {0x4000, 0.05, 2}};
    for (const point& p : points) {
        const tag_map map = gib_map(p.block_size);
        const double bsp = static_cast<double>(map.region(0).block_pages);
        const double expected =
            std::pow(1.0 - p.f, 32.0 * bsp / static_cast<double>(uint64_t{1} << p.order));
        const double measured = lendable_share(map, tagged_placement::scattered, p.f, p.order, 11);
        INFO("block-size " << p.block_size << ", f " << p.f << ", order " << p.order << ": formula "
                           << expected << ", simulated " << measured);
        // 8,192 (bsp 1) or 2,048 (bsp 4) blocks: a binomial share's standard deviation is at
        // most 0.011; sampling without replacement only lowers the share slightly.
        CHECK(std::abs(measured - expected) < 0.035);
    }
}

TEST_CASE("clustered placement packs tagged folios: only the blocks they fill hold tags",
          "[placement][lendable]") {
    const tag_map map = gib_map(0x1000);
    for (const double f : {0.02, 0.10, 0.30}) {
        const double clustered = lendable_share(map, tagged_placement::clustered, f, 0, 1);
        const double scattered = lendable_share(map, tagged_placement::scattered, f, 0, 1);
        INFO("f " << f << ": clustered " << clustered << ", scattered " << scattered);
        // Packed from the bottom, f of memory needs f of the blocks (plus one partial block).
        CHECK(clustered >= 1.0 - f - 1.0 / static_cast<double>(map.total_tag_pages()));
        CHECK(clustered > scattered);
    }
}

TEST_CASE("buddy allocator: highest and random placement hand out aligned free blocks",
          "[placement][buddy]") {
    const pfn_range ranges[] = {{0x1000, 4096}, {0x10000, 1024}};
    buddy_allocator memory(ranges, 4);
    SECTION("allocate_highest takes the top of memory, growing down") {
        CHECK(memory.allocate_highest(0) == std::optional<pfn_t>(0x10000 + 1023));
        CHECK(memory.allocate_highest(2) == std::optional<pfn_t>(0x10000 + 1020 - 4));
        CHECK(memory.allocate(4) == std::optional<pfn_t>(0x1000)); // the bottom is untouched
        CHECK(memory.free_pages() == 4096 + 1024 - 1 - 4 - 16); // order 0, 2, and the block above 4
    }
    SECTION("allocate_random: aligned, inside memory, never twice, and falls back when full") {
        uint64_t state = 3;
        const auto random = [&] {
            return state = state * 6364136223846793005ull + 1442695040888963407ull;
        };
        std::set<pfn_t> seen;
        for (int i = 0; i < (4096 + 1024) / 4; ++i) {
            const auto at = memory.allocate_random(2, random);
            REQUIRE(at.has_value());
            CHECK(*at % 4 == 0);
            CHECK(memory.owns(*at));
            CHECK(seen.insert(*at).second);
        }
        CHECK(memory.free_pages() == 0);
        CHECK_FALSE(memory.allocate_random(0, random).has_value());
        for (const pfn_t at : seen)
            memory.free(at, 2);
        CHECK(memory.free_pages() == 4096 + 1024);
    }
}

TEST_CASE("placement leaves the default of the machines unchanged: lowest free block first",
          "[placement]") {
    const tag_map map = gib_map(0x1000);
    cleancache_machine<> cleancache(map);
    cma_machine cma(map);
    const pfn_t bottom = map.region(0).memory.first;
    CHECK(cleancache.allocate(0, allocation_kind::tagged, {}).pfn == bottom);
    CHECK(cma.allocate(0, allocation_kind::tagged, {}).pfn == bottom);
    CHECK(page_placer{}.placement() == tagged_placement::lowest);
}
