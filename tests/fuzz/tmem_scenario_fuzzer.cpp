// Fuzzes `tagsim tmem`'s two readers with the same bytes: as a tmem scenario
// (sim/cli/tmem_scenario.cpp; a "pressure-trace" it names is read from these bytes too, never a
// file) and as a host pressure trace. The oracle: each either refuses with scenario_error, one
// bounded line naming the place (a field path, or the trace and a line), or accepts what stays
// in the documented bounds (the checks pass again; the work and memory bounds hold; pressure
// points in range and in order); an accepted scenario small enough to run here runs.
#include <tagsim/tmem/tmem_host.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "fuzz_support.hpp"
#include "scenario.hpp"
#include "tmem_scenario.hpp"

namespace {

namespace sim = tagcache::sim;
using tagcache::fuzz::expect;

// One line under 1,000 bytes that begins with `place` (a field path starts with a letter, a
// bracketed index or "not valid JSON"), then ": " and a reason.
void expect_one_line(const char* what) {
    const size_t length = std::strlen(what);
    expect(length > 0 && length < 1000, "an error is empty or unbounded", length);
    for (const char* c = what; *c != '\0'; ++c)
        expect(static_cast<unsigned char>(*c) >= 0x20 && *c != 0x7f,
               "an error holds a control character", static_cast<unsigned char>(*c));
    expect(std::strstr(what, ": ") != nullptr, "an error names no place");
}

void expect_points_in_bounds(const std::vector<sim::pressure_point>& points, double max_target) {
    expect(!points.empty() && points.size() <= tagsim::max_pressure_points,
           "a pressure trace accepted with no points or too many", points.size());
    for (size_t i = 0; i < points.size(); ++i) {
        expect(points[i].time_s >= 0 && points[i].time_s <= tagsim::max_pressure_time_s,
               "a pressure point's time is out of range", i);
        expect(points[i].free_target_mib >= 0 && points[i].free_target_mib <= max_target,
               "a pressure point's target is out of range", i);
        expect(i == 0 || points[i].time_s >= points[i - 1].time_s, "pressure times decrease", i);
    }
}

std::vector<sim::pressure_point> read_trace_bytes(const std::string& bytes, const std::string& name,
                                                  double max_target) {
    if (bytes.empty()) // fmemopen refuses an empty buffer; an empty trace has no points
        throw tagsim::scenario_error(name + ": no points");
    std::FILE* file = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
    sim::trace_line_reader reader(name, file);
    return tagsim::read_pressure_trace(reader, max_target);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);

    try {
        const sim::tmem_params p = tagsim::parse_tmem_scenario(
            text, "fuzz", [&](const std::string& path, double max_target) {
                return read_trace_bytes(text, path, max_target);
            });
        tagsim::check_tmem_params(p);
        expect(p.guests.size() >= 2 && p.guests.size() <= 64, "guests out of range",
               p.guests.size());
        expect(p.duration_s >= p.tick_s && p.duration_s / p.tick_s <= 1e6, "steps out of range");
        double reads_per_s = 0;
        for (const sim::tmem_guest_params& g : p.guests)
            reads_per_s += g.reads_per_s;
        expect(p.duration_s * reads_per_s <= tagsim::max_tmem_file_reads,
               "an accepted scenario reads more than the bound");
        expect_points_in_bounds(p.pressure, tagsim::max_free_target_mib(p));
        // Small enough to run in a fuzzer's time: every strategy, for what it is worth.
        if (sim::tmem_required_bytes(p) <= (size_t{8} << 20) && p.duration_s / p.tick_s <= 200 &&
            p.duration_s * reads_per_s <= 20000)
            for (const sim::tmem_strategy s : sim::tmem_strategies) {
                const sim::tmem_result r = sim::run_tmem_strategy(p, s);
                expect(r.reads.page_cache_hits + r.reads.second_level_hits <= r.reads.reads,
                       "more hits than reads");
                expect(!r.samples.empty(), "a run that measured nothing");
            }
    } catch (const tagsim::scenario_error& e) {
        expect_one_line(e.what());
    }

    try {
        expect_points_in_bounds(read_trace_bytes(text, "fuzz.trace", 15360), 15360);
    } catch (const tagsim::scenario_error& e) {
        expect_one_line(e.what());
        expect(std::strncmp(e.what(), "fuzz.trace:", 11) == 0,
               "a pressure trace error does not name the trace");
    }
    return 0;
}
