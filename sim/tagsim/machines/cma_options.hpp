// The CMA baseline's options, outcomes and counters (cma_baseline.hpp, cma_machine.hpp).
// Hosted.
#pragma once

#include <cstdint>

#include <tagcache/base/error.hpp>

namespace tagcache::sim {

// The baseline's outcomes, named once: callers and tests compare against these names.
namespace cma_error {
inline constexpr errc would_sleep = errc::would_sleep;     // atomic, but a block needs migration
inline constexpr errc no_tag_storage = errc::no_space;     // claim failed, no fallback folio
inline constexpr errc not_allocated = errc::not_allocated; // no such (movable) allocation or pin
inline constexpr errc pinned = errc::page_pinned;          // freeing a pinned allocation
inline constexpr errc no_memory = errc::no_space;          // the page allocator is out of memory
} // namespace cma_error

struct cma_options {
    unsigned claim_attempts = 3;       // v3 tries alloc_contig_range up to 3 times (min. 1)
    bool fallback = true;              // v3 patch 26: migrate the tagged folio on failure
    unsigned fallback_candidates = 64; // bound on the fallback's search (see fallback())
};

struct cma_stats {
    uint64_t reservations = 0, releases = 0; // successful calls (fallbacks included)
    uint64_t failures = 0;                   // reservations that failed for want of tag storage
    uint64_t atomic_failures = 0;            // of which: atomic ones that would have had to migrate
    uint64_t fallbacks = 0;                  // reservations that migrated the tagged folio
    uint64_t rejected = 0; // bad arguments: untaggable, already reserved, double free
    uint64_t pages_migrated = 0, bytes_copied = 0, retries = 0;
    uint64_t blocks_claimed = 0, blocks_returned = 0; // rolled-back claims count in neither
    uint64_t pages_reserved = 0, blocks_in_use = 0, tag_pages_in_use = 0; // gauges
    double modelled_us = 0; // cost model: the sum of the reports' modelled_us
};

enum class tag_page_state : uint8_t { free, movable, tags };

} // namespace tagcache::sim
