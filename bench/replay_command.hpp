// The command line both replay programs share (replay_instructions.cpp, replay_operations.cpp):
//
//   PROGRAM TRACE CAPACITY [POLICY]
//
// reads the trace, runs `replay_for.template operator()<Eviction>(requests, capacity)` for the
// policy named as tagcache::eviction_policies names it (default lru) and prints
// "requests N hits H", which scripts/replay_instructions.sh reads.
// Only the programs' own replay functions are counted (callgrind --toggle-collect), not this.
#pragma once

#include <tagsim/eviction_policies.hpp>
#include <tagsim/trace/lis_trace.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

template <class ReplayFor>
int replay_command(int argc, char** argv, ReplayFor replay_for) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TRACE CAPACITY [%s]\n", argv[0],
                     tagcache::sim::policy_list().c_str());
        return 2;
    }
    const std::vector<uint64_t> requests = tagcache::sim::read_lis_requests(argv[1]);
    const auto capacity = static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10));
    const std::string policy = argc > 3 ? argv[3] : "lru";
    uint64_t hits = 0;
    if (!tagcache::sim::with_policy(policy, [&]<class Eviction>() {
            hits = replay_for.template operator()<Eviction>(std::span<const uint64_t>(requests),
                                                            capacity);
        })) {
        std::fprintf(stderr, "unknown policy %s (choose %s)\n", policy.c_str(),
                     tagcache::sim::policy_list().c_str());
        return 2;
    }
    std::printf("requests %zu hits %llu\n", requests.size(), static_cast<unsigned long long>(hits));
    return 0;
}
