// The eviction policies tagsim can run, by name (tagcache::eviction_policies, the one list).
#pragma once

#include <tagcache/fmt.hpp>
#include <tagcache/tagcache.hpp>
#include <tagsim/eviction_policies.hpp>
#include <tagsim/sim.hpp>

#include <optional>

namespace tagsim {

using tagcache::sim::policy_list;
using tagcache::sim::with_policy;

} // namespace tagsim
