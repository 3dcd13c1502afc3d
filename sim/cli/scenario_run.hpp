// Running a scenario: both strategies side by side (sim::simulate, with the scenario's
// eviction policy), summed up as the figures tagsim prints. report.hpp prints them;
// docs/tagsim.md explains every field.
#pragma once

#include <string>
#include <vector>

#include "scenario.hpp"

namespace tagsim {

struct latency_summary {
    double p50 = 0, p99 = 0, max = 0;
};

// The figures of one strategy, derived from sim::strategy_result.
struct strategy_summary {
    std::string name;
    uint64_t reservations = 0; // attempted (succeeded + failed)
    uint64_t reservation_failures = 0, atomic_failures = 0, fallbacks = 0;
    uint64_t allocation_failures = 0; // for want of free memory (not of tag storage)
    uint64_t pages_migrated = 0, bytes_copied = 0, retries = 0;
    latency_summary measured_ns, modelled_us;
    uint64_t usable_pages = 0;                            // at the end
    double cached_share_mean = 0, cached_share_end = 0;   // of tag storage, over the samples
    double movable_share_mean = 0, movable_share_end = 0; // of tag storage
    double tags_share_end = 0;                            // of tag storage
    uint64_t lookups = 0, hits = 0;
    double hit_ratio = 0;
    uint64_t pages_dropped = 0; // cached pages dropped because their block was needed for tags
    uint64_t skipped_events = 0;
    std::vector<double> cached_share, movable_share, tags_share, times_s; // the samples
};

struct run_summary {
    scenario what;
    uint64_t data_pages = 0, tag_pages = 0, page_bytes = 0;
    uint64_t fill_events = 0, events = 0, steps = 0, file_reads = 0, page_cache_hits = 0;
    double seconds = 0;
    strategy_summary cleancache, cma;
};

// Runs the scenario (progress: stderr bar on a TTY for runs over a second, when asked).
// `raw` receives the simulation itself, with its time series, when not null (figures).
run_summary run_scenario(const scenario& what, bool progress,
                         tagcache::sim::simulation_result* raw = nullptr);

} // namespace tagsim
