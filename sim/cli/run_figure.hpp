// The figure of `tagsim run --plot`: six panels telling what the table tells, both strategies
// in each (docs/tagsim.md, "Figures").
#pragma once

#include "plot.hpp"
#include "scenario_run.hpp"

namespace tagsim {

// `raw` must hold the time series (run_scenario with a raw result).
plot_figure run_figure(const run_summary& summary, const tagcache::sim::simulation_result& raw);

} // namespace tagsim
