// Drop (take-back) and refill (donate) latency, store and restore against raw memcpy, at pool
// sizes of 1 Ki, 64 Ki and 1 Mi slots (1 Mi metadata only: its pages would need 4 GiB).
// Batched manual timing: see bench_support.hpp.
#include "bench_support.hpp"

#include <string>

namespace tagcache::bench {
namespace {

constexpr uint64_t take_batch = 4096;

// Pages kept apart from the pool's: the page cache the data is stored from and restored to.
const page_buffer& cold_pages() {
    static const page_buffer buffer(arena_pages);
    return buffer;
}

// Take-back of a page holding data (order 0): every slot holds a page; each batch takes back
// `batch` pages in a seeded random order, and is refilled (donate + store) untimed.
template <class Config>
void take_back_cached(benchmark::State& state) {
    const auto slots = static_cast<uint32_t>(state.range(0));
    donor_pool<Config> p(slots);
    p.donate_all();
    const page_buffer source(1);
    uint64_t next_index = p.fill(0, 0, source.page(0));
    const auto order = permutation(slots);
    const uint64_t batch = std::min<uint64_t>(take_batch, slots);
    uint64_t cursor = 0, taken_before = 0;
    const uint64_t recalled_before = p.pool->stats().recalled;
    batched(
        state, batch,
        [&] {
            if (taken_before != 0) // refill what the last batch took
                for (uint64_t i = 0; i < batch; ++i) {
                    (void)p.pool->donate(p.donor, p.pfn(order[(cursor + i) % slots]));
                    (void)p.pool->store({p.fs, 1, next_index++}, 0, source.page(0));
                }
            cursor = (cursor + taken_before) % slots;
            taken_before = batch;
        },
        [&](uint64_t i) { (void)p.pool->take_back(p.donor, p.pfn(order[(cursor + i) % slots])); });
    // Every timed take-back must have dropped data.
    if (p.pool->stats().recalled - recalled_before != iterations(state) * batch)
        state.SkipWithError("a take-back found no data: the benchmark measures the wrong thing");
}

// Take-back of a donated page that holds nothing.
void take_back_free(benchmark::State& state) {
    const auto slots = static_cast<uint32_t>(state.range(0));
    donor_pool<metadata_config> p(slots);
    p.donate_all();
    const auto order = permutation(slots);
    const uint64_t batch = std::min<uint64_t>(take_batch, slots);
    uint64_t cursor = 0, taken_before = 0;
    batched(
        state, batch,
        [&] {
            for (uint64_t i = 0; i < taken_before; ++i) // refill what the last batch took
                (void)p.pool->donate(p.donor, p.pfn(order[(cursor + i) % slots]));
            cursor = (cursor + taken_before) % slots;
            taken_before = batch;
        },
        [&](uint64_t i) { (void)p.pool->take_back(p.donor, p.pfn(order[(cursor + i) % slots])); });
    if (p.pool->stats().recalled != 0)
        state.SkipWithError("a free take-back dropped data");
}

// Donate (refill): lending back a page the donor had taken. The pages start donor-owned (as
// after a take-back); each batch donates `batch` of them, then takes them back untimed.
void donate(benchmark::State& state) {
    const auto slots = static_cast<uint32_t>(state.range(0));
    donor_pool<metadata_config> p(slots);
    const auto order = permutation(slots);
    const uint64_t batch = std::min<uint64_t>(take_batch, slots);
    uint64_t cursor = 0, donated_before = 0;
    batched(
        state, batch,
        [&] {
            for (uint64_t i = 0; i < donated_before; ++i)
                (void)p.pool->take_back(p.donor, p.pfn(order[(cursor + i) % slots]));
            cursor = (cursor + donated_before) % slots;
            donated_before = batch;
        },
        [&](uint64_t i) { (void)p.pool->donate(p.donor, p.pfn(order[(cursor + i) % slots])); });
}

// Take-back of one page of an order-4 folio, per partial-take policy. Block-aligned placement
// with 16-page donor blocks keeps each folio in one block, so the page to take is known:
// block b's page (b mod 16). drop: the whole folio leaves (15 pages collateral); split: one.
template <class Config>
void take_back_folio_page(benchmark::State& state) {
    constexpr uint32_t slots = 64 * 1024, folio = 16, blocks = slots / folio;
    donor_pool<block_aligned<Config>> p(slots, folio);
    const page_buffer source(folio);
    for (uint32_t block = 0; block < blocks; ++block) { // block b holds the folio at index 16b
        p.pool->donate_range(p.donor, {p.pfn(block * folio), folio});
        (void)p.pool->store({p.fs, 1, uint64_t{block} * folio}, 4, source.page(0));
    }
    const auto order = permutation(blocks);
    const uint64_t batch = 1024;
    uint64_t cursor = 0, taken_before = 0;
    const auto target = [&](uint64_t i) {
        const uint32_t block = order[(cursor + i) % blocks];
        return p.pfn(block * folio + block % folio);
    };
    const pool_stats before = p.pool->stats();
    batched(
        state, batch,
        [&] {
            if (taken_before != 0)
                for (uint64_t i = 0; i < batch; ++i) {
                    const uint32_t block = order[(cursor + i) % blocks];
                    // The folio that lived in the block is stored again, whole, into it: the
                    // only block with 16 free slots once split's remaining pages are gone.
                    const page_key key{p.fs, 1, uint64_t{block} * folio};
                    (void)p.pool->invalidate(key, 4);
                    (void)p.pool->donate(p.donor, target(i));
                    (void)p.pool->store(key, 4, source.page(0));
                }
            cursor = (cursor + taken_before) % blocks;
            taken_before = batch;
        },
        [&](uint64_t i) { (void)p.pool->take_back(p.donor, target(i)); });
    const pool_stats after = p.pool->stats();
    const uint64_t taken = iterations(state) * batch;
    const bool drops_whole = Config::on_partial_take == partial_take::drop_whole_folio;
    const uint64_t collateral = drops_whole ? 15 * taken : 0;
    if (after.recalled - before.recalled != taken ||
        after.collateral_dropped - before.collateral_dropped != collateral)
        state.SkipWithError(("a take-back did not hit a whole cached folio: recalled " +
                             std::to_string(after.recalled - before.recalled) + ", collateral " +
                             std::to_string(after.collateral_dropped - before.collateral_dropped) +
                             ", taken " + std::to_string(taken))
                                .c_str());
    state.counters["collateral_per_take"] =
        double(after.collateral_dropped - before.collateral_dropped) / double(taken);
}

// Store and restore of 4 KiB pages. Hot: 64 slots and one source page, all in cache. Cold: a
// full pool of 64 Ki slots (its 256 MiB arena) and sources and sinks spread over another
// 256 MiB, in a seeded random order; every store evicts the least recently used page.
constexpr uint32_t hot_slots = 64, cold_slots = 64 * 1024;

template <class Config>
void store_page(benchmark::State& state, bool cold) {
    const uint32_t slots = cold ? cold_slots : hot_slots;
    donor_pool<Config> p(slots);
    p.donate_all();
    const page_buffer hot_source(1);
    const page_buffer& sources = cold ? cold_pages() : hot_source;
    uint64_t next_index = p.fill(0, 0, sources.page(0));
    const auto order = permutation(static_cast<uint32_t>(sources.pages()));
    uint64_t cursor = 0;
    batched(
        state, take_batch, [&] { cursor += take_batch; },
        [&](uint64_t i) {
            const unsigned char* from = sources.page(order[(cursor + i) % order.size()]);
            (void)p.pool->store({p.fs, 1, next_index++}, 0, from);
        });
    state.SetBytesProcessed(state.iterations() * int64_t{take_batch} * int64_t{page_4k});
}

// Stores copying through the cache (arena_page_memory) and around it (non-temporal stores).
void store_cached_copy(benchmark::State& state, bool cold) {
    store_page<data_config>(state, cold);
}
void store_streaming_copy(benchmark::State& state, bool cold) {
    store_page<streaming_config>(state, cold);
}

void restore_page(benchmark::State& state, bool cold) {
    const uint32_t slots = cold ? cold_slots : hot_slots;
    donor_pool<data_config> p(slots);
    p.donate_all();
    const page_buffer hot_sink(1);
    const page_buffer& sinks = cold ? cold_pages() : hot_sink;
    p.fill(0, 0, sinks.page(0));
    const auto keys = permutation(slots, 7);
    const auto order = permutation(static_cast<uint32_t>(sinks.pages()));
    uint64_t cursor = 0, hits = 0;
    batched(
        state, take_batch, [&] { cursor += take_batch; },
        [&](uint64_t i) {
            unsigned char* to = sinks.page(order[(cursor + i) % order.size()]);
            const auto got = p.pool->restore({p.fs, 1, keys[(cursor + i) % slots]}, 0, to);
            hits += got && got->all(0) ? 1u : 0u;
        });
    if (hits != iterations(state) * take_batch)
        state.SkipWithError("a restore missed");
    state.SetBytesProcessed(state.iterations() * int64_t{take_batch} * int64_t{page_4k});
}

// The physical limit of store and restore: one 4 KiB memcpy. Hot: the same two pages. Cold:
// from the 256 MiB source arena into another 256 MiB arena, in a seeded random order.
void memcpy_page(benchmark::State& state, bool cold) {
    const page_buffer hot(2);
    const page_buffer& sources = cold ? cold_pages() : hot;
    const page_buffer sinks(cold ? arena_pages : 1);
    const auto from_order = permutation(static_cast<uint32_t>(sources.pages()), 1);
    const auto to_order = permutation(static_cast<uint32_t>(sinks.pages()), 2);
    uint64_t cursor = 0;
    batched(
        state, take_batch, [&] { cursor += take_batch; },
        [&](uint64_t i) {
            unsigned char* to =
                cold ? sinks.page(to_order[(cursor + i) % to_order.size()]) : hot.page(1);
            const unsigned char* from = sources.page(from_order[(cursor + i) % from_order.size()]);
            std::memcpy(to, from, page_4k);
            benchmark::ClobberMemory();
        });
    state.SetBytesProcessed(state.iterations() * int64_t{take_batch} * int64_t{page_4k});
}

} // namespace

BENCHMARK(take_back_cached<data_config>)
    ->Name("take_back/cached")
    ->Arg(1024)
    ->Arg(64 * 1024)
    ->UseManualTime();
BENCHMARK(take_back_cached<metadata_config>)
    ->Name("take_back/cached/metadata")
    ->Arg(64 * 1024)
    ->Arg(1024 * 1024)
    ->UseManualTime();
BENCHMARK(take_back_free)
    ->Name("take_back/free")
    ->Arg(1024)
    ->Arg(64 * 1024)
    ->Arg(1024 * 1024)
    ->UseManualTime();
BENCHMARK(donate)->Name("donate")->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024)->UseManualTime();
BENCHMARK(take_back_folio_page<data_config>)->Name("take_back/folio_page/drop")->UseManualTime();
BENCHMARK(take_back_folio_page<split_data_config>)
    ->Name("take_back/folio_page/split")
    ->UseManualTime();
BENCHMARK_CAPTURE(store_cached_copy, hot, false)->Name("store/hot")->UseManualTime();
BENCHMARK_CAPTURE(store_cached_copy, cold, true)->Name("store/cold")->UseManualTime();
BENCHMARK_CAPTURE(store_streaming_copy, hot, false)->Name("store/streaming/hot")->UseManualTime();
BENCHMARK_CAPTURE(store_streaming_copy, cold, true)->Name("store/streaming/cold")->UseManualTime();
BENCHMARK_CAPTURE(restore_page, hot, false)->Name("restore/hot")->UseManualTime();
BENCHMARK_CAPTURE(restore_page, cold, true)->Name("restore/cold")->UseManualTime();
BENCHMARK_CAPTURE(memcpy_page, hot, false)->Name("memcpy/hot")->UseManualTime();
BENCHMARK_CAPTURE(memcpy_page, cold, true)->Name("memcpy/cold")->UseManualTime();

} // namespace tagcache::bench
