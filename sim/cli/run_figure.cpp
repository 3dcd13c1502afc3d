#include "run_figure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tagsim {
namespace {

namespace sim = tagcache::sim;

// 127801 -> "127,801": counts in key titles read like the table's.
std::string grouped(uint64_t n) {
    std::string digits = fmt::format("{}", n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

// The cumulative share of all `total` attempts at or under each value of `values` (a subset of
// them), drawn as steps; values under `floor` are drawn at it (a log axis has no 0). Exact
// steps for up to 1,000 distinct values, else 1,000 evenly spaced ranks.
plot_series cdf(std::vector<double> values, double total, double floor, std::string title,
                const char* colour, dash style) {
    plot_series line{std::move(title), colour, style, false};
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    if (n == 0 || total <= 0)
        return line;
    size_t distinct = 1;
    for (size_t i = 1; i < n; ++i)
        distinct += values[i] != values[i - 1] ? 1u : 0u;
    double previous = 0;
    const auto point = [&](size_t rank) { // rank: values[0..rank] at or under values[rank]
        const double x = std::max(values[rank], floor);
        const double y = static_cast<double>(rank + 1) / total;
        line.x.push_back(x);
        line.y.push_back(previous);
        line.x.push_back(x);
        line.y.push_back(y);
        previous = y;
    };
    if (distinct <= 1000) {
        for (size_t i = 0; i < n; ++i)
            if (i + 1 == n || values[i + 1] != values[i])
                point(i);
    } else {
        for (size_t k = 1; k <= 1000; ++k)
            point(k * n / 1000 - 1);
    }
    return line;
}

// Latency CDF panel series of one strategy: the reservations that succeeded (reaching 100 %
// less the failed share), and those that failed, on their own dashed line.
void latency_lines(plot_panel& panel, const std::vector<double>& values,
                   const std::vector<uint8_t>& failed, const std::string& name, const char* colour,
                   double floor) {
    std::vector<double> ok, bad;
    for (size_t i = 0; i < values.size() && i < failed.size(); ++i)
        (failed[i] != 0 ? bad : ok).push_back(values[i]);
    const auto total = static_cast<double>(values.size());
    if (bad.empty()) {
        panel.series.push_back(cdf(ok, total, floor,
                                   fmt::format("{}: all {} succeeded", name, grouped(ok.size())),
                                   colour, dash::solid));
        return;
    }
    panel.series.push_back(cdf(ok, total, floor,
                               fmt::format("{}: succeeded (tops out at {:.1f} %)", name,
                                           100.0 * static_cast<double>(ok.size()) / total),
                               colour, dash::solid));
    panel.series.push_back(
        cdf(bad, total, floor,
            fmt::format("{}: {} failed ({:.1f} %), time until failing", name, grouped(bad.size()),
                        100.0 * static_cast<double>(bad.size()) / total),
            colour, dash::dashed));
}

// One counter of the time series.
template <class Field>
plot_series over_time(const std::vector<sim::series_point>& series, Field field, std::string title,
                      const char* colour, dash style, bool right = false) {
    plot_series line{std::move(title), colour, style, right};
    for (const sim::series_point& p : series) {
        line.x.push_back(p.time_s);
        line.y.push_back(static_cast<double>(field(p.stats)));
    }
    return line;
}

} // namespace

plot_figure run_figure(const run_summary& summary, const sim::simulation_result& raw) {
    const strategy_summary& cc = summary.cleancache;
    const strategy_summary& cma = summary.cma;
    const sim::strategy_result& rc = raw.cleancache;
    const sim::strategy_result& rm = raw.cma;
    const auto tag_pages = static_cast<double>(summary.tag_pages);
    const double gib_per_page = static_cast<double>(summary.page_bytes) / (1u << 30);
    const char* c_blue = cleancache_colour;
    const char* c_red = cma_colour;
    const std::string time_label = "model time, s";

    plot_figure figure;
    figure.columns = 2;
    figure.panel_width = 1000;
    figure.panel_height = 640;
    figure.title = fmt::format("tagsim '{}' (seed {}, {} s of model time): tag storage lent to a "
                               "cleancache (tagcache) vs CMA migration (Linux RFC v3)",
                               summary.what.name, summary.what.workload.seed,
                               summary.what.workload.duration_s);

    plot_panel measured{"Reservation latency, measured in this simulator",
                        "wall time of one reservation on this computer, µs (log scale)",
                        "reservations (share of attempts)"};
    measured.log_x = measured.percent_y = true;
    const auto in_us = [](std::vector<double> ns) {
        for (double& t : ns)
            t /= 1000;
        return ns;
    };
    latency_lines(measured, in_us(rc.measured_ns), rc.failed, "cleancache", c_blue, 0.001);
    latency_lines(measured, in_us(rm.measured_ns), rm.failed, "cma", c_red, 0.001);
    figure.panels.push_back(std::move(measured));

    plot_panel model{"Reservation latency, cost model (an estimate, not a measurement)",
                     "modelled kernel time of one reservation, µs (log scale; 0 drawn at 0.1)",
                     "reservations (share of attempts)"};
    model.log_x = model.percent_y = true;
    latency_lines(model, rc.modelled_us, rc.failed, "cleancache (in-kernel, x86-64 TCG)", c_blue,
                  0.1);
    latency_lines(model, rm.modelled_us, rm.failed, "cma (fits, ARMv7 2015)", c_red, 0.1);
    model.markers = {{sim::gcma_latency_fit(1), "published: GCMA RFC v2, 1 page (26 µs)"},
                     {sim::cma_latency_fit(1), "published: CMA, same board (684 µs)"}};
    figure.panels.push_back(std::move(model));

    // Allocations that found no free block: the cleancache's price for not lending tag storage
    // to movable pages (machine_stats counts failed reservations among them too).
    const auto for_want_of_memory = [](const sim::machine_stats& s) {
        return s.allocation_failures - s.reservation_failures;
    };
    plot_panel failures{"Failures and fallbacks (cumulative)", time_label, "events"};
    failures.series = {
        over_time(
            rm.series, [](const sim::machine_stats& s) { return s.reservation_failures; },
            fmt::format("cma: reservation failed ({})", grouped(cma.reservation_failures)), c_red,
            dash::solid),
        over_time(
            rm.series, [](const sim::machine_stats& s) { return s.atomic_failures; },
            fmt::format("cma: of which atomic ({})", grouped(cma.atomic_failures)), c_red,
            dash::dashed),
        over_time(
            rm.series, [](const sim::machine_stats& s) { return s.fallbacks; },
            fmt::format("cma: fallbacks, folio migrated ({})", grouped(cma.fallbacks)), c_red,
            dash::dotted),
        over_time(rm.series, for_want_of_memory,
                  fmt::format("cma: allocation failed ({})", grouped(cma.allocation_failures)),
                  c_red, dash::dash_dot),
        over_time(
            rc.series,
            [](const sim::machine_stats& s) { return s.reservation_failures + s.fallbacks; },
            fmt::format("cleancache: failed or fell back ({})",
                        grouped(cc.reservation_failures + cc.fallbacks)),
            c_blue, dash::solid),
        over_time(
            rc.series, for_want_of_memory,
            fmt::format("cleancache: allocation failed ({})", grouped(cc.allocation_failures)),
            c_blue, dash::dash_dot),
    };
    figure.panels.push_back(std::move(failures));

    plot_panel displaced{"Pages moved or dropped to make room for tags (cumulative)", time_label,
                         "pages"};
    displaced.series = {
        over_time(
            rm.series, [](const sim::machine_stats& s) { return s.pages_migrated; },
            fmt::format("cma: pages migrated ({})", grouped(cma.pages_migrated)), c_red,
            dash::solid),
        over_time(
            rc.series, [](const sim::machine_stats& s) { return s.pages_dropped; },
            fmt::format("cleancache: cache pages dropped ({})", grouped(cc.pages_dropped)), c_blue,
            dash::solid),
    };
    figure.panels.push_back(std::move(displaced));

    plot_panel use{"Tag storage use, and memory usable by the system", time_label,
                   "share of tag storage", "usable memory, GiB (dotted)"};
    use.percent_y = true;
    const auto share = [tag_pages](uint64_t pages) {
        return static_cast<double>(pages) / tag_pages;
    };
    use.series = {
        over_time(
            rc.series, [&](const sim::machine_stats& s) { return share(s.tag_pages_cached); },
            "cleancache: holding cache data", c_blue, dash::solid),
        over_time(
            rc.series, [&](const sim::machine_stats& s) { return share(s.tag_pages_tags); },
            "cleancache: holding tags", c_blue, dash::dashed),
        over_time(
            rc.series,
            [&](const sim::machine_stats& s) {
                return static_cast<double>(s.usable_pages) * gib_per_page;
            },
            "cleancache: usable memory (right axis)", c_blue, dash::dotted, true),
        over_time(
            rm.series, [&](const sim::machine_stats& s) { return share(s.tag_pages_movable); },
            "cma: holding movable pages", c_red, dash::solid),
        over_time(
            rm.series, [&](const sim::machine_stats& s) { return share(s.tag_pages_tags); },
            "cma: holding tags", c_red, dash::dashed),
        over_time(
            rm.series,
            [&](const sim::machine_stats& s) {
                return static_cast<double>(s.usable_pages) * gib_per_page;
            },
            "cma: usable memory (right axis)", c_red, dash::dotted, true),
    };
    // The right axis spans both usable-memory lines with a margin, so neither sits on the frame.
    double low = 1e300, high = 0;
    for (const sim::strategy_result* r : {&rc, &rm})
        for (const sim::series_point& p : r->series) {
            low = std::min(low, static_cast<double>(p.stats.usable_pages) * gib_per_page);
            high = std::max(high, static_cast<double>(p.stats.usable_pages) * gib_per_page);
        }
    if (high > 0) {
        const double margin = std::max((high - low) * 0.15, high * 0.002);
        use.y2_min = low - margin;
        use.y2_max = high + margin;
    }
    figure.panels.push_back(std::move(use));

    plot_panel hits{"Cleancache hit ratio", time_label, "page-cache misses the cleancache served"};
    hits.percent_y = true;
    for (const auto& [r, s, name, colour] :
         {std::tuple{&rc, &cc, "cleancache", c_blue}, std::tuple{&rm, &cma, "cma", c_red}}) {
        // Over windows of ~1/50 of the run: one point per series interval would be mostly noise.
        const size_t intervals = r->series.empty() ? 0 : r->series.size() - 1;
        const size_t window = std::max<size_t>(1, (intervals + 49) / 50);
        plot_series interval{
            fmt::format("{}: each {:.2g} s ({:.1f} % over the run)", name,
                        summary.what.workload.duration_s * static_cast<double>(window) /
                            static_cast<double>(std::max<size_t>(intervals, 1)),
                        100 * s->hit_ratio),
            colour, dash::solid, false};
        for (size_t i = window; i < r->series.size(); i += window) {
            const sim::machine_stats& a = r->series[i - window].stats;
            const sim::machine_stats& b = r->series[i].stats;
            const uint64_t lookups = b.file_hits + b.file_misses - a.file_hits - a.file_misses;
            if (lookups == 0)
                continue;
            interval.x.push_back(r->series[i].time_s);
            interval.y.push_back(static_cast<double>(b.file_hits - a.file_hits) /
                                 static_cast<double>(lookups));
        }
        hits.series.push_back(std::move(interval));
    }
    if (summary.cma.hits == 0)
        hits.series.back().title = "cma: no cleancache, every miss goes to storage (0 %)";
    figure.panels.push_back(std::move(hits));
    return figure;
}

} // namespace tagsim
