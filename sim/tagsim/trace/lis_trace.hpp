// Reader for the block traces of the ARC paper (N. Megiddo, D. S. Modha, "ARC: A Self-Tuning,
// Low Overhead Replacement Cache", USENIX FAST '03): one request a line, four unsigned decimal
// integers `starting_block number_of_blocks ignored request_number`; each of the
// number_of_blocks consecutive 512-byte blocks counts as one page request, in order. Plain or
// zstd-compressed (by content, not name), streamed (trace_stream.hpp). Hosted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tagcache/pool/key.hpp>

#include "trace_stream.hpp"

namespace tagcache::sim {

struct lis_record {
    uint64_t first_block = 0;
    uint64_t block_count = 0;
};

// Named limits on what a .lis line may ask for. The ARC paper's traces stay far below them
// (P3's largest request is 128 blocks, its largest block number 10,498,754).
struct lis_limits {
    // Blocks one line may request: a 20-byte line must not expand to 10^12 requests.
    static constexpr uint64_t max_blocks_per_line = uint64_t{1} << 16;
    // Block numbers are page indexes of the pool, which keys pages by 40 bits.
    static constexpr uint64_t max_block = max_page_index;
    // read_lis_requests() holds every request in memory (8 bytes each): at most this many.
    static constexpr uint64_t max_materialized_requests = uint64_t{1} << 27;
};

namespace detail {
// The next unsigned decimal field of `rest` (leading blanks skipped); false if there is none,
// it does not fit in 64 bits, or it does not end at a blank or the end. Hand-rolled rather
// than std::from_chars, which checks for overflow at every digit: this checks only past 19
// digits (10^19 - 1 < 2^64), and inlined, `rest` stays in registers across a line's fields.
// Parsing is the largest part of `tagsim replay` after the pool (OLTP: 1,051 M instructions
// in all with from_chars, 1,011 M with this).
[[gnu::always_inline]] inline bool parse_field(std::string_view& rest, uint64_t& value) {
    const char* at = rest.data();
    const char* const end = at + rest.size();
    while (at != end && (*at == ' ' || *at == '\t'))
        ++at;
    const char* const digits = at;
    uint64_t parsed = 0;
    for (; at != end; ++at) {
        const unsigned digit = static_cast<unsigned>(static_cast<unsigned char>(*at)) - '0';
        if (digit > 9)
            break;
        if (at - digits >= 19 && parsed > (UINT64_MAX - digit) / 10)
            return false;
        parsed = parsed * 10 + digit;
    }
    if (at == digits)
        return false;
    rest = std::string_view(at, static_cast<size_t>(end - at));
    value = parsed;
    return at == end || *at == ' ' || *at == '\t';
}
} // namespace detail

// Calls `on_record(lis_record)` for every line of the trace `reader` streams, in order.
template <class OnRecord>
void for_each_lis_record(trace_line_reader& reader, OnRecord&& on_record) {
    reader.for_each_line('\0', [&](uint64_t line_number, std::string_view line) {
        const auto fail = [&](const std::string& why) {
            throw_line_error(reader.path(), line_number, line, why);
        };
        std::string_view rest = line;
        uint64_t fields[4];
        for (uint64_t& field : fields)
            if (!detail::parse_field(rest, field))
                fail("expected four unsigned integers (starting_block number_of_blocks ignored "
                     "request_number)");
        if (rest.find_first_not_of(" \t") != std::string_view::npos)
            fail("more than four fields");
        if (fields[1] == 0)
            fail("number_of_blocks is 0");
        if (fields[1] > lis_limits::max_blocks_per_line)
            fail("number_of_blocks " + std::to_string(fields[1]) + " is above the limit of " +
                 std::to_string(lis_limits::max_blocks_per_line) + " blocks a line");
        if (fields[0] > lis_limits::max_block - (fields[1] - 1))
            fail("block numbers beyond 2^40 - 1, the largest page index the pool keys");
        on_record(lis_record{fields[0], fields[1]});
    });
}

// Calls `on_request(block)` for every page request, streaming: memory does not grow with the
// trace.
template <class OnRequest>
void for_each_lis_request(trace_line_reader& reader, OnRequest&& on_request) {
    for_each_lis_record(reader, [&](const lis_record& record) {
        for (uint64_t block = record.first_block; block < record.first_block + record.block_count;
             ++block)
            on_request(block);
    });
}

// Every page request of a trace, in memory (benchmarks and tests replay it many times): at most
// lis_limits::max_materialized_requests; larger traces are refused by name.
inline std::vector<uint64_t> read_lis_requests(const std::string& path) {
    trace_line_reader reader(path);
    std::vector<uint64_t> requests;
    for_each_lis_request(reader, [&](uint64_t block) {
        if (requests.size() == lis_limits::max_materialized_requests)
            throw trace_error(path + ": more than " +
                              std::to_string(lis_limits::max_materialized_requests) +
                              " requests to hold in memory (tagsim replay streams instead)");
        requests.push_back(block);
    });
    return requests;
}

} // namespace tagcache::sim
