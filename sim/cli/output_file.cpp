#include "output_file.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tagsim {
namespace {

std::string reason(int error) {
    return std::strerror(error);
}

} // namespace

output_file::output_file(std::string option, std::string path)
    : option_(std::move(option))
    , path_(std::move(path)) {
    const std::string shown = tagcache::sim::quoted(path_, 200);
    if (path_.empty())
        throw std::invalid_argument(option_ + ": the path is empty");
    for (const char c : path_)
        if (tagcache::sim::is_control(c))
            throw std::invalid_argument(
                fmt::format("{}: {} holds a control character (0x{:02x}); choose another name",
                            option_, shown, static_cast<unsigned char>(c)));
    if (path_.back() == '/')
        throw std::invalid_argument(option_ + ": " + shown + " names a folder, not a file");
    struct stat status {};
    if (::lstat(path_.c_str(), &status) == 0 && !S_ISREG(status.st_mode))
        throw std::invalid_argument(
            fmt::format("{}: {} exists and is not a regular file (a folder, link, device or "
                        "FIFO); tagsim replaces only regular files",
                        option_, shown));
    const size_t slash = path_.rfind('/');
    const std::string folder = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
    std::string name = (slash == std::string::npos ? "./" : folder) + ".tagsim-XXXXXX";
    std::vector<char> buffer(name.begin(), name.end());
    buffer.push_back('\0');
    descriptor_ = ::mkstemp(buffer.data());
    if (descriptor_ < 0)
        throw std::invalid_argument(fmt::format("{}: cannot create a file in {} ({})", option_,
                                                tagcache::sim::quoted(folder, 200), reason(errno)));
    temporary_ = buffer.data();
    ::fcntl(descriptor_, F_SETFD, FD_CLOEXEC);
}

output_file::~output_file() {
    if (descriptor_ >= 0)
        ::close(descriptor_);
    if (!temporary_.empty())
        ::unlink(temporary_.c_str());
}

void output_file::commit() {
    const std::string shown = tagcache::sim::quoted(path_, 200);
    struct stat status {};
    if (::fstat(descriptor_, &status) != 0 || status.st_size == 0)
        throw std::runtime_error(option_ + ": nothing was written to " + shown);
    const mode_t mask = ::umask(0);
    ::umask(mask);
    if (::fchmod(descriptor_, 0666 & ~mask) != 0 || ::fsync(descriptor_) != 0)
        throw std::runtime_error(
            fmt::format("{}: cannot finish {} ({})", option_, shown, reason(errno)));
    ::close(descriptor_);
    descriptor_ = -1;
    // rename() replaces a regular file atomically and refuses to replace a folder (EISDIR),
    // should one have appeared at the path during the run.
    if (::rename(temporary_.c_str(), path_.c_str()) != 0)
        throw std::runtime_error(
            fmt::format("{}: cannot write {} ({})", option_, shown, reason(errno)));
    temporary_.clear();
}

} // namespace tagsim
