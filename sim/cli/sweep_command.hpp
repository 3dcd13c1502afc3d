// `tagsim sweep`: one scenario with one thing varied (the cleancache's capacity, its eviction
// policy, or the tagged fraction of memory), CSV out.
#pragma once

#include <CLI/CLI.hpp>

namespace tagsim {
void add_sweep_command(CLI::App& app);
} // namespace tagsim
