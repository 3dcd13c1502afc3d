// The simulator's side of the eviction policy list (tagcache::eviction_policies, in
// <tagcache/policy/eviction_policies.hpp>, the one list): dispatch from a std::string_view, the
// names joined for messages and --help, and the pool configuration tagsim run and sweep
// simulate. Hosted; namespace tagcache::sim.
#pragma once

#include <tagcache/policy/eviction_policies.hpp>
#include <tagcache/pool/pool.hpp>

#include <string>
#include <string_view>

namespace tagcache::sim {

// The default pool configuration with another eviction policy.
template <class Eviction>
struct default_pool_config_with_eviction : default_pool_config {
    using eviction = Eviction;
};

// "lru|fifo|...", for messages and --help.
inline std::string policy_list() {
    std::string list;
    for (const char* name : eviction_policies::names) { // appends (GCC 12 -Wrestrict misfires on +)
        if (!list.empty())
            list += '|';
        list += name;
    }
    return list;
}

// Calls f.template operator()<Eviction>() for the named policy; false for an unknown name.
template <class F>
bool with_policy(std::string_view name, F&& f) {
    return eviction_policies::with(name.data(), name.size(), f);
}

} // namespace tagcache::sim
