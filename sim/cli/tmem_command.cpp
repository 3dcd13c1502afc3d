#include "tmem_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tagsim/tmem/tmem_host.hpp>
#include <tagsim/trace/number_text.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "csv.hpp"
#include "plot.hpp"
#include "tmem_scenario.hpp"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;
using nlohmann::json;

struct tmem_options {
    std::optional<std::string> scenario_path; // none: the built-in scenario
    std::optional<std::string> pressure_trace, seed, duration_s;
    bool json = false, csv = false;
    std::optional<std::string> plot; // given: the figure's path ('' is refused)
};

double hit_ratio(const sim::read_counts& r) {
    return r.reads == 0 ? 0
                        : static_cast<double>(r.page_cache_hits + r.second_level_hits) /
                              static_cast<double>(r.reads);
}

std::string or_never(const sim::tmem_result& r, const std::string& text) {
    return r.returned ? text : std::string("never");
}

void print_table(const sim::tmem_params& p, const std::vector<sim::tmem_result>& results) {
    fmt::print("tmem scenario '{}': {} guests, host {:.0f} MiB, {:g} s, discards {}\n", p.name,
               p.guests.size(), p.host_mib, p.duration_s,
               p.notify_discards ? "notified" : "detected only");
    fmt::print("{:<34}", "");
    for (const auto& r : results)
        fmt::print("{:>22}", sim::strategy_name(r.strategy));
    fmt::print("\n");
    const auto row = [&](const std::string& label, auto&& cell) {
        fmt::print("{:<34}", label);
        for (const auto& r : results)
            fmt::print("{:>22}", cell(r));
        fmt::print("\n");
    };
    const std::string x = fmt::format("{:.0f} MiB", p.report_mib);
    row("time to return " + x + ", s",
        [](const sim::tmem_result& r) { return or_never(r, fmt::format("{:.2f}", r.return_s)); });
    row("  guest CPU for it, ms", [](const sim::tmem_result& r) {
        return or_never(r, fmt::format("{:.1f}", r.return_cpu_ms));
    });
    row("  pages dropped/reclaimed/moved", [](const sim::tmem_result& r) {
        return or_never(r, fmt::format("{}", r.return_pages_touched));
    });
    row("shrinks met, MiB of MiB asked", [](const sim::tmem_result& r) {
        return fmt::format(
            "{:.0f}/{:.0f} ({:.0f}%)", r.shrink_met_mib, r.shrink_requested_mib,
            r.shrink_requested_mib == 0 ? 100.0 : 100 * r.shrink_met_mib / r.shrink_requested_mib);
    });
    row("failures (out of puff, -EBUSY)",
        [](const sim::tmem_result& r) { return fmt::format("{}", r.work.failures); });
    row("hit ratio (page cache + tmem)",
        [](const sim::tmem_result& r) { return fmt::format("{:.4f}", hit_ratio(r.reads)); });
    row("  of reads, tmem hits", [](const sim::tmem_result& r) {
        return fmt::format("{:.4f}", r.reads.reads == 0
                                         ? 0.0
                                         : static_cast<double>(r.reads.second_level_hits) /
                                               static_cast<double>(r.reads.reads));
    });
    row("host free memory, min MiB",
        [](const sim::tmem_result& r) { return fmt::format("{:.0f}", r.min_host_free_mib); });
    row("time below the free target, s",
        [](const sim::tmem_result& r) { return fmt::format("{:.1f}", r.seconds_below_target); });
    row("guest CPU returning memory, s",
        [](const sim::tmem_result& r) { return fmt::format("{:.2f}", r.work.cpu_us / 1e6); });
    row("pages swapped out / in", [](const sim::tmem_result& r) {
        return fmt::format("{}/{}", r.work.swapped_out, r.work.swapped_in);
    });
    row("pages migrated",
        [](const sim::tmem_result& r) { return fmt::format("{}", r.work.migrated); });
    row("host discards (pages) / learnt", [](const sim::tmem_result& r) {
        return fmt::format("{}/{}", r.work.host_discarded, r.work.discards_learnt);
    });
    row("blocks never unpluggable",
        [](const sim::tmem_result& r) { return fmt::format("{}", r.unpluggable_blocks); });
    row("MTE: KVM tag storage, peak MiB",
        [](const sim::tmem_result& r) { return fmt::format("{:.1f}", r.tag_reserve_peak_mib); });
    row("MTE: KVM tag storage, mean MiB",
        [](const sim::tmem_result& r) { return fmt::format("{:.1f}", r.tag_reserve_mean_mib); });
    row("  region mapped untagged, MiB", [](const sim::tmem_result& r) {
        return r.strategy == sim::tmem_strategy::tmem
                   ? fmt::format("{:.1f}", r.tag_reserve_untagged_region_mib)
                   : std::string("-");
    });
}

