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
    uint64_t capacity = 0;
    bool json = false;
};

bool known_policy(const std::string& name) {
    for (std::string_view known : policy_names)
        if (known == name)
            return true;
    return false;
}

void run_replay(const replay_options& options) {
    if (!known_policy(options.policy)) // before the trace is read: fail fast
        throw std::invalid_argument("unknown --policy '" + options.policy + "' (choose " +
                                    policy_list() + ")");
    if (options.capacity == 0 || options.capacity > 0xFFFF'FFFEull)
        throw std::invalid_argument("--capacity must be between 1 and 4294967294 pages, not " +
                                    std::to_string(options.capacity));
    const auto load_start = std::chrono::steady_clock::now();
    const std::vector<uint64_t> requests = tagcache::model::read_lis_requests(options.trace);
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

    tagcache::model::replay_result result;
    with_policy(options.policy, [&]<class Eviction>() {
        result = tagcache::model::replay<tagcache::model::replay_config<Eviction>>(
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
        "replay", "Replay a block trace (ARC .lis, plain or .zst) through the pool as a "
                  "demand-paging cache: restore each page, store it on a miss.");
    replay->add_option("trace", options->trace, "the trace file")->required();
    replay->add_option("--policy", options->policy, "eviction policy: " + policy_list())
        ->capture_default_str();
    replay->add_option("--capacity", options->capacity, "cache size in pages")->required();
    replay->add_flag("--json", options->json, "print one JSON object instead of a table");
    replay->callback([options] { run_replay(*options); });
}

} // namespace tagsim
