#include "recording_command.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <memory>
#include <string>

#include "recording_check.hpp"

namespace tagsim {

void add_recording_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand(
        "check-recording",
        "Replay a recording of a kernel pool's operations (tagcache.ko's debugfs 'recording', "
        "docs/kernel.md) through the same core in userspace: every result, and the counters at "
        "its end, must be the recorded ones. Exit status 1 at the first difference, naming its "
        "line.");
    command->add_option("recording", *path, "the recording, a text file (plain or zstd)")
        ->required();
    command->callback([path] {
        const recording_summary s = check_recording(*path);
        fmt::print("{}: {} operations ({} records) replayed, every result as recorded; counters "
                   "as recorded (the recording ended: {})\n",
                   tagcache::sim::printable(*path), s.operations, s.records, s.end_reason);
    });
}

} // namespace tagsim
