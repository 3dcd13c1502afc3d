// tagsim check-recording: a kernel pool's recorded operations replayed through the same core in
// userspace (recording_check.hpp, docs/kernel.md#recording).
#pragma once

#include <CLI/CLI.hpp>

namespace tagsim {

void add_recording_command(CLI::App& app);

} // namespace tagsim
