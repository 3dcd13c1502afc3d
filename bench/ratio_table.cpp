// tagcache_ratio_table: reads one Google Benchmark JSON file (tagcache_bench, with
// repetitions: medians are used when present) and one tagcache_latency --json file, and prints
// the table of ratios with their targets. Usage:
//   tagcache_ratio_table BENCH.json LATENCY.json
#include <tagcache/tagcache.hpp>
#include <tagsim/machines/cost_model.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace {

using json = nlohmann::json;

json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error(path + ": cannot open");
    try {
        return json::parse(in);
    } catch (const json::exception& e) {
        throw std::runtime_error(path + ": not JSON: " + e.what());
    }
}

// Nanoseconds per operation by benchmark name ("store/cold"), from items_per_second: the
// median aggregate when the run has repetitions, else the single run.
std::map<std::string, double> bench_ns(const json& bench) {
    std::map<std::string, double> ns;
    for (const json& b : bench.at("benchmarks")) {
        std::string name = b.at("name").get<std::string>();
        if (!b.contains("items_per_second"))
            continue;
        const std::string aggregate = b.value("aggregate_name", "");
        if (!aggregate.empty() && aggregate != "median")
            continue;
        for (const char* suffix : {"_median", "/manual_time"}) {
            const std::string s = suffix;
            if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
                name.erase(name.size() - s.size());
        }
        if (!aggregate.empty() || !ns.contains(name))
            ns[name] = 1e9 / b.at("items_per_second").get<double>();
    }
    return ns;
}

double need(const std::map<std::string, double>& values, const std::string& name) {
    const auto it = values.find(name);
    if (it == values.end())
        throw std::runtime_error("benchmark '" + name + "' missing from the benchmark JSON");
    return it->second;
}

