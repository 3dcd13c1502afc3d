#include "sweep_command.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "plot.hpp"
#include "policies.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "scenario_run.hpp"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;
using tagcache::page_key;

struct sweep_options {
    std::optional<std::string> scenario_path; // none: the built-in scenario
    std::string vary;
    std::vector<std::string> values; // empty: the defaults of `vary`; strict reals
    std::optional<std::string> duration_s;
    std::optional<std::string> plot; // given: the figure's path ('' is refused)
};

// The cleancache traffic of the scenario's file reads: each page cache miss a lookup, each
// eviction a store, in order.
struct file_traffic {
    std::vector<page_key> keys;
    std::vector<bool> is_store;
    uint32_t inodes = 0; // inode handles its pools need (sim::inode_capacity_for)
};

file_traffic record_file_traffic(const sim::mixed_workload_params& params) {
    file_traffic traffic;
    sim::mixed_workload workload(params);
    const auto sink = [&](const sim::workload_event& e) {
        if (e.op == sim::workload_op::store_file || e.op == sim::workload_op::restore_file) {
            traffic.keys.push_back(e.key);
            traffic.is_store.push_back(e.op == sim::workload_op::store_file);
        }
    };
    workload.fill(sink);
    for (uint64_t i = 0; i < params.steps(); ++i)
        workload.step(sink);
    traffic.inodes = sim::inode_capacity_for(params.files());
    return traffic;
}

// Hit ratio of a cleancache of `capacity` pages that sees `traffic` and nothing else.
template <class Config>
std::pair<uint64_t, uint64_t> replay_traffic(const file_traffic& traffic, uint32_t capacity) {
    tagcache::pool_geometry geometry;
    geometry.slots = capacity;
    geometry.inodes = traffic.inodes;
    tagcache::owned_pool<Config> pool(geometry);
    const tagcache::pfn_range pages{0, capacity};
    const uint32_t donor =
        pool->register_donor("tags", tagcache::span<const tagcache::pfn_range>(&pages, 1)).value();
    pool->donate_range(donor, pages);
    const tagcache::fs_id fs = pool->add_fs().value();
    uint64_t lookups = 0, hits = 0;
    for (size_t i = 0; i < traffic.keys.size(); ++i) {
        const page_key key{fs, traffic.keys[i].inode, traffic.keys[i].index};
        if (traffic.is_store[i]) {
            (void)pool->store(key, 0, nullptr);
            continue;
        }
        ++lookups;
        const auto filled = pool->restore(key, 0, nullptr);
        hits += filled && filled->all(0) ? 1u : 0u;
    }
    return {lookups, hits};
}

void sweep_capacity(const scenario& what, std::vector<double> values, output_file* plot) {
    const uint64_t page_bytes = static_cast<uint64_t>(what.page);
    const uint64_t tag_mib = what.map().total_tag_pages() * page_bytes >> 20;
    if (values.empty())
        for (uint64_t mib = 16; mib <= 4 * std::max<uint64_t>(tag_mib, 16); mib *= 2)
            values.push_back(static_cast<double>(mib));
    for (const double mib : values) { // all checked before any output
        if (!(mib > 0) || mib * 1048576.0 / static_cast<double>(page_bytes) < 1 ||
            mib * 1048576.0 / static_cast<double>(page_bytes) > 4294967294.0)
            throw std::invalid_argument(fmt::format(
                "--values: capacity {} MiB is not between one page and 2^32 - 2 pages", mib));
        tagcache::pool_geometry geometry;
        geometry.slots = static_cast<uint32_t>(mib * 1048576.0 / static_cast<double>(page_bytes));
        geometry.inodes = sim::inode_capacity_for(what.workload.files());
        sim::require_memory(fmt::format("--values: a cleancache of {} MiB", mib),
                            tagcache::cleancache_pool<>::required_bytes(geometry));
    }
    const file_traffic traffic = record_file_traffic(what.workload);
    fmt::print("capacity_mib,capacity_pages,policy,lookups,hits,hit_ratio\n");
    plot_series line{"cleancache", cleancache_colour, dash::solid, false};
    for (const double mib : values) {
        const auto pages = static_cast<uint64_t>(mib * 1048576.0 / static_cast<double>(page_bytes));
        std::pair<uint64_t, uint64_t> counts;
        with_policy(what.policy, [&]<class Eviction>() {
            counts = replay_traffic<sim::default_pool_config_with_eviction<Eviction>>(
                traffic, static_cast<uint32_t>(pages));
        });
        const double ratio = counts.first == 0 ? 0.0
                                               : static_cast<double>(counts.second) /
                                                     static_cast<double>(counts.first);
        fmt::print("{},{},{},{},{},{:.6f}\n", mib, pages, what.policy, counts.first, counts.second,
                   ratio);
        line.x.push_back(mib);
        line.y.push_back(ratio);
    }
    if (plot == nullptr)
        return;
    plot_figure figure;
    plot_panel panel{"Cleancache hit ratio by capacity ('" + what.name +
                         "' file reads replayed, no tag take-backs)",
                     "cleancache capacity, MiB (log scale)",
                     "page-cache misses the cleancache served"};
    panel.log_x = panel.percent_y = true;
    panel.log_base = 2;
    line.title = "cleancache, " + what.policy + " eviction";
    line.points = true;
    panel.series.push_back(std::move(line));
    panel.markers.push_back({static_cast<double>(tag_mib),
                             fmt::format("this scenario's tag storage: {} MiB", tag_mib)});
    figure.panels.push_back(std::move(panel));
    tagsim::plot(*plot, figure);
}

