// Tag-map query cost: the per-reservation lookup a tag-storage manager pays.
#include <tagcache/core.hpp>

#include <benchmark/benchmark.h>

#include <random>
#include <vector>

namespace {
constexpr tagcache::tag_region_desc fvp_regions[] = {
    {{0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000},
    {{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000},
};

std::vector<tagcache::pfn_t> random_pfns(const tagcache::tag_map& map, size_t count) {
    std::mt19937_64 random(42);
    std::vector<tagcache::pfn_t> pfns;
    for (size_t i = 0; i < count; ++i) {
        const tagcache::tag_region& region = map.region(static_cast<uint32_t>(random() % 2));
        pfns.push_back((region.memory.first + random() % region.memory.count) &
                       ~tagcache::pfn_t{15});
    }
    return pfns;
}

void blocks_for_folio(benchmark::State& state) {
    const auto map = tagcache::tag_map::create(fvp_regions, tagcache::page_size::size_4k).value();
    const auto pfns = random_pfns(map, 4096);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(map.blocks_for_folio(pfns[i++ & 4095], 4));
    }
}
BENCHMARK(blocks_for_folio);

void tag_location_of(benchmark::State& state) {
    const auto map = tagcache::tag_map::create(fvp_regions, tagcache::page_size::size_4k).value();
    const auto pfns = random_pfns(map, 4096);
    size_t i = 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(map.tag_location_of(pfns[i++ & 4095] << 12));
    }
}
BENCHMARK(tag_location_of);
} // namespace
