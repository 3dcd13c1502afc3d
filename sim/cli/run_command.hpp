// `tagsim` (no subcommand: the built-in scenario) and `tagsim run SCENARIO.json`: one workload
// through both tag-storage strategies, printed side by side.
#pragma once

#include <CLI/CLI.hpp>

namespace tagsim {
// Adds `run`, and the same options to the top level for the built-in scenario.
void add_run_command(CLI::App& app);
} // namespace tagsim
