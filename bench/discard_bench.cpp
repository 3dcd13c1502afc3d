// What the discard protocol costs a restore (docs/tmem.md): a 4 KiB restore from a pool whose
// page memory is discardable (a virtio-tmem region: the page's discard generation read before
// and after the copy, a load barrier between copy and second read) against the same restore
// from ordinary arena memory (restore/hot, restore/cold in pool_bench.cpp, repeated here so
// that both run in one process, interleaved). No discard happens while timed: this is the
// check's price on a hit, the common case. Hot: 64 slots, one sink page; cold: 64 Ki slots
// (256 MiB) and sinks spread over another 256 MiB, in a seeded random order.
#include "bench_support.hpp"

#include <memory>

namespace tagcache::bench {
namespace {

constexpr uint64_t restore_batch = 4096;
constexpr uint32_t hot_slots = 64, cold_slots = 64 * 1024;

struct discard_config : default_pool_config {
    using lock = ticket_spinlock;
    using page_memory = discardable_arena_page_memory;
};

const page_buffer& cold_sinks() {
    static const page_buffer buffer(arena_pages);
    return buffer;
}

// A pool of `slots`, all donated and filled with order-0 pages of inode 1, indexes 0..slots-1.
template <class Config>
struct filled_pool {
    std::unique_ptr<discardable_arena> arena; // discard_config only
    std::unique_ptr<owned_pool<Config>> owned;
    fs_id fs = 0;

    explicit filled_pool(uint32_t slots) {
        const pfn_range range{donor_base, slots};
        typename Config::page_memory memory{};
        if constexpr (discardable_page_memory<typename Config::page_memory>) {
            arena = std::make_unique<discardable_arena>(range, page_4k);
            memory = arena->page_memory();
        }
        owned =
            std::make_unique<owned_pool<Config>>(donor_pool<Config>::geometry(slots, 1), memory);
        auto& pool = **owned;
        const uint32_t donor =
            pool.register_donor("bench", span<const pfn_range>(&range, 1)).value();
        pool.donate_range(donor, range);
        fs = pool.add_fs().value();
        const page_buffer source(1);
        for (uint32_t i = 0; i < slots; ++i)
            (void)pool.store({fs, 1, i}, 0, source.page(0));
    }
};

template <class Config>
void restore_page(benchmark::State& state, bool cold) {
    const uint32_t slots = cold ? cold_slots : hot_slots;
    filled_pool<Config> p(slots);
    auto& pool = **p.owned;
    const page_buffer hot_sink(1);
    const page_buffer& sinks = cold ? cold_sinks() : hot_sink;
    const auto keys = permutation(slots, 7);
    const auto order = permutation(static_cast<uint32_t>(sinks.pages()));
    uint64_t cursor = 0, hits = 0;
    batched(
        state, restore_batch, [&] { cursor += restore_batch; },
        [&](uint64_t i) {
            unsigned char* to = sinks.page(order[(cursor + i) % order.size()]);
            const auto got = pool.restore({p.fs, 1, keys[(cursor + i) % slots]}, 0, to);
            hits += got && got->all(0) ? 1u : 0u;
        });
    if (hits != iterations(state) * restore_batch)
        state.SkipWithError("a restore missed");
    state.SetBytesProcessed(state.iterations() * int64_t{restore_batch} * int64_t{page_4k});
}

void restore_plain(benchmark::State& state, bool cold) {
    restore_page<data_config>(state, cold);
}
void restore_checked(benchmark::State& state, bool cold) {
    restore_page<discard_config>(state, cold);
}

} // namespace

BENCHMARK_CAPTURE(restore_plain, hot, false)->Name("restore_discard/plain/hot")->UseManualTime();
BENCHMARK_CAPTURE(restore_checked, hot, false)
    ->Name("restore_discard/checked/hot")
    ->UseManualTime();
BENCHMARK_CAPTURE(restore_plain, cold, true)->Name("restore_discard/plain/cold")->UseManualTime();
BENCHMARK_CAPTURE(restore_checked, cold, true)
    ->Name("restore_discard/checked/cold")
    ->UseManualTime();

} // namespace tagcache::bench
