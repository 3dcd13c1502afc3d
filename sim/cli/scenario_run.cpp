#include "scenario_run.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "policies.hpp"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;

// A bar on stderr, only on a terminal and only once the run has taken a second.
class progress_bar {
public:
    explicit progress_bar(bool wanted) : enabled_(wanted && isatty(STDERR_FILENO) == 1) {}
    void operator()(double done) {
        if (!enabled_)
            return;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        if (elapsed < 1.0)
            return;
        const int percent = static_cast<int>(done * 100);
        if (percent == last_percent_)
            return; // redraw only when the figure changes
        last_percent_ = percent;
        constexpr int width = 40;
        const int filled = static_cast<int>(done * width);
        fmt::print(stderr, "\rsimulating [{:#<{}}{:.<{}}] {:3.0f} %", "", filled, "",
                   width - filled, 100 * done);
        shown_ = true;
    }
    ~progress_bar() {
        if (shown_)
            fmt::print(stderr, "\r{:70}\r", "");
    }
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;

private:
    bool enabled_, shown_ = false;
    int last_percent_ = -1;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

latency_summary summarise(std::vector<double> values) {
    latency_summary out;
    if (values.empty())
        return out;
    out.p50 = sim::quantile(values, 0.50);
    out.p99 = sim::quantile(values, 0.99);
    out.max = *std::max_element(values.begin(), values.end());
    return out;
}

strategy_summary summarise(const sim::strategy_result& r, uint64_t tag_pages) {
    strategy_summary s;
    const sim::machine_stats& m = r.stats;
    s.name = r.name;
    s.reservations = r.measured_ns.size();
    s.reservation_failures = m.reservation_failures;
    s.atomic_failures = m.atomic_failures;
    s.fallbacks = m.fallbacks;
    s.allocation_failures = m.allocation_failures - m.reservation_failures;
    s.pages_migrated = m.pages_migrated;
    s.bytes_copied = m.bytes_copied;
    s.retries = m.retries;
    s.measured_ns = summarise(r.measured_ns);
    s.modelled_us = summarise(r.modelled_us);
    s.usable_pages = m.usable_pages;
    const auto share = [&](uint64_t pages) {
        return static_cast<double>(pages) / static_cast<double>(tag_pages);
    };
    for (const sim::gauge_sample& g : r.samples) {
        s.times_s.push_back(g.time_s);
        s.cached_share.push_back(share(g.tag_pages_cached));
        s.movable_share.push_back(share(g.tag_pages_movable));
        s.tags_share.push_back(share(g.tag_pages_tags));
    }
    const auto mean = [](const std::vector<double>& v) {
        double sum = 0;
        for (const double x : v)
            sum += x;
        return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
    };
    s.cached_share_mean = mean(s.cached_share);
    s.movable_share_mean = mean(s.movable_share);
    s.cached_share_end = share(m.tag_pages_cached);
    s.movable_share_end = share(m.tag_pages_movable);
    s.tags_share_end = share(m.tag_pages_tags);
    s.lookups = r.lookups();
    s.hits = m.file_hits;
    s.hit_ratio = r.hit_ratio();
    s.pages_dropped = m.pages_dropped;
    s.skipped_events = r.skipped_events;
    return s;
}

} // namespace

run_summary run_scenario(const scenario& what, bool progress, sim::simulation_result* raw) {
    const tagcache::tag_map map = what.map();
    sim::simulation_options options;
    options.placement = what.placement;
    options.samples = 10;
    if (raw != nullptr)
        options.series_points = 500; // figures: enough for a smooth line, few enough to draw
    progress_bar bar(progress);
    options.progress = [&bar](double done) { bar(done); };
    sim::simulation_result result;
    with_policy(what.policy, [&]<class Eviction>() {
        result = sim::simulate<sim::default_pool_config_with_eviction<Eviction>>(map, what.workload,
                                                                                 options);
    });
    run_summary run;
    run.what = what;
    run.data_pages = result.data_pages;
    run.tag_pages = result.tag_pages;
    run.page_bytes = static_cast<uint64_t>(what.page);
    run.fill_events = result.fill_events;
    run.events = result.events;
    run.steps = result.steps;
    run.file_reads = result.file_reads;
    run.page_cache_hits = result.page_cache_hits;
    run.seconds = result.seconds;
    run.cleancache = summarise(result.cleancache, result.tag_pages);
    run.cma = summarise(result.cma, result.tag_pages);
    if (raw != nullptr)
        *raw = std::move(result);
    return run;
}

} // namespace tagsim
