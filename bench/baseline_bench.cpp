// tagcache's pool against the cache a user would write by hand (handwritten_cache.hpp), at
// 64 Ki pages: the store+restore cycle (over the cold arenas, and metadata only) and take-back
// of a cached page.
#include "bench_support.hpp"
#include "handwritten_cache.hpp"

namespace tagcache::bench {
namespace {

constexpr uint32_t pages = 64 * 1024;
constexpr uint64_t batch = 4096;

const page_buffer& cold_sources() {
    static const page_buffer buffer(arena_pages);
    return buffer;
}

// One cycle: store a new page (the cache is full: the least recently used page is evicted)
// and restore a page stored within the last pages/4 stores, which LRU must still hold (fewer
// than `pages` uses can have happened since). Sources and sinks: random pages of the 256 MiB
// arena.
template <class Cache>
void cycle(benchmark::State& state, Cache& cache, uint64_t& next_index) {
    const page_buffer& arena = cold_sources();
    const auto order = permutation(static_cast<uint32_t>(arena.pages()), 3);
    std::mt19937_64 random(5);
    uint64_t cursor = 0, hits = 0;
    batched(
        state, batch, [&] { cursor += batch; },
        [&](uint64_t i) {
            const uint64_t at = cursor + i;
            cache.store_page(next_index++, arena.page(order[at % order.size()]));
            const uint64_t back = 1 + random() % (pages / 4);
            hits +=
                cache.restore_page(next_index - back, arena.page(order[(at + 7) % order.size()]))
                    ? 1u
                    : 0u;
        });
    if (hits != iterations(state) * batch)
        state.SkipWithError("a restore that LRU must hit missed");
    state.SetBytesProcessed(state.iterations() * int64_t{batch} * 2 * int64_t{page_4k});
}

// Adapters: one interface over both caches; Config decides whether pages hold data.
template <class Config>
struct pool_adapter {
    donor_pool<Config> p{pages};
    bool store_page(uint64_t index, const void* from) {
        return p.pool->store({p.fs, 1, index}, 0, from).has_value();
    }
    bool restore_page(uint64_t index, void* to) {
        const auto got = p.pool->restore({p.fs, 1, index}, 0, to);
        return got && got->all(0);
    }
};
template <bool Copies>
struct handwritten_adapter {
    handwritten_cache cache{pages, Copies};
    bool store_page(uint64_t index, const void* from) { return cache.store({1, index}, from); }
    bool restore_page(uint64_t index, void* to) { return cache.restore({1, index}, to); }
};

template <class Config>
void pool_cycle(benchmark::State& state) {
    pool_adapter<Config> cache;
    cache.p.donate_all();
    uint64_t next_index = 0;
    for (; next_index < pages; ++next_index)
        cache.store_page(next_index, cold_sources().page(next_index));
    cycle(state, cache, next_index);
}
template <bool Copies>
void handwritten_cycle(benchmark::State& state) {
    handwritten_adapter<Copies> cache;
    uint64_t next_index = 0;
    for (; next_index < pages; ++next_index)
        cache.store_page(next_index, cold_sources().page(next_index));
    cycle(state, cache, next_index);
}

// Take-back of a page holding data, as take_back/cached/65536 for the pool.
void handwritten_take_back(benchmark::State& state) {
    handwritten_cache cache(pages);
    const page_buffer source(1);
    uint64_t next_index = 0;
    for (; next_index < pages; ++next_index)
        cache.store({1, next_index}, source.page(0));
    const auto order = permutation(pages);
    uint64_t cursor = 0, taken_before = 0, dropped = 0;
    batched(
        state, batch,
        [&] {
            for (uint64_t i = 0; i < taken_before; ++i) {
                cache.donate(order[(cursor + i) % pages]);
                cache.store({1, next_index++}, source.page(0));
            }
            cursor = (cursor + taken_before) % pages;
            taken_before = batch;
        },
        [&](uint64_t i) {
            const std::size_t before = cache.cached();
            cache.take_back(order[(cursor + i) % pages]);
            dropped += before - cache.cached();
        });
    if (dropped != iterations(state) * batch)
        state.SkipWithError("a take-back found no data");
}

} // namespace

BENCHMARK(pool_cycle<data_config>)->Name("cycle/pool/65536")->UseManualTime();
BENCHMARK(handwritten_cycle<true>)->Name("cycle/handwritten/65536")->UseManualTime();
// Bookkeeping alone: both caches without page copies (the copies cost the same in both).
BENCHMARK(pool_cycle<metadata_config>)->Name("cycle/pool/metadata/65536")->UseManualTime();
BENCHMARK(handwritten_cycle<false>)->Name("cycle/handwritten/metadata/65536")->UseManualTime();
BENCHMARK(handwritten_take_back)->Name("take_back/handwritten/65536")->UseManualTime();

} // namespace tagcache::bench
