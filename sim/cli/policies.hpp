// The eviction policies tagsim can run, by name, and dispatch from a name to a pool type.
#pragma once

#include <tagcache/fmt.hpp>
#include <tagcache/tagcache.hpp>
#include <tagsim/sim.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tagsim {

inline constexpr std::array<std::string_view, 6> policy_names = {"lru", "fifo",   "clock",
                                                                 "arc", "s3fifo", "sieve"};

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
        f.template operator()<tagcache::lru_eviction>();
    else if (name == "fifo")
        f.template operator()<tagcache::fifo_eviction>();
    else if (name == "clock")
        f.template operator()<tagcache::clock_eviction>();
    else if (name == "arc")
        f.template operator()<tagcache::arc_eviction>();
    else if (name == "s3fifo")
        f.template operator()<tagcache::s3fifo_eviction>();
    else if (name == "sieve")
        f.template operator()<tagcache::sieve_eviction>();
    else
        return false;
    return true;
}

} // namespace tagsim
