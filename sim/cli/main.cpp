// tagsim: the tagcache simulator. Without a subcommand it runs the built-in scenario: one
// workload through both tag-storage strategies (cleancache and CMA migration), side by side.
// Subcommands:
//   run      a scenario file through both strategies
//   sweep    one scenario with its capacity, policy or tagged fraction varied (CSV)
//   replay   a block trace through the pool as a demand-paging cache
//   tmem     virtio-tmem, virtio-balloon and virtio-mem side by side (docs/tmem.md)
//   check-recording  a kernel pool's recorded operations replayed (docs/kernel.md)
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>
#include <new>

#include "command_line.hpp"
#include "recording_command.hpp"
#include "replay_command.hpp"
#include "run_command.hpp"
#include "sweep_command.hpp"
#include "tmem_command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"tagsim: MTE tag-storage reuse through a cleancache, simulated. Without a "
                 "subcommand it runs the built-in scenario (docs/tagsim.md) through both "
                 "strategies, cleancache and CMA migration, and prints them side by side."};
    app.require_subcommand(0, 1);
    tagsim::add_run_command(app);
    tagsim::add_sweep_command(app);
    tagsim::add_replay_command(app);
    tagsim::add_tmem_command(app);
    tagsim::add_recording_command(app);
    app.footer("Exit status: 0 done, 1 an input or option value refused or the run failed, 2 a "
               "command line that could not be parsed. Inputs may be named pipes: a FIFO with "
               "no writer blocks until one opens it, as cat does.");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return tagsim::command_line_error(app, e, "tagsim"); // one line, exit status 2
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "tagsim: out of memory: the run needs more memory than this computer "
                           "gave it (scenario sizes and --capacity are checked against its "
                           "physical memory, but other programs use some of it)\n");
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "tagsim: {}\n", e.what());
        return 1;
    }
    return 0;
}