json to_json(const sim::tmem_params& p, const std::vector<sim::tmem_result>& results) {
    json out;
    out["scenario"] = p.name;
    out["seed"] = p.seed;
    out["duration_s"] = p.duration_s;
    out["guests"] = p.guests.size();
    out["report_mib"] = p.report_mib;
    out["notify_discards"] = p.notify_discards;
    for (const auto& r : results) {
        json s;
        s["returned"] = r.returned;
        s["return_s"] = r.return_s;
        s["return_cpu_ms"] = r.return_cpu_ms;
        s["return_pages_touched"] = r.return_pages_touched;
        s["shrink_requested_mib"] = r.shrink_requested_mib;
        s["shrink_met_mib"] = r.shrink_met_mib;
        s["failures"] = r.work.failures;
        s["reads"] = r.reads.reads;
        s["page_cache_hits"] = r.reads.page_cache_hits;
        s["tmem_hits"] = r.reads.second_level_hits;
        s["hit_ratio"] = hit_ratio(r.reads);
        s["min_host_free_mib"] = r.min_host_free_mib;
        s["seconds_below_target"] = r.seconds_below_target;
        s["cpu_s"] = r.work.cpu_us / 1e6;
        s["refault_s"] = r.work.refault_us / 1e6;
        s["requests"] = r.work.requests;
        s["dropped"] = r.work.dropped;
        s["reclaimed"] = r.work.reclaimed;
        s["swapped_out"] = r.work.swapped_out;
        s["swapped_in"] = r.work.swapped_in;
        s["migrated"] = r.work.migrated;
        s["host_discarded"] = r.work.host_discarded;
        s["discards_learnt"] = r.work.discards_learnt;
        s["unpluggable_blocks"] = r.unpluggable_blocks;
        s["tag_reserve_peak_mib"] = r.tag_reserve_peak_mib;
        s["tag_reserve_mean_mib"] = r.tag_reserve_mean_mib;
        if (r.strategy == sim::tmem_strategy::tmem)
            s["tag_reserve_untagged_region_mib"] = r.tag_reserve_untagged_region_mib;
        json samples = json::array();
        for (const sim::tmem_sample& x : r.samples)
            samples.push_back({{"time_s", x.time_s},
                               {"target_free_mib", x.target_free_mib},
                               {"host_free_mib", x.host_free_mib},
                               {"hit_ratio", x.hit_ratio},
                               {"tag_reserve_mib", x.tag_reserve_mib}});
        s["samples"] = std::move(samples);
        out["strategies"][sim::strategy_name(r.strategy)] = std::move(s);
    }
    return out;
}

void print_csv(const sim::tmem_params& p, const std::vector<sim::tmem_result>& results) {
    fmt::print("scenario,seed,strategy,returned,return_s,return_cpu_ms,shrink_requested_mib,"
               "shrink_met_mib,failures,hit_ratio,tmem_hits,min_host_free_mib,"
               "seconds_below_target,cpu_s,swapped_out,migrated,host_discarded,"
               "tag_reserve_peak_mib,tag_reserve_mean_mib\n");
    for (const auto& r : results)
        fmt::print("{},{},{},{},{:.3f},{:.3f},{:.1f},{:.1f},{},{:.6f},{},{:.1f},{:.2f},{:.4f},{},"
                   "{},{},{:.2f},{:.2f}\n",
                   csv_field(p.name), p.seed, csv_field(sim::strategy_name(r.strategy)),
                   r.returned ? 1 : 0, r.return_s, r.return_cpu_ms, r.shrink_requested_mib,
                   r.shrink_met_mib, r.work.failures, hit_ratio(r.reads), r.reads.second_level_hits,
                   r.min_host_free_mib, r.seconds_below_target, r.work.cpu_us / 1e6,
                   r.work.swapped_out, r.work.migrated, r.work.host_discarded,
                   r.tag_reserve_peak_mib, r.tag_reserve_mean_mib);
}

