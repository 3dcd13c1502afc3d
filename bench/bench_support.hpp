// Shared by the benchmark files: the configurations under test, a pool with one donor, seeded
// permutations, and batched manual timing.
//
// Timing: Google Benchmark's PauseTiming/ResumeTiming costs hundreds of nanoseconds, more than
// the operations measured here. So each benchmark iteration prepares a batch untimed, times the
// whole batch with one steady_clock pair (SetIterationTime, UseManualTime), and reports
// items_per_second over the batch: the clock's overhead is spread over `batch` operations.
#pragma once

#include <tagcache/tagcache.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace tagcache::bench {

// The default configuration with the spinlock policy (the "unless stated"), holding
// page data in an arena, or metadata only.
struct data_config : default_pool_config {
    using lock = ticket_spinlock;
    using page_memory = arena_page_memory;
};
// The same with stores written around the cache (non-temporal stores on x86-64).
struct streaming_config : data_config {
    using page_memory = streaming_arena_page_memory;
};
struct metadata_config : default_pool_config {
    using lock = ticket_spinlock;
};
struct split_data_config : data_config {
    static constexpr partial_take on_partial_take = partial_take::split_folio;
};

// Any configuration with block-aligned placement (folios kept inside one donor block).
template <class Config>
struct block_aligned : Config {
    using placement = block_aligned_placement;
};

inline constexpr pfn_t donor_base = 0x10'0000; // any pfn range: the pool never touches pfns
inline constexpr std::size_t page_4k = 4096;

// A pool of `slots` slots, all of them one donor's pfns [donor_base, donor_base + slots).
template <class Config>
struct donor_pool {
    owned_pool<Config> pool;
    uint32_t donor = 0;
    fs_id fs = 0;

    explicit donor_pool(uint32_t slots, uint32_t block_pages = 1)
        : pool(geometry(slots, block_pages)) {
        const pfn_range range{donor_base, slots};
        donor =
            pool->register_donor("bench", span<const pfn_range>(&range, 1), block_pages).value();
        fs = pool->add_fs().value();
    }
    static pool_geometry geometry(uint32_t slots, uint32_t block_pages) {
        pool_geometry g;
        g.slots = slots;
        g.max_block_pages = block_pages;
        return g;
    }
    pfn_t pfn(uint32_t i) const noexcept { return donor_base + i; }
    uint32_t slots() const noexcept { return pool->geometry().slots; }
    void donate_all() { pool->donate_range(donor, {donor_base, slots()}); }
    // Fills every donated slot with order-`order` folios of keys [first, ...), from `source`.
    uint64_t fill(uint64_t first_index, unsigned order, const void* source) {
        const uint64_t folios = slots() >> order;
        for (uint64_t f = 0; f < folios; ++f)
            (void)pool->store({fs, 1, first_index + (f << order)}, order, source);
        return folios;
    }
};

// 0..n-1 in a seeded random order.
inline std::vector<uint32_t> permutation(uint32_t n, uint64_t seed = 42) {
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
    return order;
}

// Runs `prepare()` untimed, then times `operate(i)` for i in [0, batch), per iteration.
template <class Prepare, class Operate>
void batched(benchmark::State& state, uint64_t batch, Prepare&& prepare, Operate&& operate) {
    for (auto _ : state) {
        prepare();
        const auto start = std::chrono::steady_clock::now();
        for (uint64_t i = 0; i < batch; ++i)
            operate(i);
        const auto stop = std::chrono::steady_clock::now();
        state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
}

inline uint64_t iterations(const benchmark::State& state) {
    return static_cast<uint64_t>(state.iterations());
}

// Page-aligned pages of distinct content, for sources and sinks.
class page_buffer {
public:
    explicit page_buffer(std::size_t pages) : arena_(pages, page_4k) {
        for (std::size_t p = 0; p < pages; ++p)
            std::memset(page(p), static_cast<int>(p * 7 + 1), page_4k);
    }
    unsigned char* page(std::size_t p) const noexcept { return arena_.data() + p * page_4k; }
    std::size_t pages() const noexcept { return arena_.size() / page_4k; }

private:
    page_arena arena_;
};

inline constexpr std::size_t arena_pages = (256u << 20) / page_4k; // the 256 MiB "cold" arena

} // namespace tagcache::bench
