// Concept `stats_policy`: event counters of a pool, named as the 2025 cleancache's sysfs files.
// Freestanding.
#pragma once

#include <stdint.h>

#include "../base/meta.hpp"
#include "../base/pool_counters.hpp"

namespace tagcache {

// Countable events, in pages: the EVENT entries of TAGCACHE_POOL_COUNTERS, in its order (their
// meanings are there). Gauges (cached and stale pages, a donor's size) and each donor's own
// counts are the pool's state and always available; pool-wide counters cost memory and time
// on every operation, so they are a policy.
enum class pool_event : unsigned char {
#define TAGCACHE_POOL_EVENT_ENUMERATOR(name, meaning) name,
    TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_EVENT_ENUMERATOR, TAGCACHE_POOL_COUNTER_SKIP)
#undef TAGCACHE_POOL_EVENT_ENUMERATOR
};
#define TAGCACHE_POOL_EVENT_ONE(name, meaning) +1
inline constexpr unsigned pool_event_count =
    0 TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_EVENT_ONE, TAGCACHE_POOL_COUNTER_SKIP);
#undef TAGCACHE_POOL_EVENT_ONE

template <class S>
concept stats_policy = requires(S& stats, const S& const_stats, pool_event event, uint64_t pages) {
    { stats.record(event, pages) }
    noexcept;
    { const_stats.count(event) }
    noexcept->convertible_to<uint64_t>;
    { S::enabled } -> convertible_to<bool>;
};

} // namespace tagcache
