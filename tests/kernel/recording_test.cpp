// The kernel ABI's recording (tagcache_kernel.h) and its replay (`tagsim check-recording`):
// a pool driven by a seeded random mix of every recorded operation — donors registered, pages
// donated and taken back, filesystems added and removed, folios stored, restored and
// invalidated, stale slots reclaimed — writes its recording as text; the replay through the
// same core gives every result and the final counters again. Any one result, filled mask, id or
// counter changed in the text is caught at its line. A full array and a tag-storage manager end
// the recording as a faithful prefix; hostile text is refused with FILE:LINE.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "catch.hpp"
#include "recording_check.hpp"
#include "tagcache_kernel.h"

namespace {

constexpr uint64_t page_bytes = 4096;

struct recording_pool {
    static constexpr uint64_t first_pfn = 0x80000, pages = 256;
    std::vector<unsigned char> arena = std::vector<unsigned char>(pages * page_bytes);
    std::vector<unsigned char> buffer;
    std::vector<tagcache_record> records;
    tagcache_pool* pool = nullptr;

    recording_pool(uint64_t capacity, uint32_t slots, tagcache_partial_take mode)
        : records(capacity) {
        tagcache_pool_params params{};
        params.slots = slots;
        params.max_block_pages = 4;
        params.filesystems = 4;
        params.page_size = page_bytes;
        params.partial_take = mode;
        params.map_pfn = [](void* context, uint64_t pfn) -> void* {
            return static_cast<unsigned char*>(context) + (pfn - first_pfn) * page_bytes;
        };
        params.map_context = arena.data();
        params.records = records.data();
        params.record_capacity = capacity;
        const size_t bytes = tagcache_pool_bytes(&params);
        REQUIRE(bytes != 0);
        buffer.resize(bytes + 64);
        void* aligned = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
        REQUIRE(tagcache_pool_create(aligned, bytes, &params, &pool) == 0);
    }

    std::vector<std::string> text() {
        std::vector<std::string> lines;
        char line[1024];
        for (uint64_t cursor = 0;;) {
            const size_t length = tagcache_pool_recording_line(pool, &cursor, line, sizeof line);
            if (length == 0)
                break;
            REQUIRE(line[length - 1] == '\n');
            lines.emplace_back(line, length);
        }
        return lines;
    }
};

// Drives the pool through `steps` random operations of every recorded kind.
void drive(recording_pool& p, uint64_t seed, int steps) {
    std::mt19937_64 random(seed);
    const auto pick = [&](uint64_t n) { return n == 0 ? 0 : random() % n; };
    std::vector<uint32_t> donors, filesystems;
    const tagcache_pfn_range halves[] = {{recording_pool::first_pfn, 128},
                                         {recording_pool::first_pfn + 128, 128}};
    for (const tagcache_pfn_range& range : halves) {
        uint32_t donor = 0;
        REQUIRE(tagcache_pool_register_donor(p.pool, "d", &range, 1, 4, 0, &donor) == 0);
        donors.push_back(donor);
    }
    const tagcache_pfn_range overlapping{recording_pool::first_pfn + 4, 8};
    uint32_t unused = 0; // refused: recorded with its error
    CHECK(tagcache_pool_register_donor(p.pool, "x", &overlapping, 1, 4, 0, &unused) != 0);
    std::vector<unsigned char> folio(16 * page_bytes, 0x3C);
    uint64_t filled = 0;
    for (int step = 0; step < steps; ++step) {
        const uint32_t fs = filesystems.empty() ? 99 : filesystems[pick(filesystems.size())];
        const uint64_t inode = 1 + pick(6);
        const unsigned order =
            static_cast<unsigned>(pick(6)) < 4 ? 0 : static_cast<unsigned>(pick(6));
        const uint64_t index = pick(64) & ~((uint64_t{1} << order) - 1);
        const uint32_t donor = donors[pick(2)];
        const uint64_t pfn = recording_pool::first_pfn + pick(recording_pool::pages + 8);
        switch (pick(20)) {
        case 0:
            if (uint32_t id = 0; tagcache_pool_add_fs(p.pool, &id) == 0)
                filesystems.push_back(id);
            break;
        case 1:
            if (!filesystems.empty() && pick(4) == 0) {
                const size_t at = pick(filesystems.size());
                tagcache_pool_remove_fs(p.pool, filesystems[at]);
                filesystems.erase(filesystems.begin() + static_cast<long>(at));
            }
            break;
        case 2:
        case 3:
        case 4:
            tagcache_pool_donate(p.pool, donor, pfn);
            break;
        case 5:
            tagcache_pool_take_back(p.pool, donor, pfn);
            break;
        case 6:
        case 7:
        case 8:
        case 9:
        case 10:
            tagcache_pool_store(p.pool, fs, inode, index, order, folio.data());
            break;
        case 11:
        case 12:
        case 13:
        case 14:
            tagcache_pool_restore(p.pool, fs, inode, index, order, folio.data(), &filled);
            break;
        case 15:
        case 16:
            tagcache_pool_invalidate_page(p.pool, fs, inode, index, order);
            break;
        case 17:
            tagcache_pool_invalidate_inode(p.pool, fs, inode);
            break;
        case 18:
            if (pick(8) == 0)
                tagcache_pool_invalidate_fs(p.pool, fs);
            break;
        default:
            tagcache_pool_reclaim_stale(p.pool, static_cast<uint32_t>(pick(8)));
            break;
        }
    }
}

std::string write_file(const std::string& name, const std::vector<std::string>& lines) {
    const std::string path = "recording_test_" + name + ".txt";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines)
        out << line;
    return path;
}