void sweep_policy(scenario what, const std::vector<double>& values) {
    if (!values.empty())
        throw std::invalid_argument("--values: --vary policy runs every policy; give no values");
    fmt::print("{}\n", csv_header());
    for (const char* policy : tagcache::eviction_policies::names) {
        what.policy = policy;
        fmt::print("{}", csv_rows(run_scenario(what, true)));
        std::fflush(stdout);
    }
}

// Share of tag storage not holding tags once tagged folios (orders uniform in 0..max, as the
// scenario's churn draws them) fill a fraction f of memory, placed by `placement`.
double simulated_lendable(const tagcache::tag_map& map, sim::tagged_placement placement, double f,
                          unsigned max_order, uint64_t seed) {
    sim::cleancache_machine<> machine(map);
    machine.place_with(sim::page_placer(placement, seed));
    uint64_t data_pages = 0;
    for (const tagcache::tag_region& region : map.regions())
        data_pages += region.memory.count;
    const auto target = static_cast<uint64_t>(f * static_cast<double>(data_pages));
    uint64_t state = seed, tagged = 0;
    while (tagged < target) {
        state = state * 6364136223846793005ull + 1442695040888963407ull; // order choice only
        const auto order = static_cast<unsigned>((state >> 33) % (max_order + 1));
        if (machine.allocate(order, sim::allocation_kind::tagged, {}).error != tagcache::errc::ok)
            break; // memory full
        tagged += uint64_t{1} << order;
    }
    return 1.0 - static_cast<double>(machine.stats().tag_pages_tags) /
                     static_cast<double>(map.total_tag_pages());
}

// docs/tagsim.md: P(block lendable) = prod_k (1 - f_k)^(32 bsp / 2^k), f_k the fraction of
// memory in order-k folios; orders drawn uniformly put a share 2^k / sum_j 2^j of the tagged
// pages in order k. A folio larger than a block needs whole blocks: exponent 1.
double formula_lendable(double f, unsigned max_order, uint64_t block_pages) {
    double weights = 0;
    for (unsigned k = 0; k <= max_order; ++k)
        weights += std::ldexp(1.0, static_cast<int>(k));
    double p = 1;
    for (unsigned k = 0; k <= max_order; ++k) {
        const double share = f * std::ldexp(1.0, static_cast<int>(k)) / weights;
        const double slots = std::max(1.0, 32.0 * static_cast<double>(block_pages) /
                                               std::ldexp(1.0, static_cast<int>(k)));
        p *= std::pow(1.0 - share, slots);
    }
    return p;
}

