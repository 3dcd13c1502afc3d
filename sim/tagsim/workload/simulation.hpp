// The simulator's core: one mixed_workload applied, event by event, to both tag-storage
// strategies at once (cleancache_machine and cma_machine), recording each reservation's
// latency and sampling the gauges over model time. tagsim prints what this returns; the tests
// check it. Hosted.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "../machines/cleancache_machine.hpp"
#include "../machines/cma_machine.hpp"
#include "limits.hpp"
#include "mixed_workload.hpp"

namespace tagcache::sim {

struct simulation_options {
    tagged_placement placement = tagged_placement::scattered;
    cma_options cma{};
    uint32_t samples = 20; // gauge samples over the steady state (at its end included)
    // Points of the time series (figures): the counters at the end of the fill and at the end
    // of each of this many equal parts of the run; 0 records none. Reading them changes no
    // figure; at most max_series_points.
    uint32_t series_points = 0;
    static constexpr uint32_t max_series_points = 1000;
    // Called now and then with the fraction done (progress bars); may be empty.
    std::function<void(double)> progress{};
};

// One gauge sample, in pages.
struct gauge_sample {
    double time_s = 0;
    uint64_t usable_pages = 0, tag_pages_cached = 0, tag_pages_movable = 0, tag_pages_tags = 0;
};

// One point of the time series: the machine's counters (cumulative) and gauges at a time.
struct series_point {
    double time_s = 0; // model time; 0 is the end of the fill
    machine_stats stats;
};

struct strategy_result {
    std::string name;
    machine_stats stats;
    std::vector<double> measured_ns; // per reservation attempted (failed ones included)
    std::vector<double> modelled_us; // the same reservations, priced by the cost model
    std::vector<uint8_t> failed;     // the same reservations: 1 when it failed
    std::vector<gauge_sample> samples;
    std::vector<series_point> series; // simulation_options::series_points + 1 points, or none
    uint64_t skipped_events = 0;      // events on allocations this machine could not make
    uint64_t lookups() const noexcept { return stats.file_hits + stats.file_misses; }
    double hit_ratio() const noexcept {
        return lookups() == 0
                   ? 0.0
                   : static_cast<double>(stats.file_hits) / static_cast<double>(lookups());
    }
};

struct simulation_result {
    uint64_t events = 0, fill_events = 0, steps = 0;
    uint64_t data_pages = 0, tag_pages = 0;
    uint64_t file_reads = 0, page_cache_hits = 0;
    double seconds = 0; // wall time of the whole simulation
    strategy_result cleancache, cma;
};

// The q-quantile (0..1) of `values` by the nearest-rank method; 0 for none. Reorders values.
inline double quantile(std::vector<double>& values, double q) {
    if (values.empty())
        return 0;
    const auto rank = static_cast<size_t>(q * static_cast<double>(values.size() - 1) + 0.5);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                     values.end());
    return values[rank];
}

namespace detail {

template <class Machine>
class recording_driver {
public:
    recording_driver(Machine& machine, strategy_result& out) : driver_(machine), out_(out) {}

    void apply(const workload_event& event) {
        const allocation_report report = driver_.apply(event);
        if (event.op != workload_op::allocate || event.kind != allocation_kind::tagged)
            return;
        // A reservation happened when the allocation succeeded, or failed in its reservation
        // (an allocation that found no memory never reserved).
        if (report.error == errc::ok || report.reservation.error != errc::ok) {
            out_.measured_ns.push_back(report.reservation.measured_ns);
            out_.modelled_us.push_back(report.reservation.modelled_us);
            out_.failed.push_back(report.error != errc::ok ? 1 : 0);
        }
    }
    void sample(double time_s) {
        const machine_stats s = driver_.machine().stats();
        out_.samples.push_back(
            {time_s, s.usable_pages, s.tag_pages_cached, s.tag_pages_movable, s.tag_pages_tags});
    }
    void record_point(double time_s) { out_.series.push_back({time_s, driver_.machine().stats()}); }
    void finish() {
        out_.stats = driver_.machine().stats();
        out_.skipped_events = driver_.skipped();
        out_.name = driver_.machine().name();
    }

private:
    workload_driver<Machine> driver_;
    strategy_result& out_;
};

} // namespace detail

// Runs `params` on both strategies over the tag storage `map` describes.
template <class PoolConfig = default_pool_config>
simulation_result simulate(const tag_map& map, const mixed_workload_params& params,
                           const simulation_options& options = {}) {
    const auto start = std::chrono::steady_clock::now();
    simulation_result result;
    result.data_pages = 0;
    for (const tag_region& region : map.regions())
        result.data_pages += region.memory.count;
    result.tag_pages = map.total_tag_pages();

    // Room in the pool's inode table for every file of the file set.
    cleancache_machine<PoolConfig> cleancache(map, inode_capacity_for(params.files()));
    cma_machine cma(map, options.cma);
    cleancache.place_with(page_placer(options.placement, params.seed));
    cma.place_with(page_placer(options.placement, params.seed));

    detail::recording_driver<cleancache_machine<PoolConfig>> on_cleancache(cleancache,
                                                                           result.cleancache);
    detail::recording_driver<cma_machine> on_cma(cma, result.cma);
    const auto both = [&](const workload_event& event) {
        ++result.events;
        on_cleancache.apply(event);
        on_cma.apply(event);
    };

    mixed_workload workload(params);
    workload.fill(both);
    result.fill_events = result.events;
    result.steps = params.steps();
    const uint64_t samples = std::max<uint32_t>(options.samples, 1);
    const uint64_t progress_every = std::max<uint64_t>(result.steps / 200, 1);
    const double step_s = 1.0 / params.total_rate();
    const uint64_t points = std::min(options.series_points, simulation_options::max_series_points);
    if (points > 0) {
        on_cleancache.record_point(0);
        on_cma.record_point(0);
    }
    uint64_t next_sample = 1, next_point = 1;
    for (uint64_t step = 0; step < result.steps; ++step) {
        workload.step(both);
        const double time_s = static_cast<double>(step + 1) * step_s;
        // Sample at the end of each of `samples` equal parts of the run.
        if ((step + 1) * samples >= next_sample * result.steps) {
            on_cleancache.sample(time_s);
            on_cma.sample(time_s);
            ++next_sample;
        }
        // The time series likewise, in `points` parts (reads only: no figure changes).
        if (points > 0 && (step + 1) * points >= next_point * result.steps) {
            on_cleancache.record_point(time_s);
            on_cma.record_point(time_s);
            ++next_point;
        }
        if (options.progress && step % progress_every == 0)
            options.progress(static_cast<double>(step) / static_cast<double>(result.steps));
    }
    on_cleancache.finish();
    on_cma.finish();
    result.file_reads = workload.file_reads();
    result.page_cache_hits = workload.page_cache_hits();
    if (options.progress)
        options.progress(1.0);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace tagcache::sim
