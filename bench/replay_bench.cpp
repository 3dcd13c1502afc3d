// Trace replay throughput per eviction policy: the pool as a demand-paging cache over the ARC
// paper's OLTP and P3 traces (Megiddo & Modha, FAST '03), metadata only (no page copies), the
// trace already in memory. Target (issue 4): >= 20 M requests/s for LRU.
#include <tagcache/tagcache.hpp>
#include <tagsim/trace/lis_trace.hpp>
#include <tagsim/trace/replay.hpp>

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

namespace {

const std::vector<uint64_t>& trace(const std::string& name) {
    static const std::vector<uint64_t> p3 =
        tagcache::sim::read_lis_requests(TAGCACHE_BENCH_DATA_DIR "/P3.lis.zst");
    static const std::vector<uint64_t> oltp =
        tagcache::sim::read_lis_requests(TAGCACHE_BENCH_DATA_DIR "/OLTP.lis.zst");
    return name == "P3" ? p3 : oltp;
}

template <class Eviction>
void replay(benchmark::State& state, const char* trace_name) {
    const auto& requests = trace(trace_name);
    const auto capacity = static_cast<uint32_t>(state.range(0));
    uint64_t hits = 0;
    for (auto _ : state) {
        state.PauseTiming(); // building and filling the pool is not replay
        tagcache::sim::demand_cache<tagcache::sim::replay_config<Eviction>> cache(capacity);
        state.ResumeTiming();
        hits = 0;
        for (const uint64_t block : requests)
            hits += cache.access(block) ? 1u : 0u;
        benchmark::DoNotOptimize(hits);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(requests.size()));
    state.counters["hit_ratio"] = double(hits) / double(requests.size());
}

template <class Eviction>
void register_policy(const char* policy) {
    for (const char* trace_name : {"OLTP", "P3"}) {
        auto* b = benchmark::RegisterBenchmark(
            (std::string("replay/") + policy + "/" + trace_name).c_str(), replay<Eviction>,
            trace_name);
        if (std::string(trace_name) == "OLTP")
            b->Arg(5000); // the capacity the side-by-side comparison with libCacheSim uses
        b->Arg(8192)->Unit(benchmark::kMillisecond);
    }
}

const bool registered = [] {
    for (const char* name : tagcache::eviction_policies::names)
        tagcache::eviction_policies::with(
            name, std::strlen(name), [&]<class Eviction>() { register_policy<Eviction>(name); });
    return true;
}();

// What `tagsim replay OLTP.lis.zst --policy lru --capacity 8192` does in-process: read and
// decompress the trace, then replay it.
void end_to_end_oltp(benchmark::State& state) {
    for (auto _ : state) {
        const auto requests =
            tagcache::sim::read_lis_requests(TAGCACHE_BENCH_DATA_DIR "/OLTP.lis.zst");
        const auto result =
            tagcache::sim::replay<tagcache::sim::replay_config<tagcache::lru_eviction>>(requests,
                                                                                        8192);
        benchmark::DoNotOptimize(result.hits);
    }
}
BENCHMARK(end_to_end_oltp)->Unit(benchmark::kMillisecond);

} // namespace
