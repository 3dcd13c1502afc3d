// The replay whose instructions scripts/replay_instructions.sh counts under callgrind: one
// ARC-paper trace through a demand-paging pool (metadata only), the trace read into memory
// first. Only run_replay() is counted (--toggle-collect), so reading the trace and building the
// pool are not. Instruction counts are repeatable on a noisy machine, where times are not.
//
//   tagcache_replay_instructions TRACE CAPACITY [lru|fifo|clock|sieve|s3fifo|arc]
#include <tagcache/tagcache.hpp>
#include <tagsim/replay.hpp>

#include <span>

#include "replay_command.hpp"

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
    return replay_command(
        argc, argv, []<class Eviction>(std::span<const uint64_t> requests, uint32_t capacity) {
            return replay<Eviction>(requests, capacity);
        });
}