// One figure, two panels: the host's free memory (and its target) and the guests' hit ratio over
// time, one line per strategy.
void plot_results(output_file& file, const sim::tmem_params& p,
                  const std::vector<sim::tmem_result>& results) {
    // Okabe-Ito colours, readable by colour-blind readers (as plot.hpp's).
    const char* colours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7"};
    plot_panel memory;
    memory.title = "Host free memory";
    memory.x_label = "time, s";
    memory.y_label = "MiB";
    plot_panel hits;
    hits.title = "Guests' hit ratio (page cache + tmem), per second";
    hits.x_label = "time, s";
    hits.y_label = "hit ratio";
    hits.percent_y = true;
    plot_series target;
    target.title = "free target";
    target.colour = "#000000";
    target.style = dash::dashed;
    for (size_t i = 0; i < results.size(); ++i) {
        const sim::tmem_result& r = results[i];
        plot_series m, h;
        m.title = h.title = sim::strategy_name(r.strategy);
        m.colour = h.colour = colours[i % 4];
        for (const sim::tmem_sample& s : r.samples) {
            m.x.push_back(s.time_s);
            m.y.push_back(s.host_free_mib);
            h.x.push_back(s.time_s);
            h.y.push_back(s.hit_ratio);
            if (i == 0) {
                target.x.push_back(s.time_s);
                target.y.push_back(s.target_free_mib);
            }
        }
        memory.series.push_back(std::move(m));
        hits.series.push_back(std::move(h));
    }
    memory.series.push_back(std::move(target));
    plot_figure figure;
    figure.title =
        "Giving guest memory back: virtio-tmem, virtio-balloon, virtio-mem (" + p.name + ")";
    figure.panels.push_back(std::move(memory));
    figure.panels.push_back(std::move(hits));
    tagsim::plot(file, figure);
    fmt::print(stderr, "tagsim: plotted {}\n", sim::printable(file.path()));
}

void run(const tmem_options& options) {
    if (options.json && options.csv)
        throw std::invalid_argument("--json and --csv exclude each other");
    // Before the run, not after it.
    const std::unique_ptr<output_file> figure =
        options.plot ? open_plot_file(*options.plot) : nullptr;
    sim::tmem_params p = options.scenario_path ? read_tmem_scenario(*options.scenario_path)
                                               : sim::default_tmem_params();
    if (options.pressure_trace) {
        if (options.pressure_trace->empty())
            throw std::invalid_argument("--pressure: must name a file, not ''");
        p.pressure = read_pressure_trace(*options.pressure_trace, max_free_target_mib(p));
    }
    apply_tmem_overrides(p, options.seed, options.duration_s);
    std::vector<sim::tmem_result> results;
    for (const sim::tmem_strategy s : sim::tmem_strategies)
        results.push_back(sim::run_tmem_strategy(p, s));
    if (options.json)
        fmt::print("{}\n", to_json(p, results).dump(2));
    else if (options.csv)
        print_csv(p, results);
    else
        print_table(p, results);
    if (figure)
        plot_results(*figure, p, results);
}

} // namespace

void add_tmem_command(CLI::App& app) {
    auto options = std::make_shared<tmem_options>();
    CLI::App* command = app.add_subcommand(
        "tmem",
        "Hosts lending guests memory and taking it back (docs/tmem.md): virtio-tmem, "
        "virtio-balloon and virtio-mem side by side. Without a scenario, the built-in one.");
    command->add_option("scenario", options->scenario_path,
                        "a tmem scenario, a JSON file (docs/tmem.md)");
    command->add_option("--pressure", options->pressure_trace,
                        "a host pressure trace (lines 'TIME_S FREE_TARGET_MIB', plain or zstd), "
                        "replacing the scenario's");
    command->add_option("--seed", options->seed, "override the scenario's seed");
    command->add_option("--duration", options->duration_s,
                        "override the scenario's duration, in seconds of model time");
    command->add_flag("--json", options->json, "print one JSON object (with the time series)");
    command->add_flag("--csv", options->csv, "print CSV (a header, one row per strategy)");
    command->add_option("--plot", options->plot,
                        "render host free memory and the hit ratio over time to this PNG or SVG "
                        "(needs gnuplot)");
    command->callback([options] { run(*options); });
}

} // namespace tagsim
