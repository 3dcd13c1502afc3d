// The replay whose instructions scripts/replay_instructions.sh counts under callgrind: one
// ARC-paper trace through a demand-paging pool (metadata only), the trace read into memory
// first. Only run_replay() is counted (--toggle-collect), so reading the trace and building the
// pool are not. Instruction counts are repeatable on a noisy machine, where times are not.
//
//   tagcache_replay_instructions TRACE CAPACITY [lru|fifo|clock|sieve|s3fifo|arc]
#include <tagcache/tagcache.hpp>
#include <tagsim/eviction_policies.hpp>
#include <tagsim/lis_trace.hpp>
#include <tagsim/replay.hpp>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace {

template <class Eviction>
[[gnu::noinline]] uint64_t
run_replay(tagcache::sim::demand_cache<tagcache::sim::replay_config<Eviction>>& cache,
           std::span<const uint64_t> requests) {
    uint64_t hits = 0;
    for (const uint64_t block : requests)
        hits += cache.access(block) ? 1u : 0u;
    return hits;
}

template <class Eviction>
uint64_t replay(std::span<const uint64_t> requests, uint32_t capacity) {
    tagcache::sim::demand_cache<tagcache::sim::replay_config<Eviction>> cache(capacity);
    return run_replay<Eviction>(cache, requests);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TRACE CAPACITY [lru|fifo|clock|sieve|s3fifo|arc]\n",
                     argv[0]);
        return 2;
    }
    const std::vector<uint64_t> requests = tagcache::sim::read_lis_requests(argv[1]);
    const auto capacity = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
    const std::string policy = argc > 3 ? argv[3] : "lru";
    uint64_t hits = 0;
    if (!tagcache::sim::with_policy(
            policy, [&]<class Eviction>() { hits = replay<Eviction>(requests, capacity); })) {
        std::fprintf(stderr, "unknown policy %s (choose %s)\n", policy.c_str(),
                     tagcache::sim::policy_list().c_str());
        return 2;
    }
    std::printf("requests %zu hits %llu\n", requests.size(), static_cast<unsigned long long>(hits));
    return 0;
}