struct row_printer {
    void header() const {
        fmt::print("{:<48} {:>12} {:>12} {:>8}\n", "measure", "value", "target", "met");
        fmt::print("{:-<48} {:->12} {:->12} {:->8}\n", "", "", "", "");
    }
    // `at_most`: the target is an upper bound (else a lower bound).
    void row(const std::string& what, double value, const std::string& unit, double target,
             bool at_most) const {
        const bool met = at_most ? value <= target : value >= target;
        fmt::print("{:<48} {:>10.2f}{:<2} {:>2}{:>8.2f}{:<2} {:>8}\n", what, value, unit,
                   at_most ? "<=" : ">=", target, unit, met ? "yes" : "NO");
    }
    void info(const std::string& what, double value, const std::string& unit) const {
        fmt::print("{:<48} {:>10.2f}{:<2} {:>12} {:>8}\n", what, value, unit, "", "");
    }
};

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
        fmt::print("usage: tagcache_ratio_table BENCH.json LATENCY.json\n"
                   "  BENCH.json:   tagcache_bench --benchmark_out=BENCH.json "
                   "--benchmark_out_format=json\n"
                   "  LATENCY.json: tagcache_latency --json > LATENCY.json\n"
                   "Prints tagcache's ratios against memcpy, a hand-written cache, the CMA "
                   "baseline and struct page, with the targets.\n");
        return 0;
    }
    if (argc != 3) {
        fmt::print(stderr, "tagcache_ratio_table: expected BENCH.json LATENCY.json (see --help)\n");
        return 2;
    }
    try {
        const json bench = read_json(argv[1]);
        const json latency = read_json(argv[2]);
        const auto ns = bench_ns(bench);
        std::map<std::string, json> op;
        for (const json& o : latency.at("operations"))
            op[o.at("name").get<std::string>()] = o;
        const auto pct = [&](const std::string& name, const char* field) {
            if (!op.contains(name))
                throw std::runtime_error("operation '" + name + "' missing from the latency JSON");
            return op[name].at(field).get<double>();
        };

        fmt::print("tagcache benchmark ratios ({}; {} CPUs; Google Benchmark medians, latency "
                   "percentiles from tagcache_latency, timer: {})\n\n",
                   latency.value("cpu", "unknown"), bench.at("context").value("num_cpus", 0),
                   latency.value("timer", "?"));
        const row_printer table;
        table.header();
        table.row("store / memcpy, 4 KiB, cold (256 MiB arenas)",
                  need(ns, "store/cold") / need(ns, "memcpy/cold"), "x", 1.15, true);
        table.row("restore / memcpy, 4 KiB, cold",
                  need(ns, "restore/cold") / need(ns, "memcpy/cold"), "x", 1.10, true);
        table.info("store (non-temporal copy) / memcpy, 4 KiB, cold",
                   need(ns, "store/streaming/cold") / need(ns, "memcpy/cold"), "x");
        table.info("store / memcpy, 4 KiB, hot", need(ns, "store/hot") / need(ns, "memcpy/hot"),
                   "x");
        table.info("restore / memcpy, 4 KiB, hot", need(ns, "restore/hot") / need(ns, "memcpy/hot"),
                   "x");
        table.info("store (non-temporal copy) / memcpy, 4 KiB, hot",
                   need(ns, "store/streaming/hot") / need(ns, "memcpy/hot"), "x");
        table.row("store+restore cycle: hand-written / pool, 64 Ki",
                  need(ns, "cycle/handwritten/65536") / need(ns, "cycle/pool/65536"), "x", 1.5,
                  false);
        table.row("  same, metadata only (no page copies)",
                  need(ns, "cycle/handwritten/metadata/65536") /
                      need(ns, "cycle/pool/metadata/65536"),
                  "x", 1.5, false);
        table.row("take-back: hand-written / pool, 64 Ki",
                  need(ns, "take_back/handwritten/65536") / need(ns, "take_back/cached/65536"), "x",
                  6, false);
        table.row("take-back (cached) p50, 64 Ki", pct("take_back_cached", "p50_ns"), "ns", 50,
                  true);
        table.row("take-back (cached) p99.9, 64 Ki", pct("take_back_cached", "p999_ns"), "ns", 250,
                  true);
        table.info("take-back (cached), batch mean, 64 Ki", need(ns, "take_back/cached/65536"),
                   "ns");
        table.row("donate p50, 64 Ki", pct("donate", "p50_ns"), "ns", 20, true);
        table.info("donate, batch mean, 64 Ki", need(ns, "donate/65536"), "ns");
        table.row("CMA reserve migrating 1 page / reserve-with-drop",
                  need(ns, "cma/reserve/migrate_1") / need(ns, "tags/reserve/drop"), "x", 5, false);
        table.info("  same, +4 KiB copy per migrated page",
                   need(ns, "cma/reserve/migrate_1+copy") / need(ns, "tags/reserve/drop"), "x");
        table.info("  same, p50 (tagcache_latency)",
                   pct("cma_reserve_migrate_1", "p50_ns") / pct("reserve_with_drop", "p50_ns"),
                   "x");
        table.info("  kernel cost model: CMA fit / GCMA fit, 4 pages",
                   tagcache::sim::cma_latency_fit(4) / tagcache::sim::gcma_latency_fit(4), "x");

        tagcache::pool_geometry geometry;
        geometry.slots = 64 * 1024;
        const double per_slot =
            double(tagcache::cleancache_pool<>::required_bytes(geometry)) / geometry.slots;
        table.row("metadata bytes per slot (default config, 64 Ki)", per_slot, "B", 32, true);
        table.info("  / struct page (64 B)", per_slot / 64, "x");

        fmt::print("\ninputs (ns per operation):\n");
        for (const auto& [name, value] : ns)
            fmt::print("  {:<40} {:>10.1f}\n", name, value);
        for (const auto& [name, o] : op)
            fmt::print(
                "  latency {:<32} p50 {:>8.1f}  p99 {:>8.1f}  p99.9 {:>9.1f}  max {:>10.1f}\n",
                name, o.at("p50_ns").get<double>(), o.at("p99_ns").get<double>(),
                o.at("p999_ns").get<double>(), o.at("max_ns").get<double>());
    } catch (const std::exception& e) {
        fmt::print(stderr, "tagcache_ratio_table: {}\n", e.what());
        return 1;
    }
    return 0;
}
