#include "report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "csv.hpp"
#include "policies.hpp"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;

template <class Eviction>
struct pool_config : tagcache::default_pool_config {
    using eviction = Eviction;
};

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

std::string gib(uint64_t pages, uint64_t page_bytes) {
    return fmt::format("{:.3f} GiB", static_cast<double>(pages * page_bytes) / (1u << 30));
}
std::string percent(double share) {
    return fmt::format("{:.1f} %", 100 * share);
}
std::string triple(const latency_summary& l, const char* format) {
    return fmt::format(fmt::runtime(format), l.p50, l.p99, l.max);
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
        result = sim::simulate<pool_config<Eviction>>(map, what.workload, options);
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

void print_table(const run_summary& run) {
    const scenario& s = run.what;
    const sim::mixed_workload_params& w = s.workload;
    fmt::print("tagsim: scenario '{}'\n", s.name);
    fmt::print("machine   {} of tagged memory, {} of tag storage ({} pages) in {} region(s), "
               "{} KiB pages\n",
               gib(run.data_pages, run.page_bytes), gib(run.tag_pages, run.page_bytes),
               run.tag_pages, s.regions.size(), run.page_bytes / 1024);
    fmt::print("workload  seed {}, {} s of model time: {} steps after a fill of {} events, {} "
               "events in all; tagged pages {}, pool policy {}\n",
               w.seed, w.duration_s, run.steps, run.fill_events, run.events,
               placement_name(s.placement), s.policy);
    fmt::print("          file reads {} (page cache hits {}), page cache {} pages\n\n",
               run.file_reads, run.page_cache_hits, w.page_cache_pages);

    const strategy_summary& c = run.cleancache;
    const strategy_summary& m = run.cma;
    const auto row = [](const std::string& label, const std::string& left,
                        const std::string& right) {
        fmt::print("{:<52} {:>22} {:>22}\n", label, left, right);
    };
    const auto count = [&](const char* label, uint64_t left, uint64_t right) {
        row(label, fmt::format("{}", left), fmt::format("{}", right));
    };
    row("", "cleancache", "cma (baseline)");
    count("tag-storage reservations", c.reservations, m.reservations);
    count("  failed", c.reservation_failures, m.reservation_failures);
    count("    of which in atomic context", c.atomic_failures, m.atomic_failures);
    count("  fallbacks (tagged folio migrated)", c.fallbacks, m.fallbacks);
    count("  claim retries", c.retries, m.retries);
    row("reservation latency p50/p99/max, measured ns",
        triple(c.measured_ns, "{:.0f}/{:.0f}/{:.0f}"),
        triple(m.measured_ns, "{:.0f}/{:.0f}/{:.0f}"));
    row("reservation latency p50/p99/max, cost model us",
        triple(c.modelled_us, "{:.2f}/{:.2f}/{:.2f}"),
        triple(m.modelled_us, "{:.2f}/{:.2f}/{:.2f}"));
    count("pages migrated", c.pages_migrated, m.pages_migrated);
    count("bytes copied", c.bytes_copied, m.bytes_copied);
    count("allocations failed for want of memory", c.allocation_failures, m.allocation_failures);
    row("memory usable by the rest of the system (end)", gib(c.usable_pages, run.page_bytes),
        gib(m.usable_pages, run.page_bytes));
    row("tag storage holding cache data (mean / end)",
        percent(c.cached_share_mean) + " / " + percent(c.cached_share_end),
        percent(m.cached_share_mean) + " / " + percent(m.cached_share_end));
    row("tag storage holding movable pages (mean / end)",
        percent(c.movable_share_mean) + " / " + percent(c.movable_share_end),
        percent(m.movable_share_mean) + " / " + percent(m.movable_share_end));
    row("tag storage holding tags (end)", percent(c.tags_share_end), percent(m.tags_share_end));
    count("cleancache lookups (page cache misses)", c.lookups, m.lookups);
    count("  hits", c.hits, m.hits);
    row("  hit ratio", percent(c.hit_ratio), percent(m.hit_ratio));
    count("cache pages dropped for tags (collateral)", c.pages_dropped, m.pages_dropped);
    count("events skipped (their allocation failed)", c.skipped_events, m.skipped_events);

    fmt::print("\nover model time: share of tag storage holding cache data (cleancache) and "
               "movable pages (cma)\n");
    fmt::print("{:>10} {:>12} {:>12} {:>12} {:>12}\n", "time s", "cc cached", "cc tags",
               "cma movable", "cma tags");
    for (size_t i = 0; i < c.times_s.size() && i < m.times_s.size(); ++i)
        fmt::print("{:>10.2f} {:>12} {:>12} {:>12} {:>12}\n", c.times_s[i],
                   percent(c.cached_share[i]), percent(c.tags_share[i]),
                   percent(m.movable_share[i]), percent(m.tags_share[i]));
    fmt::print("\nsimulated in {:.1f} s wall time (measured latencies vary from run to run; the "
               "rest is fixed by the seed)\n",
               run.seconds);
}

nlohmann::json to_json(const run_summary& run) {
    const auto latency = [](const latency_summary& l) {
        return nlohmann::json{{"p50", l.p50}, {"p99", l.p99}, {"max", l.max}};
    };
    const auto strategy = [&](const strategy_summary& s) {
        return nlohmann::json{
            {"reservations", s.reservations},
            {"reservation_failures", s.reservation_failures},
            {"atomic_failures", s.atomic_failures},
            {"fallbacks", s.fallbacks},
            {"retries", s.retries},
            {"latency_measured_ns", latency(s.measured_ns)},
            {"latency_model_us", latency(s.modelled_us)},
            {"pages_migrated", s.pages_migrated},
            {"bytes_copied", s.bytes_copied},
            {"allocation_failures", s.allocation_failures},
            {"usable_pages", s.usable_pages},
            {"cached_share_mean", s.cached_share_mean},
            {"cached_share_end", s.cached_share_end},
            {"movable_share_mean", s.movable_share_mean},
            {"movable_share_end", s.movable_share_end},
            {"tags_share_end", s.tags_share_end},
            {"lookups", s.lookups},
            {"hits", s.hits},
            {"hit_ratio", s.hit_ratio},
            {"pages_dropped", s.pages_dropped},
            {"skipped_events", s.skipped_events},
            {"samples",
             {{"time_s", s.times_s},
              {"cached_share", s.cached_share},
              {"movable_share", s.movable_share},
              {"tags_share", s.tags_share}}},
        };
    };
    return {
        {"scenario", run.what.name},
        {"seed", run.what.workload.seed},
        {"placement", placement_name(run.what.placement)},
        {"policy", run.what.policy},
        {"page_bytes", run.page_bytes},
        {"data_pages", run.data_pages},
        {"tag_pages", run.tag_pages},
        {"fill_events", run.fill_events},
        {"events", run.events},
        {"steps", run.steps},
        {"file_reads", run.file_reads},
        {"page_cache_hits", run.page_cache_hits},
        {"seconds", run.seconds},
        {"cleancache", strategy(run.cleancache)},
        {"cma", strategy(run.cma)},
    };
}

std::string csv_header() {
    return "scenario,seed,placement,policy,strategy,reservations,reservation_failures,"
           "atomic_failures,fallbacks,retries,latency_measured_ns_p50,latency_measured_ns_p99,"
           "latency_measured_ns_max,latency_model_us_p50,latency_model_us_p99,"
           "latency_model_us_max,pages_migrated,bytes_copied,allocation_failures,usable_pages,"
           "cached_share_mean,cached_share_end,movable_share_mean,tags_share_end,lookups,hits,"
           "hit_ratio,pages_dropped";
}

std::string csv_rows(const run_summary& run, const std::string& prefix_columns) {
    std::string out;
    for (const strategy_summary* s : {&run.cleancache, &run.cma})
        out += fmt::format(
            "{}{},{},{},{},{},{},{},{},{},{},{:.0f},{:.0f},{:.0f},{:.3f},{:.3f},{:.3f},{},{},{},{},"
            "{:.6f},{:.6f},{:.6f},{:.6f},{},{},{:.6f},{}\n",
            prefix_columns, csv_field(run.what.name), run.what.workload.seed,
            placement_name(run.what.placement), csv_field(run.what.policy), csv_field(s->name),
            s->reservations, s->reservation_failures, s->atomic_failures, s->fallbacks, s->retries,
            s->measured_ns.p50, s->measured_ns.p99, s->measured_ns.max, s->modelled_us.p50,
            s->modelled_us.p99, s->modelled_us.max, s->pages_migrated, s->bytes_copied,
            s->allocation_failures, s->usable_pages, s->cached_share_mean, s->cached_share_end,
            s->movable_share_mean, s->tags_share_end, s->lookups, s->hits, s->hit_ratio,
            s->pages_dropped);
    return out;
}

} // namespace tagsim
