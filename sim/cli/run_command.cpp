#include "run_command.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "plot.hpp"
#include "report.hpp"
#include "run_figure.hpp"
#include "scenario.hpp"
#include "scenario_run.hpp"

namespace tagsim {
namespace {

struct run_options {
    std::optional<std::string> scenario_path;    // none: the built-in scenario
    std::optional<std::string> seed, duration_s; // strict: parsed by apply_overrides
    bool json = false, csv = false;
    std::optional<std::string> plot; // given: the figure's path ('' is refused)
};

void run(const run_options& options) {
    if (options.json && options.csv)
        throw std::invalid_argument("--json and --csv exclude each other");
    // Before the run, not after it.
    const std::unique_ptr<output_file> figure =
        options.plot ? open_plot_file(*options.plot) : nullptr;
    scenario what =
        options.scenario_path ? read_scenario(*options.scenario_path) : default_scenario();
    apply_overrides(what, options.seed, options.duration_s);
    tagcache::sim::simulation_result raw;
    const run_summary summary =
        run_scenario(what, !options.json && !options.csv, figure ? &raw : nullptr);
    if (options.json)
        fmt::print("{}\n", to_json(summary).dump(2));
    else if (options.csv)
        fmt::print("{}\n{}", csv_header(), csv_rows(summary));
    else
        print_table(summary);
    if (figure) {
        plot(*figure, run_figure(summary, raw));
        fmt::print(stderr, "tagsim: plotted {}\n", tagcache::sim::printable(figure->path()));
    }
}

void add_options(CLI::App* command, run_options& options) {
    command->add_option("--seed", options.seed, "override the scenario's workload seed");
    command->add_option("--duration", options.duration_s,
                        "override the scenario's duration, in seconds of model time");
    command->add_flag("--json", options.json, "print one JSON object instead of a table");
    command->add_flag("--csv", options.csv, "print CSV (a header, one row per strategy)");
    command->add_option(
        "--plot", options.plot,
        "also draw the run's figure (latency, failures, migrations, tag storage use, hit "
        "ratio) to this .png or .svg (needs gnuplot)");
}

} // namespace

void add_run_command(CLI::App& app) {
    auto top = std::make_shared<run_options>();
    add_options(&app, *top);
    auto options = std::make_shared<run_options>();
    CLI::App* command = app.add_subcommand(
        "run", "Run a scenario file (docs/tagsim.md) through both strategies, side by side.");
    command->add_option("scenario", options->scenario_path, "the scenario, a JSON file")
        ->required();
    add_options(command, *options);
    command->callback([options] { run(*options); });
    // No subcommand: the built-in scenario.
    app.callback([&app, top] {
        if (app.get_subcommands().empty())
            run(*top);
    });
}

} // namespace tagsim
