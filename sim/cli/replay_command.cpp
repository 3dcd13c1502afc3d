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
    uint64_t capacity = 0;
    bool json = false;
};

bool known_policy(const std::string& name) {
    for (std::string_view known : policy_names)
        if (known == name)
            return true;
    return false;
}

// ARC traces are named *.lis or *.lis.zst; anything else is a native file-page trace.
bool is_lis_name(const std::string& path) {
    const auto ends_with = [&](std::string_view suffix) {
        return path.size() >= suffix.size() &&
               path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".lis") || ends_with(".lis.zst");
}

// A native file-page trace (sim/tagsim/file_trace.hpp, docs/tagsim.md).
void run_file_replay(const replay_options& options) {
    const auto load_start = std::chrono::steady_clock::now();
    const std::vector<tagcache::sim::file_event> events =
        tagcache::sim::read_file_events(options.trace, tagcache::default_pool_config::max_order);
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
    tagcache::sim::file_replay_result result;
    with_policy(options.policy, [&]<class Eviction>() {
        result = tagcache::sim::replay_file_events<tagcache::sim::replay_config<Eviction>>(
            events, static_cast<uint32_t>(options.capacity));
    });
    if (options.json) {
        const nlohmann::json out = {
            {"trace", options.trace},
            {"format", "file"},
            {"policy", options.policy},
            {"capacity", options.capacity},
            {"reads", result.reads},
            {"hits", result.hits},
            {"hit_ratio", result.hit_ratio()},
            {"pages_read", result.pages_read},
            {"pages_hit", result.pages_hit},
            {"invalidations", result.invalidations},
            {"truncations", result.truncations},
            {"seconds", result.seconds},
            {"load_seconds", load_seconds},
        };
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("trace          {} (file-page trace)\npolicy         {}\ncapacity       {} "
               "pages\nreads          {} folios, {} pages\nhits           {} folios ({:.2f} "
               "%), {} pages\ninvalidations  {}\ntruncations    {}\nseconds        {:.3f} "
               "replay, {:.3f} loading\n",
               options.trace, options.policy, options.capacity, result.reads, result.pages_read,
               result.hits, 100.0 * result.hit_ratio(), result.pages_hit, result.invalidations,
               result.truncations, result.seconds, load_seconds);
}

void run_replay(const replay_options& options) {
    if (!known_policy(options.policy)) // before the trace is read: fail fast
        throw std::invalid_argument("unknown --policy '" + options.policy + "' (choose " +
                                    policy_list() + ")");
    if (options.capacity == 0 || options.capacity > 0xFFFF'FFFEull)
        throw std::invalid_argument("--capacity must be between 1 and 4294967294 pages, not " +
                                    std::to_string(options.capacity));
    if (options.format != "auto" && options.format != "lis" && options.format != "file")
        throw std::invalid_argument("unknown --format '" + options.format +
                                    "' (choose auto|lis|file)");
    if (options.format == "file" || (options.format == "auto" && !is_lis_name(options.trace))) {
        run_file_replay(options);
        return;
    }
    const auto load_start = std::chrono::steady_clock::now();
    const std::vector<uint64_t> requests = tagcache::sim::read_lis_requests(options.trace);
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

    tagcache::sim::replay_result result;
    with_policy(options.policy, [&]<class Eviction>() {
        result = tagcache::sim::replay<tagcache::sim::replay_config<Eviction>>(
            requests, static_cast<uint32_t>(options.capacity));
    });

    if (options.json) {
        const nlohmann::json out = {
            {"trace", options.trace},
            {"policy", options.policy},
            {"capacity", options.capacity},
            {"requests", result.requests},
            {"hits", result.hits},
            {"hit_ratio", result.hit_ratio()},
            {"seconds", result.seconds},
            {"load_seconds", load_seconds},
            {"requests_per_second",
             result.seconds > 0 ? double(result.requests) / result.seconds : 0.0},
        };
        fmt::print("{}\n", out.dump(2));
        return;
    }
    fmt::print("trace     {}\npolicy    {}\ncapacity  {} pages\nrequests  {}\nhits      {} "
               "({:.2f} %)\nseconds   {:.3f} replay ({:.1f} M requests/s), {:.3f} loading\n",
               options.trace, options.policy, options.capacity, result.requests, result.hits,
               100.0 * result.hit_ratio(), result.seconds,
               result.seconds > 0 ? double(result.requests) / result.seconds / 1e6 : 0.0,
               load_seconds);
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
    replay->add_option("--capacity", options->capacity, "cache size in pages")->required();
    replay
        ->add_option("--format", options->format,
                     "trace format: lis (ARC paper), file (native file-page trace: fs inode "
                     "index order op), or auto (lis for *.lis and *.lis.zst, else file)")
        ->capture_default_str();
    replay->add_flag("--json", options->json, "print one JSON object instead of a table");
    replay->callback([options] { run_replay(*options); });
}

} // namespace tagsim
