// Reader for the block traces of the ARC paper (N. Megiddo, D. S. Modha, "ARC: A Self-Tuning,
// Low Overhead Replacement Cache", USENIX FAST '03): one request a line, four unsigned
// integers `starting_block number_of_blocks ignored request_number`; each of the
// number_of_blocks consecutive 512-byte blocks counts as one page request, in order. Plain or
// zstd-compressed (by content, not name). Hosted; the simulator target links libzstd.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <zstd.h>

namespace tagcache::sim {

// A trace that cannot be read: the message names the file, and for a malformed line its
// number and text.
class trace_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct lis_record {
    uint64_t first_block = 0;
    uint64_t block_count = 0;
};

namespace detail {

inline bool is_zstd(std::string_view bytes) {
    return bytes.size() >= 4 && static_cast<unsigned char>(bytes[0]) == 0x28 &&
           static_cast<unsigned char>(bytes[1]) == 0xB5 &&
           static_cast<unsigned char>(bytes[2]) == 0x2F &&
           static_cast<unsigned char>(bytes[3]) == 0xFD;
}

inline std::string decompress_zstd(const std::string& path, std::string_view compressed) {
    std::string out;
    ZSTD_DStream* stream = ZSTD_createDStream();
    if (stream == nullptr)
        throw trace_error(path + ": cannot create a zstd decompression stream");
    ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
    std::vector<char> chunk(ZSTD_DStreamOutSize());
    size_t last = 1;
    while (in.pos < in.size || last != 0) {
        ZSTD_outBuffer buffer{chunk.data(), chunk.size(), 0};
        last = ZSTD_decompressStream(stream, &buffer, &in);
        if (ZSTD_isError(last)) {
            const std::string why = ZSTD_getErrorName(last);
            ZSTD_freeDStream(stream);
            throw trace_error(path + ": corrupt zstd data: " + why);
        }
        out.append(chunk.data(), buffer.pos);
        if (in.pos == in.size && buffer.pos == 0 && last != 0) {
            ZSTD_freeDStream(stream);
            throw trace_error(path + ": truncated zstd data");
        }
    }
    ZSTD_freeDStream(stream);
    return out;
}

inline bool parse_number(std::string_view& rest, uint64_t& value) {
    size_t skip = 0;
    while (skip < rest.size() && (rest[skip] == ' ' || rest[skip] == '\t'))
        ++skip;
    rest.remove_prefix(skip);
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (error != std::errc() || end == rest.data())
        return false;
    rest.remove_prefix(static_cast<size_t>(end - rest.data()));
    return rest.empty() || rest.front() == ' ' || rest.front() == '\t';
}

// Calls on_line(line_number, line) for every line of the text file at `path` (plain or zstd),
// '\r' and any comment from `comment` on removed ('\0': none), blank lines skipped. Shared by
// the .lis reader here and the native file-page trace reader (file_trace.hpp).
template <class OnLine>
void for_each_trace_line(const std::string& path, char comment, OnLine&& on_line) {
    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw trace_error(path + ": cannot open");
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad())
        throw trace_error(path + ": read error");
    if (is_zstd(text))
        text = decompress_zstd(path, text);

    std::string_view all(text);
    uint64_t line_number = 0;
    while (!all.empty()) {
        const size_t newline = all.find('\n');
        std::string_view line = all.substr(0, newline);
        all.remove_prefix(newline == std::string_view::npos ? all.size() : newline + 1);
        ++line_number;
        if (comment != '\0')
            if (const size_t at = line.find(comment); at != std::string_view::npos)
                line = line.substr(0, at);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos)
            continue; // blank lines carry nothing
        on_line(line_number, line);
    }
}

// The error for a malformed line: file:line, why, and the line's start.
[[noreturn]] inline void throw_line_error(const std::string& path, uint64_t line_number,
                                          std::string_view line, std::string_view why) {
    throw trace_error(path + ":" + std::to_string(line_number) + ": " + std::string(why) + ": '" +
                      std::string(line.substr(0, 120)) + "'");
}

} // namespace detail

// Calls `on_record(lis_record)` for every line of the trace at `path`, in order.
template <class OnRecord>
void for_each_lis_record(const std::string& path, OnRecord&& on_record) {
    detail::for_each_trace_line(path, '\0', [&](uint64_t line_number, std::string_view line) {
        const auto fail = [&](const char* why) {
            detail::throw_line_error(path, line_number, line, why);
        };
        std::string_view rest = line;
        uint64_t fields[4];
        for (uint64_t& field : fields)
            if (!detail::parse_number(rest, field))
                fail("expected four unsigned integers (starting_block number_of_blocks ignored "
                     "request_number)");
        if (rest.find_first_not_of(" \t") != std::string_view::npos)
            fail("more than four fields");
        if (fields[1] == 0)
            fail("number_of_blocks is 0");
        if (fields[0] + fields[1] < fields[0])
            fail("starting_block + number_of_blocks overflows");
        on_record(lis_record{fields[0], fields[1]});
    });
}

// Every page request of a trace, expanded block by block.
inline std::vector<uint64_t> read_lis_requests(const std::string& path) {
    std::vector<uint64_t> requests;
    for_each_lis_record(path, [&](const lis_record& record) {
        for (uint64_t block = record.first_block; block < record.first_block + record.block_count;
             ++block)
            requests.push_back(block);
    });
    return requests;
}

} // namespace tagcache::sim
