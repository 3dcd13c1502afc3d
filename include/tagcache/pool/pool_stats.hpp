// What a pool reports of itself: its counters and gauges, and each donor's. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/pool_counters.hpp"
#include "../concepts/stats.hpp"

namespace tagcache {

// Every counter and gauge of TAGCACHE_POOL_COUNTERS, in its order, named as the 2025
// cleancache's sysfs files (/sys/kernel/mm/cleancache) where the series has them.
struct pool_stats {
#define TAGCACHE_POOL_STATS_FIELD(name, meaning) uint64_t name = 0;
    TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_STATS_FIELD, TAGCACHE_POOL_STATS_FIELD)
#undef TAGCACHE_POOL_STATS_FIELD

    // Counter by counter (a sharded pool's total is its shards' sum, gauges included).
    constexpr pool_stats& operator+=(const pool_stats& other) noexcept {
#define TAGCACHE_POOL_STATS_ADD(name, meaning) name += other.name;
        TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_STATS_ADD, TAGCACHE_POOL_STATS_ADD)
#undef TAGCACHE_POOL_STATS_ADD
        return *this;
    }
    friend constexpr bool operator==(const pool_stats&, const pool_stats&) = default;
};

#define TAGCACHE_POOL_STATS_ONE(name, meaning) +1
inline constexpr unsigned pool_counter_count =
    0 TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_STATS_ONE, TAGCACHE_POOL_STATS_ONE);
#undef TAGCACHE_POOL_STATS_ONE

// Calls visit(name, value) for each counter and gauge, in list order (for printing and tests).
template <class Visit>
constexpr void for_each_counter(const pool_stats& stats, Visit&& visit) noexcept {
#define TAGCACHE_POOL_STATS_VISIT(name, meaning) visit(#name, stats.name);
    TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_STATS_VISIT, TAGCACHE_POOL_STATS_VISIT)
#undef TAGCACHE_POOL_STATS_VISIT
}

// The event counters `events` recorded, the gauges left zero (the pool fills them in).
template <stats_policy Events>
constexpr pool_stats pool_stats_of(const Events& events) noexcept {
    pool_stats out;
#define TAGCACHE_POOL_STATS_EVENT(name, meaning) out.name = events.count(pool_event::name);
    TAGCACHE_POOL_COUNTERS(TAGCACHE_POOL_STATS_EVENT, TAGCACHE_POOL_COUNTER_SKIP)
#undef TAGCACHE_POOL_STATS_EVENT
    return out;
}

// Per donor, as the 2025 series' per-pool sysfs directory, plus what placement sees.
struct donor_stats {
    const char* name = "";
    uint64_t size = 0;     // pages donated and not taken back
    uint64_t cached = 0;   // of those, pages holding data
    uint64_t free = 0;     // of those, pages holding nothing
    uint64_t recalled = 0; // pages taken back while holding data
};

} // namespace tagcache
