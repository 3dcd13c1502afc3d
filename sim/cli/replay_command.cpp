#include "replay_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "policies.hpp"

namespace tagsim {
namespace {

struct replay_options {
    std::string trace;
    std::string policy = "lru";
    std::string format = "auto";
    std::string capacity_text; // strict: parsed by parse_capacity
    bool json = false;
};

bool known_policy(const std::string& name) {
    return with_policy(name, []<class>() {});
}

// ARC traces are named *.lis or *.lis.zst; anything else is a native file-page trace.
bool is_lis_name(const std::string& path) {
    const auto ends_with = [&](std::string_view suffix) {
        return path.size() >= suffix.size() &&
               path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".lis") || ends_with(".lis.zst");
}

uint32_t parse_capacity(const std::string& text) {
    const auto number = tagcache::sim::parse_unsigned(text);
    if (!number.ok())
        throw std::invalid_argument("--capacity: " + number.why());
    if (number.value() == 0 || number.value() > 0xFFFF'FFFEull)
        throw std::invalid_argument("--capacity must be between 1 and 4294967294 pages, not " +
                                    text);
    return static_cast<uint32_t>(number.value());
}

// A native file-page trace (sim/tagsim/trace/file_trace.hpp, docs/tagsim.md), streamed.
template <class Eviction>
void run_file_replay(const replay_options& options, uint32_t capacity) {
    using config = tagcache::sim::replay_config<Eviction>;
    tagcache::sim::require_memory(
        fmt::format("--capacity {}", capacity),
        tagcache::cleancache_pool<config>::required_bytes(tagcache::pool_geometry{capacity}));
    tagcache::sim::trace_line_reader reader(options.trace);
    tagcache::sim::file_replayer<config> replayer(capacity);
    const auto start = std::chrono::steady_clock::now();
    tagcache::sim::for_each_file_event(
        reader, config::max_order, [&](const tagcache::sim::file_event& e) { replayer.apply(e); });
    const double total =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const tagcache::sim::file_replay_result& result = replayer.result();
    const double parse = total - result.seconds - reader.decompress_seconds();
    if (options.json) {
        const nlohmann::json out = {
            {"trace", options.trace},
            {"format", "file"},
            {"policy", options.policy},
            {"capacity", capacity},
            {"reads", result.reads},
            {"hits", result.hits},
            {"hit_ratio", result.hit_ratio()},
            {"pages_read", result.pages_read},
            {"pages_hit", result.pages_hit},
            {"invalidations", result.invalidations},
            {"truncations", result.truncations},
            {"seconds", result.seconds},
            {"decompress_seconds", reader.decompress_seconds()},
            {"parse_seconds", parse},
            {"total_seconds", total},
        };
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("trace          {} (file-page trace)\npolicy         {}\ncapacity       {} "
               "pages\nreads          {} folios, {} pages\nhits           {} folios ({:.2f} "
               "%), {} pages\ninvalidations  {}\ntruncations    {}\nseconds        {:.3f} "
               "replay, {:.3f} decompressing, {:.3f} parsing ({:.3f} in all)\n",
               options.trace, options.policy, capacity, result.reads, result.pages_read,
               result.hits, 100.0 * result.hit_ratio(), result.pages_hit, result.invalidations,
               result.truncations, result.seconds, reader.decompress_seconds(), parse, total);
}

// An ARC-paper trace, streamed: requests reach the cache in batches as they are read.
template <class Eviction>
void run_lis_replay(const replay_options& options, uint32_t capacity) {
    using config = tagcache::sim::replay_config<Eviction>;
    tagcache::sim::require_memory(fmt::format("--capacity {}", capacity),
                                  tagcache::sim::demand_cache<config>::required_bytes(capacity));
    tagcache::sim::trace_line_reader reader(options.trace);
    const tagcache::sim::stream_replay_result run =
        tagcache::sim::replay_lis_trace<config>(reader, capacity);
    const tagcache::sim::replay_result& result = run.replay;
    const double rate = result.seconds > 0 ? double(result.requests) / result.seconds : 0.0;
    if (options.json) {
        const nlohmann::json out = {
            {"trace", options.trace},
            {"policy", options.policy},
            {"capacity", capacity},
            {"requests", result.requests},
            {"hits", result.hits},
            {"hit_ratio", result.hit_ratio()},
            {"seconds", result.seconds},
            {"requests_per_second", rate},
            {"decompress_seconds", run.decompress_seconds},
            {"parse_seconds", run.parse_seconds},
            {"total_seconds", run.total_seconds},
        };
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("trace     {}\npolicy    {}\ncapacity  {} pages\nrequests  {}\nhits      {} "
               "({:.2f} %)\nseconds   {:.3f} replay ({:.1f} M requests/s), {:.3f} "
               "decompressing, {:.3f} parsing ({:.3f} in all)\n",
               options.trace, options.policy, capacity, result.requests, result.hits,
               100.0 * result.hit_ratio(), result.seconds, rate / 1e6, run.decompress_seconds,
               run.parse_seconds, run.total_seconds);
}

void run_replay(const replay_options& options) {
    if (!known_policy(options.policy)) // before the trace is read: fail fast
        throw std::invalid_argument("unknown --policy " + tagcache::sim::quoted(options.policy) +
                                    " (choose " + policy_list() + ")");
    const uint32_t capacity = parse_capacity(options.capacity_text);
    if (options.format != "auto" && options.format != "lis" && options.format != "file")
        throw std::invalid_argument("unknown --format " + tagcache::sim::quoted(options.format) +
                                    " (choose auto|lis|file)");
    const bool file =
        options.format == "file" || (options.format == "auto" && !is_lis_name(options.trace));
    with_policy(options.policy, [&]<class Eviction>() {
        if (file)
            run_file_replay<Eviction>(options, capacity);
        else
            run_lis_replay<Eviction>(options, capacity);
    });
}

} // namespace

void add_replay_command(CLI::App& app) {
    auto options = std::make_shared<replay_options>();
    CLI::App* replay = app.add_subcommand(
        "replay", "Replay a trace (ARC .lis, or a native file-page trace; plain or .zst) "
                  "through the pool as a demand-paging cache: restore each page or folio read, "
                  "store it on a miss; writes and truncations invalidate.");
    replay->add_option("trace", options->trace, "the trace file")->required();
    replay->add_option("--policy", options->policy, "eviction policy: " + policy_list())
        ->capture_default_str();
    replay
        ->add_option("--capacity", options->capacity_text,
                     "cache size in pages (decimal or 0x-hexadecimal, 1 to 4294967294)")
        ->required();
    replay
        ->add_option("--format", options->format,
                     "trace format: lis (ARC paper), file (native file-page trace: fs inode "
                     "index order op), or auto (lis for *.lis and *.lis.zst, else file)")
        ->capture_default_str();
    replay->add_flag("--json", options->json, "print one JSON object instead of a table");
    replay->callback([options] { run_replay(*options); });
}

} // namespace tagsim
