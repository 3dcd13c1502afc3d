// A trace file read as a stream of lines, plain or zstd-compressed (told by the content, not the
// name), in bounded memory: one chunk of the file, one chunk of decompressed text and the line
// being split, whatever the file's size or its compression ratio. A line longer than
// max_line_bytes is an error (a trace line holds a few numbers; /dev/zero has no newline).
// Hosted; the simulator target links libzstd.
#pragma once

#include <zstd.h>

#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "number_text.hpp"

namespace tagcache::sim {

// A trace that cannot be read: the message names the file, and for a malformed line its
// number and text.
class trace_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class trace_line_reader {
public:
    static constexpr size_t chunk_bytes = size_t{1} << 20;
    static constexpr size_t max_line_bytes = 4096;

    explicit trace_line_reader(std::string path)
        : path_(std::move(path))
        , shown_(printable(path_)) {
        struct stat info {};
        if (::stat(path_.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
            throw trace_error(shown_ + ": is a directory, not a trace file");
        file_.reset(std::fopen(path_.c_str(), "rb"));
        if (!file_)
            throw trace_error(shown_ + ": cannot open (" + std::strerror(errno) + ")");
    }

    // Reads an already open stream (a pipe, fmemopen() for a fuzzer), named `name` in
    // messages; takes ownership of `file`.
    trace_line_reader(std::string name, std::FILE* file)
        : path_(std::move(name))
        , shown_(printable(path_))
        , file_(file) {
        if (!file_)
            throw trace_error(shown_ + ": cannot open");
    }

    // The path as messages show it: printable (control characters and bytes outside UTF-8 as
    // \xNN), whatever the file is called.
    const std::string& path() const noexcept { return shown_; }
    double decompress_seconds() const noexcept { return decompress_seconds_; }

    // Calls on_line(line_number, line) for every line that is not blank once '\r' and any
    // comment from `comment` on are removed ('\0': no comments).
    template <class OnLine>
    void for_each_line(char comment, OnLine&& on_line) {
        std::string carry; // the start of a line the previous chunk ended in
        uint64_t line_number = 0;
        const auto emit = [&](std::string_view line) {
            ++line_number;
            if (comment != '\0')
                if (const size_t at = line.find(comment); at != std::string_view::npos)
                    line = line.substr(0, at);
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (line.find_first_not_of(" \t") != std::string_view::npos)
                on_line(line_number, line);
        };
        for_each_chunk([&](std::string_view text) {
            while (!text.empty()) {
                const size_t newline = text.find('\n');
                const std::string_view piece = text.substr(0, newline);
                if (carry.size() + piece.size() > max_line_bytes)
                    throw trace_error(shown_ + ":" + std::to_string(line_number + 1) +
                                      ": line longer than " + std::to_string(max_line_bytes) +
                                      " bytes (a trace line holds a few numbers)");
                if (newline == std::string_view::npos) {
                    carry.append(piece);
                    return;
                }
                if (carry.empty()) {
                    emit(piece);
                } else {
                    carry.append(piece);
                    emit(carry);
                    carry.clear();
                }
                text.remove_prefix(newline + 1);
            }
        });
        if (!carry.empty())
            emit(carry); // the last line has no newline
    }

private:
    struct file_closer {
        void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    struct stream_freer {
        void operator()(ZSTD_DStream* s) const noexcept { ZSTD_freeDStream(s); }
    };

    size_t read(char* into, size_t bytes) {
        const size_t got = std::fread(into, 1, bytes, file_.get());
        if (got < bytes && std::ferror(file_.get()))
            throw trace_error(shown_ + ": read error (" + std::strerror(errno) + ")");
        return got;
    }

    // Calls on_text(text) for each chunk of the file's text, decompressed if it is zstd.
    template <class OnText>
    void for_each_chunk(OnText&& on_text) {
        // Uninitialised buffers: zeroing 2 MiB for every trace would cost more than a short
        // trace's whole read.
        const std::unique_ptr<char[]> input(new char[chunk_bytes]);
        size_t have = read(input.get(), chunk_bytes);
        const bool zstd = have >= 4 && static_cast<unsigned char>(input[0]) == 0x28 &&
                          static_cast<unsigned char>(input[1]) == 0xB5 &&
                          static_cast<unsigned char>(input[2]) == 0x2F &&
                          static_cast<unsigned char>(input[3]) == 0xFD;
        if (!zstd) {
            while (have != 0) {
                on_text(std::string_view(input.get(), have));
                have = read(input.get(), chunk_bytes);
            }
            return;
        }
        const std::unique_ptr<ZSTD_DStream, stream_freer> stream(ZSTD_createDStream());
        if (!stream)
            throw trace_error(shown_ + ": cannot create a zstd decompression stream");
        const std::unique_ptr<char[]> output(new char[chunk_bytes]);
        size_t pending = 1; // ZSTD_decompressStream's hint: 0 once a frame is complete
        while (have != 0) {
            ZSTD_inBuffer in{input.get(), have, 0};
            while (in.pos < in.size) {
                ZSTD_outBuffer out{output.get(), chunk_bytes, 0};
                const auto start = std::chrono::steady_clock::now();
                pending = ZSTD_decompressStream(stream.get(), &out, &in);
                decompress_seconds_ +=
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                if (ZSTD_isError(pending))
                    throw trace_error(shown_ + ": corrupt zstd data (" +
                                      ZSTD_getErrorName(pending) + ")");
                if (out.pos != 0)
                    on_text(std::string_view(output.get(), out.pos));
            }
            have = read(input.get(), chunk_bytes);
        }
        // Input is used up. A frame still open may hold output the last call had no room for:
        // flush it; if no more comes out, the file ended inside a frame.
        while (pending != 0) {
            ZSTD_inBuffer in{nullptr, 0, 0};
            ZSTD_outBuffer out{output.get(), chunk_bytes, 0};
            pending = ZSTD_decompressStream(stream.get(), &out, &in);
            if (ZSTD_isError(pending))
                throw trace_error(shown_ + ": corrupt zstd data (" + ZSTD_getErrorName(pending) +
                                  ")");
            if (out.pos == 0)
                break;
            on_text(std::string_view(output.get(), out.pos));
        }
        if (pending != 0)
            throw trace_error(shown_ + ": truncated zstd data");
    }

    std::string path_, shown_;
    std::unique_ptr<std::FILE, file_closer> file_;
    double decompress_seconds_ = 0;
};

// The error for a malformed line: file:line, why, and the line's start (at most 120 bytes,
// control characters escaped: a NUL must not cut the message short).
[[noreturn]] inline void throw_line_error(const std::string& path, uint64_t line_number,
                                          std::string_view line, std::string_view why) {
    throw trace_error(path + ":" + std::to_string(line_number) + ": " + std::string(why) + ": " +
                      quoted(line, 120));
}

} // namespace tagcache::sim
