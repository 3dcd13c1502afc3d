// Stats policies. Freestanding.
#pragma once

#include "../concepts/stats.hpp"

namespace tagcache {

// No counters: zero bytes, zero instructions. The pool's gauges still work.
struct no_stats {
    static constexpr bool enabled = false;
    constexpr void record(pool_event, uint64_t) noexcept {}
    constexpr void record_donor_recall(uint32_t, uint64_t) noexcept {}
    constexpr uint64_t count(pool_event) const noexcept { return 0; }
    constexpr uint64_t donor_recalled(uint32_t) const noexcept { return 0; }
};

// Plain counters, updated under the pool lock. MaxDonors bounds the per-donor counters.
template <uint32_t MaxDonors = 8>
class counting_stats {
public:
    static constexpr bool enabled = true;
    constexpr void record(pool_event event, uint64_t pages) noexcept {
        counts_[static_cast<unsigned>(event)] += pages;
    }
    constexpr void record_donor_recall(uint32_t donor, uint64_t pages) noexcept {
        if (donor < MaxDonors)
            donor_recalled_[donor] += pages;
    }
    constexpr uint64_t count(pool_event event) const noexcept {
        return counts_[static_cast<unsigned>(event)];
    }
    constexpr uint64_t donor_recalled(uint32_t donor) const noexcept {
        return donor < MaxDonors ? donor_recalled_[donor] : 0;
    }

private:
    uint64_t counts_[pool_event_count] = {};
    uint64_t donor_recalled_[MaxDonors] = {};
};

static_assert(stats_policy<no_stats>);
static_assert(stats_policy<counting_stats<>>);

} // namespace tagcache