void sweep_tagged_fraction(const scenario& what, std::vector<double> values, output_file* plot) {
    if (values.empty())
        values = {0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5};
    const tagcache::tag_map map = what.map();
    uint64_t block_pages = 0;
    for (const tagcache::tag_region& region : map.regions())
        block_pages = std::max<uint64_t>(block_pages, region.block_pages);
    for (const double f : values) // all checked before any output
        if (!(f >= 0 && f <= 1))
            throw std::invalid_argument(
                fmt::format("--values: tagged fraction {} is not between 0 and 1", f));
    const unsigned max_order = what.workload.tagged_max_order;
    fmt::print("tagged_fraction,max_order,block_pages,lendable_formula,lendable_scattered,"
               "lendable_clustered\n");
    plot_series formula{"formula", "#555555", dash::dashed, false},
        scattered{"scattered", cleancache_colour, dash::solid, false},
        clustered{"clustered", "#009E73", dash::solid, false};
    for (const double f : values) {
        const double expected = formula_lendable(f, max_order, block_pages);
        const double s = simulated_lendable(map, sim::tagged_placement::scattered, f, max_order,
                                            what.workload.seed);
        const double c = simulated_lendable(map, sim::tagged_placement::clustered, f, max_order,
                                            what.workload.seed);
        fmt::print("{},{},{},{:.6f},{:.6f},{:.6f}\n", f, max_order, block_pages, expected, s, c);
        std::fflush(stdout);
        for (auto* line : {&formula, &scattered, &clustered})
            line->x.push_back(f);
        formula.y.push_back(expected);
        scattered.y.push_back(s);
        clustered.y.push_back(c);
    }
    if (plot == nullptr)
        return;
    plot_figure figure;
    plot_panel panel{
        fmt::format("Tag storage lendable once tagged folios (orders 0-{}) fill a share "
                    "of '{}'",
                    max_order, what.name),
        "tagged memory, % of all memory", "tag storage not needed for tags"};
    panel.percent_y = true;
    formula.title =
        fmt::format("formula: each of a block's 32x{} pages tagged independently", block_pages);
    scattered.title = "simulated, tagged folios scattered over memory";
    clustered.title = "simulated, tagged folios clustered at the bottom";
    for (auto* line : {&formula, &scattered, &clustered})
        for (double& x : line->x)
            x *= 100; // per cent of memory
    for (auto* line : {&formula, &scattered, &clustered})
        line->points = true;
    panel.series = {formula, scattered, clustered};
    figure.panels.push_back(std::move(panel));
    tagsim::plot(*plot, figure);
}

void sweep(const sweep_options& options) {
    if (options.vary != "capacity" && options.vary != "policy" && options.vary != "tagged-fraction")
        throw std::invalid_argument("unknown --vary " + tagcache::sim::quoted(options.vary) +
                                    " (choose capacity|policy|tagged-fraction)");
    if (options.plot && options.vary == "policy")
        throw std::invalid_argument("--plot: --vary policy has no plot (capacity and "
                                    "tagged-fraction have)");
    // Before the run, not after it.
    const std::unique_ptr<output_file> figure =
        options.plot ? open_plot_file(*options.plot) : nullptr;
    std::vector<double> values;
    for (const std::string& text : options.values) {
        const auto number = tagcache::sim::parse_real(text);
        if (!number.ok())
            throw std::invalid_argument("--values: " + number.why());
        values.push_back(number.value());
    }
    scenario what =
        options.scenario_path ? read_scenario(*options.scenario_path) : default_scenario();
    apply_overrides(what, std::nullopt, options.duration_s);
    if (options.vary == "capacity")
        sweep_capacity(what, values, figure.get());
    else if (options.vary == "policy")
        sweep_policy(what, values);
    else
        sweep_tagged_fraction(what, values, figure.get());
    if (figure)
        fmt::print(stderr, "tagsim: plotted {}\n", tagcache::sim::printable(figure->path()));
}

} // namespace

void add_sweep_command(CLI::App& app) {
    auto options = std::make_shared<sweep_options>();
    CLI::App* command = app.add_subcommand(
        "sweep", "Vary one thing of a scenario and print CSV: the cleancache's capacity (its hit "
                 "ratio on the scenario's file traffic), its eviction policy (full runs), or the "
                 "tagged fraction of memory (lendable tag storage, simulated and by formula).");
    command->add_option("scenario", options->scenario_path,
                        "a scenario file (default: the built-in scenario)");
    command->add_option("--vary", options->vary, "capacity|policy|tagged-fraction")->required();
    command
        ->add_option("--values", options->values,
                     "values to try (capacity in MiB, tagged fraction in 0..1); default: a "
                     "range docs/tagsim.md gives")
        ->delimiter(',');
    command->add_option("--duration", options->duration_s,
                        "override the scenario's duration, in seconds of model time");
    command->add_option("--plot", options->plot,
                        "also draw the sweep to this .png or .svg with gnuplot (capacity, "
                        "tagged-fraction)");
    command->callback([options] { sweep(*options); });
}

} // namespace tagsim
