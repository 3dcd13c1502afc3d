#include "report.hpp"

#include <fmt/format.h>

#include <string>
#include <variant>

#include "csv.hpp"

namespace tagsim {
namespace {

namespace sim = tagcache::sim;

std::string gib(uint64_t pages, uint64_t page_bytes) {
    return fmt::format("{:.3f} GiB", static_cast<double>(pages * page_bytes) / (1u << 30));
}
std::string percent(double share) {
    return fmt::format("{:.1f} %", 100 * share);
}

// How a strategy's figure is written in each rendering.
enum class field_kind {
    count,      // an integer, as it is
    pages,      // an integer count of pages: as it is, GiB in the table
    share,      // 0..1: per cent in the table, six decimals in CSV
    latency_ns, // measured: whole nanoseconds
    latency_us, // cost model: two decimals in the table, three in CSV
};

using field_value = std::variant<uint64_t, double>;

// One figure of a strategy, as the table, JSON and CSV show it.
struct strategy_field {
    // The table's row; nullptr: the value joins the row above ("/" between latencies,
    // " / " between shares).
    const char* label;
    const char* group; // JSON: the object holding it; CSV: its column's prefix; nullptr: none
    const char* name;  // JSON key and CSV column (after group and '_')
    field_kind kind;
    field_value (*value)(const strategy_summary&);
    // CSV: written after the columns of the first release, so that those keep their places.
    bool csv_appended = false;
};

#define TAGSIM_FIELD(member) [](const strategy_summary& s) -> field_value { return s.member; }

// The one list of a strategy's figures, in the table's order (docs/tagsim.md, "Output fields").
const strategy_field strategy_fields[] = {
    {"tag-storage reservations", nullptr, "reservations", field_kind::count,
     TAGSIM_FIELD(reservations)},
    {"  failed", nullptr, "reservation_failures", field_kind::count,
     TAGSIM_FIELD(reservation_failures)},
    {"    of which in atomic context", nullptr, "atomic_failures", field_kind::count,
     TAGSIM_FIELD(atomic_failures)},
    {"  fallbacks (tagged folio migrated)", nullptr, "fallbacks", field_kind::count,
     TAGSIM_FIELD(fallbacks)},
    {"  claim retries", nullptr, "retries", field_kind::count, TAGSIM_FIELD(retries)},
    {"reservation latency p50/p99/max, measured ns", "latency_measured_ns", "p50",
     field_kind::latency_ns, TAGSIM_FIELD(measured_ns.p50)},
    {nullptr, "latency_measured_ns", "p99", field_kind::latency_ns, TAGSIM_FIELD(measured_ns.p99)},
    {nullptr, "latency_measured_ns", "max", field_kind::latency_ns, TAGSIM_FIELD(measured_ns.max)},
    {"reservation latency p50/p99/max, cost model us", "latency_model_us", "p50",
     field_kind::latency_us, TAGSIM_FIELD(modelled_us.p50)},
    {nullptr, "latency_model_us", "p99", field_kind::latency_us, TAGSIM_FIELD(modelled_us.p99)},
    {nullptr, "latency_model_us", "max", field_kind::latency_us, TAGSIM_FIELD(modelled_us.max)},
    {"pages migrated", nullptr, "pages_migrated", field_kind::count, TAGSIM_FIELD(pages_migrated)},
    {"bytes copied", nullptr, "bytes_copied", field_kind::count, TAGSIM_FIELD(bytes_copied)},
    {"allocations failed for want of memory", nullptr, "allocation_failures", field_kind::count,
     TAGSIM_FIELD(allocation_failures)},
    {"memory usable by the rest of the system (end)", nullptr, "usable_pages", field_kind::pages,
     TAGSIM_FIELD(usable_pages)},
    {"tag storage holding cache data (mean / end)", nullptr, "cached_share_mean", field_kind::share,
     TAGSIM_FIELD(cached_share_mean)},
    {nullptr, nullptr, "cached_share_end", field_kind::share, TAGSIM_FIELD(cached_share_end)},
    {"tag storage holding movable pages (mean / end)", nullptr, "movable_share_mean",
     field_kind::share, TAGSIM_FIELD(movable_share_mean)},
    {nullptr, nullptr, "movable_share_end", field_kind::share, TAGSIM_FIELD(movable_share_end),
     true},
    {"tag storage holding tags (end)", nullptr, "tags_share_end", field_kind::share,
     TAGSIM_FIELD(tags_share_end)},
    {"cleancache lookups (page cache misses)", nullptr, "lookups", field_kind::count,
     TAGSIM_FIELD(lookups)},
    {"  hits", nullptr, "hits", field_kind::count, TAGSIM_FIELD(hits)},
    {"  hit ratio", nullptr, "hit_ratio", field_kind::share, TAGSIM_FIELD(hit_ratio)},
    {"cache pages dropped for tags (collateral)", nullptr, "pages_dropped", field_kind::count,
     TAGSIM_FIELD(pages_dropped)},
    {"events skipped (their allocation failed)", nullptr, "skipped_events", field_kind::count,
     TAGSIM_FIELD(skipped_events), true},
};

#undef TAGSIM_FIELD

// The figure as the table shows it.
std::string table_text(const strategy_field& field, const strategy_summary& s,
                       uint64_t page_bytes) {
    const field_value value = field.value(s);
    switch (field.kind) {
    case field_kind::count:
        return fmt::format("{}", std::get<uint64_t>(value));
    case field_kind::pages:
        return gib(std::get<uint64_t>(value), page_bytes);
    case field_kind::share:
        return percent(std::get<double>(value));
    case field_kind::latency_ns:
        return fmt::format("{:.0f}", std::get<double>(value));
    case field_kind::latency_us:
        return fmt::format("{:.2f}", std::get<double>(value));
    }
    return {};
}

// The figure as a CSV field.
std::string csv_text(const strategy_field& field, const strategy_summary& s) {
    const field_value value = field.value(s);
    switch (field.kind) {
    case field_kind::count:
    case field_kind::pages:
        return fmt::format("{}", std::get<uint64_t>(value));
    case field_kind::share:
        return fmt::format("{:.6f}", std::get<double>(value));
    case field_kind::latency_ns:
        return fmt::format("{:.0f}", std::get<double>(value));
    case field_kind::latency_us:
        return fmt::format("{:.3f}", std::get<double>(value));
    }
    return {};
}

std::string csv_name(const strategy_field& field) {
    return field.group == nullptr ? field.name : std::string(field.group) + "_" + field.name;
}

// The CSV's columns of a strategy: those of the first release in the table's order, then
// those added since, in the table's order.
template <class F>
void for_each_csv_field(F&& f) {
    for (const bool appended : {false, true})
        for (const strategy_field& field : strategy_fields)
            if (field.csv_appended == appended)
                f(field);
}

} // namespace

void print_table(const run_summary& run) {
    const scenario& s = run.what;
    const sim::mixed_workload_params& w = s.workload;
    fmt::print("tagsim: scenario '{}'\n", s.name);
    fmt::print("machine   {} of tagged memory, {} of tag storage ({} pages) in {} region(s), "
               "{} KiB pages\n",
               gib(run.data_pages, run.page_bytes), gib(run.tag_pages, run.page_bytes),
               run.tag_pages, s.regions.size(), run.page_bytes / 1024);
    fmt::print("workload  seed {}, {} s of model time: {} steps after a fill of {} events, {} "
               "events in all; tagged pages {}, pool policy {}\n",
               w.seed, w.duration_s, run.steps, run.fill_events, run.events,
               placement_name(s.placement), s.policy);
    fmt::print("          file reads {} (page cache hits {}), page cache {} pages\n\n",
               run.file_reads, run.page_cache_hits, w.page_cache_pages);

    const strategy_summary& c = run.cleancache;
    const strategy_summary& m = run.cma;
    const auto row = [](const std::string& label, const std::string& left,
                        const std::string& right) {
        fmt::print("{:<52} {:>22} {:>22}\n", label, left, right);
    };
    row("", "cleancache", "cma (baseline)");
    std::string label, left, right;
    for (const strategy_field& field : strategy_fields) {
        if (field.label != nullptr) {
            if (!label.empty())
                row(label, left, right);
            label = field.label;
            left = table_text(field, c, run.page_bytes);
            right = table_text(field, m, run.page_bytes);
            continue;
        }
        const char* joiner =
            field.kind == field_kind::latency_ns || field.kind == field_kind::latency_us ? "/"
                                                                                         : " / ";
        left.append(joiner).append(table_text(field, c, run.page_bytes));
        right.append(joiner).append(table_text(field, m, run.page_bytes));
    }
    row(label, left, right);

    fmt::print("\nover model time: share of tag storage holding cache data (cleancache) and "
               "movable pages (cma)\n");
    fmt::print("{:>10} {:>12} {:>12} {:>12} {:>12}\n", "time s", "cc cached", "cc tags",
               "cma movable", "cma tags");
    for (size_t i = 0; i < c.times_s.size() && i < m.times_s.size(); ++i)
        fmt::print("{:>10.2f} {:>12} {:>12} {:>12} {:>12}\n", c.times_s[i],
                   percent(c.cached_share[i]), percent(c.tags_share[i]),
                   percent(m.movable_share[i]), percent(m.tags_share[i]));
    fmt::print("\nsimulated in {:.1f} s wall time (measured latencies vary from run to run; the "
               "rest is fixed by the seed)\n",
               run.seconds);
}

nlohmann::json to_json(const run_summary& run) {
    const auto strategy = [&](const strategy_summary& s) {
        nlohmann::json out = nlohmann::json::object();
        for (const strategy_field& field : strategy_fields) {
            nlohmann::json& slot =
                field.group == nullptr ? out[field.name] : out[field.group][field.name];
            std::visit([&](auto value) { slot = value; }, field.value(s));
        }
        out["samples"] = {{"time_s", s.times_s},
                          {"cached_share", s.cached_share},
                          {"movable_share", s.movable_share},
                          {"tags_share", s.tags_share}};
        return out;
    };
    return {
        {"scenario", run.what.name},
        {"seed", run.what.workload.seed},
        {"placement", placement_name(run.what.placement)},
        {"policy", run.what.policy},
        {"page_bytes", run.page_bytes},
        {"data_pages", run.data_pages},
        {"tag_pages", run.tag_pages},
        {"fill_events", run.fill_events},
        {"events", run.events},
        {"steps", run.steps},
        {"file_reads", run.file_reads},
        {"page_cache_hits", run.page_cache_hits},
        {"seconds", run.seconds},
        {"cleancache", strategy(run.cleancache)},
        {"cma", strategy(run.cma)},
    };
}

std::string csv_header() {
    std::string out = "scenario,seed,placement,policy,strategy";
    for_each_csv_field(
        [&](const strategy_field& field) { out.append(",").append(csv_name(field)); });
    return out;
}

std::string csv_rows(const run_summary& run, const std::string& prefix_columns) {
    std::string out;
    for (const strategy_summary* s : {&run.cleancache, &run.cma}) {
        out += fmt::format("{}{},{},{},{},{}", prefix_columns, csv_field(run.what.name),
                           run.what.workload.seed, placement_name(run.what.placement),
                           csv_field(run.what.policy), csv_field(s->name));
        for_each_csv_field(
            [&](const strategy_field& field) { out.append(",").append(csv_text(field, *s)); });
        out += '\n';
    }
    return out;
}

} // namespace tagsim
