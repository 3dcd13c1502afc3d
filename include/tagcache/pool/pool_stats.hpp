// What a pool reports of itself: its counters and gauges, and each donor's. Freestanding.
#pragma once

#include <stdint.h>

namespace tagcache {

// Counters, named as the 2025 cleancache's sysfs files (/sys/kernel/mm/cleancache).
struct pool_stats {
    uint64_t stored = 0, skipped = 0, restored = 0, missed = 0, reclaimed = 0, recalled = 0,
             invalidated = 0, collateral_dropped = 0;
    uint64_t cached = 0;    // gauge: pages a restore can return
    uint64_t stale = 0;     // gauge: invalidated pages not yet reclaimed (lazy invalidation)
    uint64_t discarded = 0; // pages the host discarded (discardable page memory; docs/tmem.md)
};

// Per donor, as the 2025 series' per-pool sysfs directory, plus what placement sees.
struct donor_stats {
    const char* name = "";
    uint64_t size = 0;     // pages donated and not taken back
    uint64_t cached = 0;   // of those, pages holding data
    uint64_t free = 0;     // of those, pages holding nothing
    uint64_t recalled = 0; // pages taken back while holding data
};

} // namespace tagcache
