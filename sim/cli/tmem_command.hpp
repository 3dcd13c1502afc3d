// `tagsim tmem`: a host with N guests whose memory it takes back and lends again as its free
// target moves, through virtio-tmem, virtio-balloon and virtio-mem (ZONE_MOVABLE and
// ZONE_NORMAL), side by side (docs/tmem.md).
#pragma once

#include <CLI/CLI.hpp>

namespace tagsim {
void add_tmem_command(CLI::App& app);
} // namespace tagsim
