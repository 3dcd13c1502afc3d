#include "tmem_scenario.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tagsim/tmem/tmem_host.hpp>
#include <tagsim/trace/number_text.hpp>

#include <cmath>
#include <sstream>
#include <string_view>

#include "scenario.hpp"
#include "scenario_json.hpp"

namespace tagsim {
namespace {

using nlohmann::json;
namespace sim = tagcache::sim;

double number(const json& value, const std::string& field) {
    if (!value.is_number())
        fail(field, "must be a number, not " + quote(value));
    return value.get<double>();
}

// Reads object[key] into `out` if present.
void read(const json& object, const char* key, const std::string& where, double& out) {
    if (const auto it = object.find(key); it != object.end())
        out = number(*it, where.empty() ? key : where + "." + key);
}

void read_guest(const json& object, const std::string& where, sim::tmem_guest_params& g) {
    only_keys(object, where,
              {"boot-mib", "flexible-mib", "anon-mib", "kernel-mib", "swap-mib", "reads-per-s",
               "file-set-mib", "hot-set-mib", "hot-share", "file-mib"});
    read(object, "boot-mib", where, g.boot_mib);
    read(object, "flexible-mib", where, g.flexible_mib);
    read(object, "anon-mib", where, g.anon_mib);
    read(object, "kernel-mib", where, g.kernel_mib);
    read(object, "swap-mib", where, g.swap_mib);
    read(object, "reads-per-s", where, g.reads_per_s);
    read(object, "file-set-mib", where, g.file_set_mib);
    read(object, "hot-set-mib", where, g.hot_set_mib);
    read(object, "hot-share", where, g.hot_share);
    read(object, "file-mib", where, g.file_mib);
}

void check_range(double value, double low, double high, const std::string& field) {
    if (!(value >= low && value <= high))
        fail(field, fmt::format("must be between {} and {}, not {}", low, high, value));
}

void check_guest_count(size_t guests) {
    if (guests < 2 || guests > 64)
        fail("guests", fmt::format("must hold 2 to 64 guests, not {}", guests));
}

} // namespace

std::vector<sim::pressure_point> read_pressure_trace(sim::trace_line_reader& reader,
                                                     double max_target_mib) {
    std::vector<sim::pressure_point> points;
    try {
        // The stream bounds every line (trace_line_reader::max_line_bytes) before it is split.
        reader.for_each_line('#', [&](uint64_t number, std::string_view line) {
            const auto refuse = [&](const std::string& why) {
                throw scenario_error(fmt::format("{}:{}: {}", reader.path(), number, why));
            };
            std::istringstream fields{std::string(line)};
            std::string time_text, target_text, extra;
            if (!(fields >> time_text >> target_text) || (fields >> extra))
                refuse("expected TIME_S FREE_TARGET_MIB, not " + sim::quoted(line));
            const auto time = sim::parse_real(time_text);
            const auto target = sim::parse_real(target_text);
            if (!time.ok() || !target.ok())
                refuse(time.ok() ? target.why() : time.why());
            if (!(time.value() >= 0 && time.value() <= max_pressure_time_s))
                refuse(fmt::format("time must be between 0 and {} s, not {}", max_pressure_time_s,
                                   sim::quoted(time_text)));
            if (!(target.value() >= 0 && target.value() <= max_target_mib))
                refuse(fmt::format("free target must be between 0 and {} MiB (host-mib - "
                                   "host-reserved-mib), not {}",
                                   max_target_mib, sim::quoted(target_text)));
            if (!points.empty() && time.value() < points.back().time_s)
                refuse(fmt::format("times must not decrease ({} after {})", sim::quoted(time_text),
                                   points.back().time_s));
            if (points.size() >= max_pressure_points)
                refuse(fmt::format("more than {} points", max_pressure_points));
            points.push_back({time.value(), target.value()});
        });
    } catch (const sim::trace_error& e) {
        throw scenario_error(e.what()); // cannot open, a line too long, a read error
    }
    if (points.empty())
        throw scenario_error(reader.path() + ": no points");
    return points;
}

std::vector<sim::pressure_point> read_pressure_trace(const std::string& path,
                                                     double max_target_mib) {
    if (path.empty())
        throw scenario_error("a pressure trace must be a file name, not ''");
    try {
        sim::trace_line_reader reader(path);
        return read_pressure_trace(reader, max_target_mib);
    } catch (const sim::trace_error& e) {
        throw scenario_error(e.what());
    }
}

double max_free_target_mib(const sim::tmem_params& p) {
    return p.host_mib - p.host_reserved_mib;
}

sim::tmem_params parse_tmem_scenario(const std::string& json_text, const std::string& base_dir,
                                     const pressure_trace_reader& read_trace) {
    const json root = parse_scenario_json(json_text);
    only_keys(root, "",
              {"kind", "name", "seed", "duration-s", "tick-s", "host-mib", "host-reserved-mib",
               "block-mib", "sudden-mib", "report-mib", "notify-discards", "guests", "pressure",
               "pressure-trace"});
    sim::tmem_params p = sim::default_tmem_params();
    if (const auto it = root.find("kind"); it != root.end() && *it != "tmem")
        fail("kind", "must be \"tmem\", not " + quote(*it));
    if (const auto it = root.find("name"); it != root.end())
        p.name = read_name(*it, "name");
    if (const auto it = root.find("seed"); it != root.end()) {
        if (!it->is_number_unsigned())
            fail("seed", "must be an unsigned integer, not " + quote(*it));
        p.seed = it->get<uint64_t>();
    }
    read(root, "duration-s", "", p.duration_s);
    read(root, "tick-s", "", p.tick_s);
    read(root, "host-mib", "", p.host_mib);
    read(root, "host-reserved-mib", "", p.host_reserved_mib);
    read(root, "block-mib", "", p.block_mib);
    read(root, "sudden-mib", "", p.sudden_mib);
    read(root, "report-mib", "", p.report_mib);
    if (const auto it = root.find("notify-discards"); it != root.end()) {
        if (!it->is_boolean())
            fail("notify-discards", "must be true or false, not " + quote(*it));
        p.notify_discards = it->get<bool>();
    }
    if (const auto it = root.find("guests"); it != root.end()) {
        if (!it->is_array())
            fail("guests", "must be an array of guests, not " + quote(*it));
        check_guest_count(it->size());
        p.guests.clear();
        for (size_t i = 0; i < it->size(); ++i) {
            sim::tmem_guest_params g; // a guest's fields default to the first default guest's
            read_guest((*it)[i], fmt::format("guests[{}]", i), g);
            p.guests.push_back(g);
        }
    }
    const auto points = root.find("pressure");
    const auto trace = root.find("pressure-trace");
    if (points != root.end() && trace != root.end())
        fail("pressure", "give either pressure or pressure-trace, not both");
    if (points != root.end()) {
        if (!points->is_array() || points->empty() || points->size() > max_pressure_points)
            fail("pressure", fmt::format("must be an array of 1 to {} [time-s, free-target-mib] "
                                         "points, not {}",
                                         max_pressure_points, quote(*points)));
        p.pressure.clear();
        for (size_t i = 0; i < points->size(); ++i) {
            const json& point = (*points)[i];
            const std::string field = fmt::format("pressure[{}]", i);
            if (!point.is_array() || point.size() != 2)
                fail(field, "must be [time-s, free-target-mib], not " + quote(point));
            p.pressure.push_back(
                {number(point[0], field + "[0]"), number(point[1], field + "[1]")});
        }
    }
    if (trace != root.end()) {
        if (!trace->is_string() || trace->get_ref<const std::string&>().empty())
            fail("pressure-trace", "must be a file name, not " + quote(*trace));
        std::string path = trace->get<std::string>();
        if (path.front() != '/' && !base_dir.empty())
            path = base_dir + "/" + path;
        check_host_and_guests(p); // the trace's targets are checked against the host
        p.pressure = read_trace ? read_trace(path, max_free_target_mib(p))
                                : read_pressure_trace(path, max_free_target_mib(p));
    }
    check_tmem_params(p);
    return p;
}

void check_tmem_params(const sim::tmem_params& p) {
    check_host_and_guests(p);
    if (p.pressure.empty())
        fail("pressure", "needs at least one point");
    for (size_t i = 0; i < p.pressure.size(); ++i) {
        const std::string at = fmt::format("pressure[{}]", i);
        check_range(p.pressure[i].time_s, 0, max_pressure_time_s, at + "[0]");
        check_range(p.pressure[i].free_target_mib, 0, max_free_target_mib(p), at + "[1]");
        if (i > 0 && p.pressure[i].time_s < p.pressure[i - 1].time_s)
            fail(at + "[0]", "times must not decrease");
    }
}

void check_host_and_guests(const sim::tmem_params& p) {
    check_range(p.duration_s, 0.01, 3600, "duration-s");
    check_range(p.tick_s, 0.001, 1, "tick-s");
    if (p.duration_s / p.tick_s > 1e6)
        fail("tick-s", "duration-s / tick-s is more than 10^6 steps");
    if (p.duration_s < p.tick_s) // no step would run: nothing measured
        fail("duration-s", fmt::format("must be at least tick-s ({} s), one step, not {}", p.tick_s,
                                       p.duration_s));
    check_range(p.host_mib, 64, 1 << 24, "host-mib");
    check_range(p.host_reserved_mib, 0, p.host_mib, "host-reserved-mib");
    if (!(p.block_mib == 2 || p.block_mib == 4 || p.block_mib == 8 || p.block_mib == 16 ||
          p.block_mib == 32 || p.block_mib == 64 || p.block_mib == 128))
        fail("block-mib", fmt::format("must be a power of two from 2 to 128, not {}", p.block_mib));
    check_range(p.sudden_mib, 0, p.host_mib, "sudden-mib");
    check_range(p.report_mib, 1, p.host_mib, "report-mib");
    check_guest_count(p.guests.size());
    double boot = 0, guest_mib = 0, reads_per_s = 0;
    for (size_t i = 0; i < p.guests.size(); ++i) {
        const sim::tmem_guest_params& g = p.guests[i];
        const std::string at = fmt::format("guests[{}].", i);
        check_range(g.boot_mib, 64, 1 << 20, at + "boot-mib");
        check_range(g.flexible_mib, p.block_mib, 1 << 20, at + "flexible-mib");
        if (std::fmod(g.flexible_mib, p.block_mib) != 0)
            fail(at + "flexible-mib",
                 fmt::format("must be a multiple of block-mib ({})", p.block_mib));
        check_range(g.kernel_mib, 0, g.boot_mib, at + "kernel-mib");
        // A tmem guest's flexible memory is only a cleancache: its anonymous memory, kernel and
        // free reserve must fit in boot memory, for every strategy to run the same guest.
        check_range(g.anon_mib, 0, g.boot_mib - g.kernel_mib - p.guest_reserve_mib,
                    at + "anon-mib");
        check_range(g.swap_mib, 0, 1 << 20, at + "swap-mib");
        check_range(g.reads_per_s, 0, 1e6, at + "reads-per-s");
        check_range(g.file_set_mib, 1, 65536, at + "file-set-mib");
        check_range(g.hot_set_mib, 0, g.file_set_mib, at + "hot-set-mib");
        check_range(g.hot_share, 0, 1, at + "hot-share");
        check_range(g.file_mib, 0.004, g.file_set_mib, at + "file-mib");
        if (g.boot_mib + g.flexible_mib > 1 << 20)
            fail(at + "flexible-mib", "boot-mib + flexible-mib is more than 1 TiB");
        boot += g.boot_mib;
        guest_mib += g.boot_mib + g.flexible_mib;
        reads_per_s += g.reads_per_s;
    }
    if (boot + p.host_reserved_mib > p.host_mib)
        fail("guests", fmt::format("their boot memory ({} MiB) and host-reserved-mib exceed "
                                   "host-mib ({} MiB)",
                                   boot, p.host_mib));
    if (guest_mib > 1 << 22)
        fail("guests", "more than 4 TiB of guest memory in all");
    // The work bound, as `run`'s 2e9 steps: the file reads dominate a run (each strategy makes
    // them all), and the guests' steps are bounded by tick-s above.
    const double reads = p.duration_s * reads_per_s;
    if (reads > max_tmem_file_reads)
        fail("duration-s",
             fmt::format("{} s x {} reads/s (the guests' reads-per-s summed) is {:.3g} file reads "
                         "for each strategy, more than {:.0e}",
                         p.duration_s, reads_per_s, reads, max_tmem_file_reads));
    try {
        sim::require_memory(fmt::format("guests: simulating {} guests of {} MiB in all",
                                        p.guests.size(), guest_mib),
                            sim::tmem_required_bytes(p));
    } catch (const std::invalid_argument& e) {
        throw scenario_error(e.what());
    }
}

tagcache::sim::tmem_params read_tmem_scenario(const std::string& path) {
    const std::string text = read_scenario_text(path);
    const size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    try {
        sim::tmem_params p = parse_tmem_scenario(text, dir);
        if (p.name == sim::default_tmem_params().name && text.find("\"name\"") == std::string::npos)
            p.name = sim::printable(path); // unnamed: called by its path, printable
        return p;
    } catch (const scenario_error& e) {
        throw scenario_error(sim::printable(path) + ": " + e.what());
    }
}

void apply_tmem_overrides(sim::tmem_params& p, const std::optional<std::string>& seed,
                          const std::optional<std::string>& duration_s) {
    if (seed) {
        const auto value = sim::parse_unsigned(*seed);
        if (!value.ok())
            throw std::invalid_argument("--seed: " + value.why());
        p.seed = value.value();
    }
    if (duration_s) {
        const auto value = sim::parse_real(*duration_s);
        if (!value.ok())
            throw std::invalid_argument("--duration: " + value.why());
        if (!(value.value() >= 0.01 && value.value() <= 3600))
            throw std::invalid_argument(
                fmt::format("--duration must be between 0.01 and 3600 s, not {}", *duration_s));
        p.duration_s = value.value();
    }
    try {
        check_tmem_params(p);
    } catch (const scenario_error& e) {
        throw scenario_error(std::string(seed || duration_s ? "with --seed/--duration: " : "") +
                             e.what());
    }
}

} // namespace tagsim
