// `tagsim check-recording`: a recording of a kernel pool's operations (tagcache_kernel.h,
// docs/kernel.md#recording) replayed, in order, through the same core in userspace: the kernel
// ABI's own translation unit compiled hosted, the pool built from the recording's header. Every
// operation must give the recorded result (and a restore the same filled pages, add-fs and
// register-donor the same id), and the counters at the recording's end the recorded ones.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace tagsim {

// A recording that cannot be read (FILE:LINE: why: 'line') or that the replay contradicts
// (FILE:LINE: <op>: recorded R, replayed S).
struct recording_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct recording_summary {
    uint64_t operations = 0; // replayed, each with the recorded result
    uint64_t records = 0;    // records they took (a register-donor takes one per range too)
    bool counters_compared = false;
    std::string end_reason; // stopped, full, tag-storage
};

// Reads the recording at `path` (plain or zstd-compressed, lines of at most 4096 bytes) and
// replays it. Throws recording_error at the first line it cannot read or whose result differs.
recording_summary check_recording(const std::string& path);

} // namespace tagsim
