// `tagsim replay`: a block trace through the pool as a demand-paging cache.
#pragma once

#include <CLI/CLI.hpp>

namespace tagsim {
void add_replay_command(CLI::App& app);
} // namespace tagsim
