// The eviction policies the simulator and the replay benchmarks run, by name, and the dispatch
// from a name to a policy type: the one list (tagsim's --policy, scenarios' "policy", sweeps,
// bench/replay_*.cpp). Hosted; namespace tagcache::sim.
#pragma once

#include <tagcache/policy/policy.hpp>

#include <array>
#include <string>
#include <string_view>

namespace tagcache::sim {

inline constexpr std::array<std::string_view, 6> policy_names = {"lru", "fifo",   "clock",
                                                                 "arc", "s3fifo", "sieve"};

// "lru|fifo|...", for messages and --help.
inline std::string policy_list() {
    std::string list;
    for (std::string_view name : policy_names) { // appends (GCC 12 -Wrestrict misfires on +)
        if (!list.empty())
            list += '|';
        list += name;
    }
    return list;
}

// Calls f.template operator()<Eviction>() for the named policy; false for an unknown name.
template <class F>
bool with_policy(std::string_view name, F&& f) {
    if (name == "lru")
        f.template operator()<lru_eviction>();
    else if (name == "fifo")
        f.template operator()<fifo_eviction>();
    else if (name == "clock")
        f.template operator()<clock_eviction>();
    else if (name == "arc")
        f.template operator()<arc_eviction>();
    else if (name == "s3fifo")
        f.template operator()<s3fifo_eviction>();
    else if (name == "sieve")
        f.template operator()<sieve_eviction>();
    else
        return false;
    return true;
}

} // namespace tagcache::sim
