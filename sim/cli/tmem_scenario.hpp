// The tmem scenario (docs/tmem.md, "Scenario"): a host, its guests and the host's free-memory
// target over time, in the JSON style of tagsim's other scenarios; the pressure as points in
// the file or as a trace file ("TIME_S FREE_TARGET_MIB" lines). Every field is optional: what a
// file leaves out keeps the default scenario's value (sim::default_tmem_params()).
#pragma once

#include <tagsim/tmem_params.hpp>

#include <optional>
#include <string>

namespace tagsim {

// Parses a tmem scenario; `base_dir` resolves a relative "pressure-trace". Throws
// scenario_error ("FIELD: reason").
tagcache::sim::tmem_params parse_tmem_scenario(const std::string& json_text,
                                               const std::string& base_dir);
// Reads a scenario file (at most max_scenario_bytes); errors name the file too.
tagcache::sim::tmem_params read_tmem_scenario(const std::string& path);
// Reads a pressure trace: one "TIME_S FREE_TARGET_MIB" a line, '#' comments and blank lines
// ignored, times non-decreasing. Throws scenario_error "FILE:LINE: reason".
std::vector<tagcache::sim::pressure_point> read_pressure_trace(const std::string& path);

// Checks every field (ranges, the guests' memory against the host's, the pressure points).
// Throws scenario_error naming the field.
void check_tmem_params(const tagcache::sim::tmem_params& p);

// --seed and --duration, strictly parsed, then the scenario checked again.
void apply_tmem_overrides(tagcache::sim::tmem_params& p, const std::optional<std::string>& seed,
                          const std::optional<std::string>& duration_s);

} // namespace tagsim
