// Concept `stats_policy`: event counters of a pool, named as the 2025 cleancache's sysfs files.
// Freestanding.
#pragma once

#include <stdint.h>

#include "../base/meta.hpp"

namespace tagcache {

// Countable events, in pages. Gauges (cached pages, a donor's size) and each donor's own
// counts are the pool's state and always available; pool-wide counters cost memory and time
// on every operation, so they are a policy.
enum class pool_event : unsigned char {
    stored,             // pages stored
    skipped,            // pages a store did not keep (not admitted, or no room)
    restored,           // pages a restore filled
    missed,             // pages a restore could not fill
    reclaimed,          // pages evicted by the pool to make room
    recalled,           // pages a donor took back (their data, if any, dropped)
    invalidated,        // pages dropped by invalidate (folio, inode, filesystem)
    collateral_dropped, // pages dropped only because a sibling page of their folio was taken
    discarded,          // pages whose data the host discarded (discardable page memory only)
};
inline constexpr unsigned pool_event_count = 9;

template <class S>
concept stats_policy = requires(S& stats, const S& const_stats, pool_event event, uint64_t pages) {
    { stats.record(event, pages) }
    noexcept;
    { const_stats.count(event) }
    noexcept->convertible_to<uint64_t>;
    { S::enabled } -> convertible_to<bool>;
};

} // namespace tagcache