std::string error_of(const std::string& path) {
    try {
        tagsim::check_recording(path);
    } catch (const tagsim::recording_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("a recorded pool replays in userspace with every result and counter the same",
          "[kernel][recording]") {
    for (const uint64_t seed : {1u, 2u, 3u}) {
        for (const tagcache_partial_take mode : {TAGCACHE_DROP_WHOLE_FOLIO, TAGCACHE_SPLIT_FOLIO}) {
            recording_pool p(1 << 16, 256, mode);
            drive(p, seed, 5000);
            tagcache_pool_stop_recording(p.pool);
            uint64_t lost = 9;
            const uint64_t recorded = tagcache_pool_recorded(p.pool, &lost);
            CHECK(lost == 0);
            const std::vector<std::string> lines = p.text();
            REQUIRE(lines.size() > 4000);
            CHECK(lines[0] == "tagcache-recording 1\n");
            CHECK(lines.back() == "end records=" + std::to_string(recorded) + " reason=stopped\n");
            // Every kind of operation is there, hits and misses included.
            const std::string all = [&] {
                std::string joined;
                for (const std::string& line : lines)
                    joined += line;
                return joined;
            }();
            for (const char* kind :
                 {"\nstore ", "\nrestore ", "\ninvalidate-page ", "\ninvalidate-inode ",
                  "\ninvalidate-fs ", "\nadd-fs ", "\nremove-fs ", "\ndonate ", "\ntake-back ",
                  "\nregister-donor ", "\nreclaim-stale ", " = ok 0x1\n", " = ok 0x0\n",
                  " = no_space\n", " = unknown_filesystem\n"})
                CHECK(all.find(kind) != std::string::npos);

            const std::string path = write_file("ok", lines);
            const tagsim::recording_summary s = tagsim::check_recording(path);
            CHECK(s.records == recorded);
            CHECK(s.counters_compared);
            CHECK(s.end_reason == "stopped");

            // One changed result, filled mask, id or counter: caught at its line.
            std::mt19937_64 random(seed);
            int flipped = 0;
            for (int tries = 0; flipped < 40 && tries < 100000; ++tries) {
                const size_t at = 2 + random() % (lines.size() - 2);
                std::string line = lines[at];
                if (const size_t ok = line.find(" = ok"); ok != std::string::npos)
                    line.replace(ok, 5, " = no_space");
                else if (const size_t e = line.find(" = no_space"); e != std::string::npos)
                    line.replace(e, 11, " = ok");
                else if (const size_t one = line.find(" 0x1\n"); one != std::string::npos)
                    line.replace(one, 5, " 0x3\n");
                else if (const size_t eq = line.find("stored="); eq != std::string::npos)
                    line.insert(eq + 7, "1");
                else
                    continue;
                std::vector<std::string> changed = lines;
                changed[at] = line;
                const std::string error = error_of(write_file("flipped", changed));
                INFO("line " << at + 1 << ": " << line);
                std::string where = ":"; // appended: GCC 12 -O3 misfires -Wrestrict on "..." + s
                where += std::to_string(at + 1);
                where += ": ";
                CHECK(error.find(where) != std::string::npos);
                ++flipped;
            }
            CHECK(flipped == 40);
        }
    }
}

TEST_CASE("a full array ends the recording as a faithful prefix", "[kernel][recording]") {
    recording_pool full(300, 256, TAGCACHE_DROP_WHOLE_FOLIO);
    drive(full, 7, 2000);
    uint64_t lost = 0;
    CHECK(tagcache_pool_recorded(full.pool, &lost) <= 300);
    CHECK(lost == 1);
    std::vector<std::string> lines = full.text();
    CHECK(lines.back().find(" reason=full\n") != std::string::npos);
    CHECK(tagsim::check_recording(write_file("full", lines)).end_reason == "full");

    // The text needs 1 KiB lines; a smaller buffer gets nothing and keeps its place.
    char tiny[8];
    uint64_t cursor = 1;
    CHECK(tagcache_pool_recording_line(full.pool, &cursor, tiny, sizeof tiny) == 0);
    CHECK(cursor == 1);
}

TEST_CASE("check-recording refuses hostile text with FILE:LINE", "[kernel][recording]") {
    recording_pool p(4096, 256, TAGCACHE_DROP_WHOLE_FOLIO);
    drive(p, 11, 200);
    const std::vector<std::string> lines = p.text();
    struct broken {
        size_t line; // 1-based; replaced by text
        const char* text;
        const char* message; // what the error says
    };
    const broken cases[] = {
        {1, "tagcache-recording 2\n", "not a tagcache recording"},
        {2, "pool slots=256\n", "field max-block-pages is missing"},
        {2,
         "pool slots=99999999999 max-block-pages=4 filesystems=4 max-ranges=32 page-size=4096 "
         "partial-take=drop hash-seed=0x243f6a8885a308d3\n",
         "slots 99999999999 is above"},
        {2,
         "pool slots=256 max-block-pages=4 filesystems=4 max-ranges=32 page-size=4096 "
         "partial-take=drop hash-seed=0x1\n",
         "hash-seed 0x1 is not the kernel ABI's"},
        {3, "fly 1 2 3 = ok\n", "unknown operation 'fly'"},
        {3, "store 0 1 2\n", "order is missing"},
        {3, "store 0 1 2 0 = maybe\n", "unknown result 'maybe'"},
        {3, "store 0 1 2 0 = ok extra\n", "extra words after the result"},
        {3, "register-donor 4 0 0x80000 = ok 0\n", "a donor range must be FIRST+COUNT"},
        {3, "store 0 1 2 0 \x01 = ok\n", ""},
    };
    for (const broken& c : cases) {
        std::vector<std::string> changed = lines;
        changed[c.line - 1] = c.text;
        const std::string error = error_of(write_file("broken", changed));
        INFO(c.text);
        CHECK(error.find("recording_test_broken.txt:" + std::to_string(c.line) + ": ") == 0);
        CHECK(error.find(c.message) != std::string::npos);
        CHECK(error.find('\n') == std::string::npos);
        CHECK(error.find('\x01') == std::string::npos);
    }
    std::vector<std::string> cut(lines.begin(), lines.end() - 2); // no stats, no end
    CHECK(error_of(write_file("cut", cut)).find("ends before its 'stats' line") !=
          std::string::npos);
    std::vector<std::string> counted = lines;
    counted.back() = "end records=1 reason=stopped\n";
    CHECK(error_of(write_file("counted", counted)).find("the recording says 1 records") !=
          std::string::npos);
    CHECK(error_of("no-such-recording.txt").find("cannot open") != std::string::npos);
}
