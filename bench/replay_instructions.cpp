// The replay whose instructions scripts/replay_instructions.sh counts under callgrind: one
// ARC-paper trace through a demand-paging pool (metadata only), the trace read into memory
// first. Only run_replay() is counted (--toggle-collect), so reading the trace and building the
// pool are not. Instruction counts are repeatable on a noisy machine, where times are not.
//
//   tagcache_replay_instructions [--time] TRACE CAPACITY [lru|fifo|clock|sieve|s3fifo|arc]
//
// --time adds a line "seconds S": run_replay() alone, timed (scripts/libcachesim_side_by_side.sh
// turns it into requests/s). Handled here, not in replay_command.hpp: any change to that header
// changes GCC's inlining in tagcache_replay_operations, whose per-operation counts moved by 2
// instructions per store when it did.
#include <tagcache/tagcache.hpp>
#include <tagsim/trace/replay.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>

#include "replay_command.hpp"

namespace {

double replay_seconds = -1; // of the last replay()

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
    const auto start = std::chrono::steady_clock::now();
    const uint64_t hits = run_replay<Eviction>(cache, requests);
    replay_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return hits;
}

} // namespace

int main(int argc, char** argv) {
    const bool time = argc > 1 && std::strcmp(argv[1], "--time") == 0;
    if (time) { // the rest is replay_command's command line
        argv[1] = argv[0];
        --argc;
        ++argv;
    }
    const int status = replay_command(
        argc, argv, []<class Eviction>(std::span<const uint64_t> requests, uint32_t capacity) {
            return replay<Eviction>(requests, capacity);
        });
    if (time && status == 0)
        std::printf("seconds %.9f\n", replay_seconds);
    return status;
}
