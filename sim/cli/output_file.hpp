// A file tagsim writes (a --plot figure): made safely whatever path a user gives.
//  - opened before the run, so that a path that cannot be written is refused at once, not after
//    minutes of simulation: the path must be non-empty and name no control character, and what
//    it names, if anything, must be a regular file (never a directory, device, FIFO or link);
//  - written to a temporary file that this object creates beside the target (same folder, so
//    the rename is atomic; mode 0600 until committed), then renamed into place by commit():
//    a reader never sees half a file, and a failed run leaves what was there before;
//  - destroyed uncommitted, it removes the temporary file.
#pragma once

#include <string>

namespace tagsim {

class output_file {
public:
    // Throws std::invalid_argument naming `option` (e.g. "--plot") and the reason.
    output_file(std::string option, std::string path);
    ~output_file();
    output_file(const output_file&) = delete;
    output_file& operator=(const output_file&) = delete;

    // The temporary file's descriptor, open for writing.
    int descriptor() const noexcept { return descriptor_; }
    const std::string& path() const noexcept { return path_; }

    // Checks that something was written, then renames the temporary file onto the path, with
    // the permissions a new file gets (0666 less the umask). Throws std::runtime_error naming
    // the reason; the temporary file is then removed.
    void commit();

private:
    std::string option_, path_, temporary_;
    int descriptor_ = -1;
};

} // namespace tagsim
