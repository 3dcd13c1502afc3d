// The tmem scenario (docs/tmem.md, "Scenario"): a host, its guests and the host's free-memory
// target over time, in the JSON style of tagsim's other scenarios; the pressure as points in
// the file or as a trace file ("TIME_S FREE_TARGET_MIB" lines). Every field is optional: what a
// file leaves out keeps the default scenario's value (sim::default_tmem_params()).
#pragma once

#include <tagsim/tmem/tmem_params.hpp>
#include <tagsim/trace/trace_stream.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tagsim {

// Bounds of a tmem scenario beyond each field's range (docs/tmem.md, "Scenario").
inline constexpr double max_pressure_time_s = 1e6;
inline constexpr size_t max_pressure_points = 100000;
// Each strategy makes every file read of the run: duration-s x the guests' reads-per-s summed,
// at most this many (as `run` bounds its steps at 2e9).
inline constexpr double max_tmem_file_reads = 1e9;

// Reads a scenario's "pressure-trace" (path, the largest free target allowed); a fuzzer gives
// one that opens no file.
using pressure_trace_reader = std::function<std::vector<tagcache::sim::pressure_point>(
    const std::string& path, double max_target_mib)>;

// Parses a tmem scenario; `base_dir` resolves a relative "pressure-trace", which `read_trace`
// reads (read_pressure_trace when empty). Throws scenario_error ("FIELD: reason").
tagcache::sim::tmem_params parse_tmem_scenario(const std::string& json_text,
                                               const std::string& base_dir,
                                               const pressure_trace_reader& read_trace = {});
// Reads a scenario file (at most max_scenario_bytes); errors name the file too.
tagcache::sim::tmem_params read_tmem_scenario(const std::string& path);

// Reads a pressure trace, plain or zstd: one "TIME_S FREE_TARGET_MIB" a line (at most
// trace_line_reader::max_line_bytes), '#' comments and blank lines ignored, times
// non-decreasing, each point in range (targets up to `max_target_mib`, the scenario's
// max_free_target_mib). Throws scenario_error "FILE:LINE: reason, not 'the value as given'".
std::vector<tagcache::sim::pressure_point> read_pressure_trace(const std::string& path,
                                                               double max_target_mib);
std::vector<tagcache::sim::pressure_point>
read_pressure_trace(tagcache::sim::trace_line_reader& reader, double max_target_mib);

// The largest free-memory target the host can keep: host-mib - host-reserved-mib.
double max_free_target_mib(const tagcache::sim::tmem_params& p);

// Checks every field (ranges, the guests' memory against the host's, the pressure points, the
// work and memory bounds). Throws scenario_error naming the field.
void check_tmem_params(const tagcache::sim::tmem_params& p);
// The same without the pressure points (checked before a trace is read against the host).
void check_host_and_guests(const tagcache::sim::tmem_params& p);

// --seed and --duration, strictly parsed, then the scenario checked again.
void apply_tmem_overrides(tagcache::sim::tmem_params& p, const std::optional<std::string>& seed,
                          const std::optional<std::string>& duration_s);

} // namespace tagsim
