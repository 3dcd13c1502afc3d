// Fuzzes the .lis trace reader (sim/tagsim/trace/lis_trace.hpp) against a reference reader written
// here from the format's description: lines of four unsigned decimal integers separated by
// blanks, '\r' before the newline ignored, blank lines skipped, a line at most 4096 bytes,
// 1 to 65,536 blocks a line, every block below 2^40. On text that is not zstd, the reader must
// accept exactly what the reference accepts and yield the same records; on any input it may
// only return records within the limits or throw trace_error.
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <tagsim/trace/lis_trace.hpp>

#include "fuzz_support.hpp"

namespace {
using tagcache::fuzz::expect;
using tagcache::sim::lis_limits;
using tagcache::sim::lis_record;

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

// The reference: every record of `text`, or false if some line is malformed.
bool reference_records(std::string_view text, std::vector<lis_record>& out) {
    while (!text.empty()) {
        const size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (line.size() > tagcache::sim::trace_line_reader::max_line_bytes)
            return false;
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        std::vector<uint64_t> fields;
        size_t at = 0;
        while (true) {
            while (at < line.size() && is_blank(line[at]))
                ++at;
            if (at == line.size())
                break;
            uint64_t value = 0;
            size_t digits = 0;
            for (; at < line.size() && line[at] >= '0' && line[at] <= '9'; ++at, ++digits) {
                const uint64_t digit = uint64_t(line[at] - '0');
                if (value > (UINT64_MAX - digit) / 10)
                    return false; // does not fit
                value = value * 10 + digit;
            }
            if (digits == 0 || (at < line.size() && !is_blank(line[at])))
                return false;
            fields.push_back(value);
        }
        if (fields.empty())
            continue; // blank
        if (fields.size() != 4 || fields[1] == 0 || fields[1] > lis_limits::max_blocks_per_line ||
            fields[0] > lis_limits::max_block - (fields[1] - 1))
            return false;
        out.push_back({fields[0], fields[1]});
    }
    return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0; // fmemopen refuses an empty buffer
    std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "rb");
    tagcache::sim::trace_line_reader reader("fuzz.lis", file);
    std::vector<lis_record> records;
    bool accepted = true;
    try {
        tagcache::sim::for_each_lis_record(reader, [&](const lis_record& r) {
            expect(r.block_count >= 1 && r.block_count <= lis_limits::max_blocks_per_line,
                   "a record's block count is out of the limits", r.block_count);
            expect(r.first_block <= lis_limits::max_block - (r.block_count - 1),
                   "a record reaches beyond 2^40", r.first_block, r.block_count);
            records.push_back(r);
        });
    } catch (const tagcache::sim::trace_error&) {
        accepted = false;
    }
    const bool zstd =
        size >= 4 && data[0] == 0x28 && data[1] == 0xB5 && data[2] == 0x2F && data[3] == 0xFD;
    if (!zstd) {
        std::vector<lis_record> expected;
        const bool reference = reference_records(
            std::string_view(reinterpret_cast<const char*>(data), size), expected);
        expect(accepted == reference, "the reader and the reference disagree on validity", accepted,
               reference);
        if (accepted) {
            expect(records.size() == expected.size(), "record counts differ", records.size(),
                   expected.size());
            for (size_t i = 0; i < records.size(); ++i)
                expect(records[i].first_block == expected[i].first_block &&
                           records[i].block_count == expected[i].block_count,
                       "a record differs from the reference's", i);
        }
    }
    return 0;
}
