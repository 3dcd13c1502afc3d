// The pool's counters, as one X-macro: EVENT(name, meaning) for a count of events, in pages,
// GAUGE(name, meaning) for a gauge (pages in some state now). Preprocessor only, so that C code
// can include it too: the kernel ABI's struct tagcache_pool_stats and the module's debugfs lines
// are generated from it, as are pool_event (concepts/stats.hpp), pool_stats and the sharded
// pool's sums (pool/pool_stats.hpp). Freestanding.
#pragma once

// In this order everywhere (it is the kernel ABI's struct layout and the debugfs line order):
// the 2025 cleancache series' sysfs files first (/sys/kernel/mm/cleancache: stored ... cached),
// then tagcache's own. Append new counters at the end; names are part of the ABI (C field
// names, debugfs lines), so never rename one.
#define TAGCACHE_POOL_COUNTERS(EVENT, GAUGE)                                                       \
    EVENT(stored, "pages stored")                                                                  \
    EVENT(skipped, "pages a store did not keep (not admitted, no room, or lost to a take-back "    \
                   "during its copy)")                                                             \
    EVENT(restored, "pages a restore filled")                                                      \
    EVENT(missed, "pages a restore or a readahead walk tried and could not fill")                  \
    EVENT(reclaimed, "pages evicted by the pool to make room")                                     \
    EVENT(recalled, "pages a donor took back while they held data (their data dropped)")           \
    EVENT(invalidated, "pages dropped by invalidate (folio, inode, filesystem)")                   \
    GAUGE(cached, "pages a restore can return")                                                    \
    EVENT(collateral_dropped, "pages dropped only because a sibling page of their folio was "      \
                              "taken")                                                             \
    GAUGE(stale, "invalidated pages not yet reclaimed (lazy invalidation)")                        \
    EVENT(discarded, "pages whose data the host discarded (discardable page memory only)")

// Expands to nothing: pass it for the kind a generator skips.
#define TAGCACHE_POOL_COUNTER_SKIP(name, meaning)
