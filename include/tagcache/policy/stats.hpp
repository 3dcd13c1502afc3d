// Stats policies. Freestanding.
#pragma once

#include "../concepts/stats.hpp"

namespace tagcache {

// No counters: zero bytes, zero instructions. The pool's gauges still work.
struct no_stats {
    static constexpr bool enabled = false;
    constexpr void record(pool_event, uint64_t) noexcept {}
    constexpr uint64_t count(pool_event) const noexcept { return 0; }
};

// Plain counters, updated under the pool lock.
class counting_stats {
public:
    static constexpr bool enabled = true;
    constexpr void record(pool_event event, uint64_t pages) noexcept {
        counts_[static_cast<unsigned>(event)] += pages;
    }
    constexpr uint64_t count(pool_event event) const noexcept {
        return counts_[static_cast<unsigned>(event)];
    }

private:
    uint64_t counts_[pool_event_count] = {};
};

static_assert(stats_policy<no_stats>);
static_assert(stats_policy<counting_stats>);

} // namespace tagcache
