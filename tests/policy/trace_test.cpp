// The ARC paper's traces (N. Megiddo, D. S. Modha, "ARC: A Self-Tuning, Low Overhead
// Replacement Cache", USENIX FAST '03; traces in tests/data, cited as their licence asks):
// the pool's LRU and ARC must reproduce an independent implementation's hit counts exactly,
// and the reader must refuse malformed traces by line number and text.
#include <tagcache/tagcache.hpp>
#include <tagsim/trace/lis_trace.hpp>
#include <tagsim/trace/replay.hpp>

#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"

using namespace tagcache;

namespace {
const std::string data_dir = TAGCACHE_TEST_DATA_DIR;

const std::vector<uint64_t>& p3_requests() {
    static const std::vector<uint64_t> requests = sim::read_lis_requests(data_dir + "/P3.lis.zst");
    return requests;
}

std::string write_file(const std::string& name, const std::string& bytes) {
    const std::string path = std::string(TAGCACHE_TEST_WORK_DIR) + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}

std::string trace_error_of(const std::string& path) {
    try {
        sim::read_lis_requests(path);
    } catch (const sim::trace_error& e) {
        return e.what();
    }
    return "no error";
}
} // namespace

TEST_CASE("P3 has the request count its README gives", "[policy][trace]") {
    REQUIRE(p3_requests().size() == 3'912'296);
}

TEST_CASE("LRU hits on P3 equal the independent implementation's", "[policy][trace]") {
    // tests/data/README.md: 41,051 / 63,393 / 139,485 hits at 1,024 / 8,192 / 32,768 pages.
    const auto [capacity, hits] =
        GENERATE(table<uint32_t, uint64_t>({{1024, 41'051}, {8192, 63'393}, {32768, 139'485}}));
    CAPTURE(capacity);
    const auto result = sim::replay<sim::replay_config<lru_eviction>>(p3_requests(), capacity);
    REQUIRE(result.requests == 3'912'296);
    REQUIRE(result.hits == hits);
}

TEST_CASE("ARC hits on P3 equal the independent implementation's", "[policy][trace]") {
    // tests/data/README.md: 43,999 / 157,279 / 669,507 hits (Figure 4, real-valued p).
    const auto [capacity, hits] =
        GENERATE(table<uint32_t, uint64_t>({{1024, 43'999}, {8192, 157'279}, {32768, 669'507}}));
    CAPTURE(capacity);
    const auto result = sim::replay<sim::replay_config<arc_eviction>>(p3_requests(), capacity);
    REQUIRE(result.hits == hits);
}

TEST_CASE("the trace reader expands requests block by block", "[policy][trace][reader]") {
    const std::string plain = "100 3 0 0\n\n7 1 5 1\r\n  42 2 0 2  \n";
    const auto requests = sim::read_lis_requests(write_file("ok.lis", plain));
    REQUIRE(requests == std::vector<uint64_t>{100, 101, 102, 7, 42, 43});

    // The same trace compressed reads the same.
    std::string compressed(ZSTD_compressBound(plain.size()), '\0');
    compressed.resize(
        ZSTD_compress(compressed.data(), compressed.size(), plain.data(), plain.size(), 3));
    REQUIRE(sim::read_lis_requests(write_file("ok.lis.zst", compressed)) == requests);

    // A truncated compressed trace is refused, not read short.
    REQUIRE(trace_error_of(write_file("cut.zst", compressed.substr(0, compressed.size() - 3)))
                .find("zstd") != std::string::npos);
}

TEST_CASE("the trace reader names the line and text of a malformed request",
          "[policy][trace][reader]") {
    struct bad_case {
        std::string text;
        const char* expected;
    };
    const bad_case cases[] = {
        {"1 1 0 0\n2 x 0 1\n", ":2: expected four unsigned integers"},
        {"1 1 0 0\n1 1 0\n", ":2: expected four unsigned integers"},
        {"1 1 0 0 9\n", ":1: more than four fields: '1 1 0 0 9'"},
        {"5 0 0 0\n", ":1: number_of_blocks is 0: '5 0 0 0'"},
        {"18446744073709551615 2 0 0\n", ":1: block numbers beyond 2^40 - 1"},
        // 2^64 and beyond do not fit: refused as malformed, never wrapped to a small number.
        {"18446744073709551616 2 0 0\n", ":1: expected four unsigned integers"},
        {"0 1 0 99999999999999999999\n", ":1: expected four unsigned integers"},
        // Leading zeros past 19 digits are still a small number.
        {"0000000000000000000000001 0 0 0\n", ":1: number_of_blocks is 0"},
        {"1099511627775 2 0 0\n", ":1: block numbers beyond 2^40 - 1"},
        {"0 65537 0 0\n", ":1: number_of_blocks 65537 is above the limit of 65536 blocks a line"},
        {std::string(5000, '1'), ":1: line longer than 4096 bytes"},
        {std::string("0 1 0 0\n0 1 0 0\n\0\0", 18), ":3: expected four unsigned integers"},
        {"-1 2 0 0\n", ":1: expected four unsigned integers"},
        {"1,2 3 4 5\n", ":1: expected four unsigned integers"},
    };
    for (const bad_case& c : cases) {
        CAPTURE(c.text);
        const std::string message = trace_error_of(write_file("bad.lis", c.text));
        REQUIRE(message.find(c.expected) != std::string::npos);
        REQUIRE(message.find("bad.lis") != std::string::npos);
    }
    REQUIRE(trace_error_of(data_dir + "/no-such-trace.lis").find("cannot open") !=
            std::string::npos);
}

TEST_CASE("a trace larger than a read chunk streams, lines split across chunks",
          "[policy][trace][reader]") {
    // ~2.6 MB of text: lines straddle the reader's 1 MiB chunks, compressed or not.
    std::string plain;
    for (uint64_t i = 0; i < 200'000; ++i)
        plain += std::to_string(i * 3) + " 1 0 " + std::to_string(i) + "\n";
    REQUIRE(plain.size() > 2 * sim::trace_line_reader::chunk_bytes);
    std::string compressed(ZSTD_compressBound(plain.size()), '\0');
    compressed.resize(
        ZSTD_compress(compressed.data(), compressed.size(), plain.data(), plain.size(), 3));
    for (const auto& [name, bytes] : {std::pair{"big.lis", plain}, {"big.lis.zst", compressed}}) {
        CAPTURE(name);
        sim::trace_line_reader reader(write_file(name, bytes));
        uint64_t count = 0;
        bool in_order = true;
        sim::for_each_lis_request(reader, [&](uint64_t block) {
            in_order = in_order && block == count * 3;
            ++count;
        });
        REQUIRE(count == 200'000);
        REQUIRE(in_order);
    }
}

TEST_CASE("a streamed replay equals the in-memory one", "[policy][trace]") {
    sim::trace_line_reader reader(data_dir + "/OLTP.lis.zst");
    const auto streamed = sim::replay_lis_trace<sim::replay_config<lru_eviction>>(reader, 5000);
    const auto in_memory = sim::replay<sim::replay_config<lru_eviction>>(
        sim::read_lis_requests(data_dir + "/OLTP.lis.zst"), 5000);
    REQUIRE(streamed.replay.requests == in_memory.requests);
    REQUIRE(streamed.replay.hits == in_memory.hits);
    REQUIRE(streamed.decompress_seconds > 0);
    REQUIRE(streamed.total_seconds >= streamed.replay.seconds + streamed.decompress_seconds);
}
