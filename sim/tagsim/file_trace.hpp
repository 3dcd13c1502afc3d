// tagcache's native file-page trace: one page-cache event a line,
//
//     fs inode index order op        e.g.   0 42 8 2 read
//
// fs, inode, index and order unsigned integers, op one of
//   read        the page cache reads folio (fs, inode, index, order); a cleancache lookup
//   write       the folio is written (dirtied): its cached copy is stale, so it is invalidated
//   invalidate  the same, by name (the page cache dropped or invalidated the folio)
//   truncate    the file is truncated or deleted: every cached page of the inode is invalidated
//               (index and order are read but not used)
// `#` starts a comment; blank lines are skipped; index must be a multiple of 2^order. Plain or
// zstd-compressed, as the .lis reader (lis_trace.hpp). A replay (file_trace_replay) runs the
// events through a pool as a demand-paging cache: a read restores its folio and, on a miss,
// stores it. Hosted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "lis_trace.hpp"
#include <tagcache/hosted/owned_pool.hpp>
#include "replay.hpp"

namespace tagcache::sim {

enum class file_op : uint8_t { read, write, invalidate, truncate };

struct file_event {
    uint64_t fs = 0, inode = 0, index = 0;
    unsigned order = 0;
    file_op op = file_op::read;
    friend bool operator==(const file_event&, const file_event&) = default;
};

// Calls `on_event(file_event)` for every event of the trace at `path`, in order; orders above
// `max_order` are refused (the pool's largest folio).
template <class OnEvent>
void for_each_file_event(const std::string& path, unsigned max_order, OnEvent&& on_event) {
    detail::for_each_trace_line(path, '#', [&](uint64_t line_number, std::string_view line) {
        const auto fail = [&](const std::string& why) {
            detail::throw_line_error(path, line_number, line, why);
        };
        std::string_view rest = line;
        uint64_t fields[4];
        for (uint64_t& field : fields)
            if (!detail::parse_number(rest, field))
                fail("expected fs inode index order op (four unsigned integers and an op)");
        const size_t start = rest.find_first_not_of(" \t");
        if (start == std::string_view::npos)
            fail("missing op (read, write, invalidate or truncate)");
        rest.remove_prefix(start);
        const size_t end = rest.find_first_of(" \t");
        const std::string_view op = rest.substr(0, end);
        if (end != std::string_view::npos &&
            rest.find_first_not_of(" \t", end) != std::string_view::npos)
            fail("more than five fields");
        file_event event{fields[0], fields[1], fields[2], 0, file_op::read};
        if (op == "read")
            event.op = file_op::read;
        else if (op == "write")
            event.op = file_op::write;
        else if (op == "invalidate")
            event.op = file_op::invalidate;
        else if (op == "truncate")
            event.op = file_op::truncate;
        else
            fail("unknown op '" + std::string(op) + "' (read, write, invalidate or truncate)");
        if (fields[3] > max_order)
            fail("order " + std::to_string(fields[3]) + " is above the largest folio order " +
                 std::to_string(max_order));
        event.order = static_cast<unsigned>(fields[3]);
        if (event.op != file_op::truncate && (event.index & ((uint64_t{1} << event.order) - 1)))
            fail("index is not a multiple of 2^order");
        on_event(event);
    });
}

inline std::vector<file_event> read_file_events(const std::string& path, unsigned max_order) {
    std::vector<file_event> events;
    for_each_file_event(path, max_order, [&](const file_event& e) { events.push_back(e); });
    return events;
}

struct file_replay_result {
    uint64_t reads = 0, hits = 0, pages_read = 0, pages_hit = 0;
    uint64_t invalidations = 0, truncations = 0;
    double seconds = 0;
    double hit_ratio() const noexcept {
        return reads == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(reads);
    }
};

// Replays file events through a fresh pool of `capacity` page slots (one donor): a read
// restores its folio (a hit when every page was filled) and stores it on a miss; write and
// invalidate invalidate the folio; truncate the inode. Each trace fs becomes one pool fs.
template <class Config>
file_replay_result replay_file_events(const std::vector<file_event>& events, uint32_t capacity) {
    pool_geometry geometry;
    geometry.slots = capacity;
    owned_pool<Config> pool(geometry);
    const pfn_range pages{0, capacity};
    const uint32_t donor = pool->register_donor("cache", span<const pfn_range>(&pages, 1)).value();
    pool->donate_range(donor, pages);
    std::map<uint64_t, fs_id> filesystems;
    file_replay_result result;
    const auto start = std::chrono::steady_clock::now();
    for (const file_event& e : events) {
        auto fs = filesystems.find(e.fs);
        if (fs == filesystems.end()) {
            const auto added = pool->add_fs();
            if (!added)
                throw trace_error("more filesystems in the trace than the pool has ids (" +
                                  std::to_string(geometry.filesystems) + ")");
            fs = filesystems.emplace(e.fs, *added).first;
        }
        const page_key key{fs->second, e.inode, e.index};
        switch (e.op) {
        case file_op::read: {
            ++result.reads;
            result.pages_read += uint64_t{1} << e.order;
            const auto filled = pool->restore(key, e.order, nullptr);
            const unsigned count = filled ? filled->count() : 0;
            result.pages_hit += count;
            if (filled && filled->all(e.order))
                ++result.hits;
            else
                (void)pool->store(key, e.order, nullptr);
            break;
        }
        case file_op::write:
        case file_op::invalidate:
            ++result.invalidations;
            (void)pool->invalidate(key, e.order);
            break;
        case file_op::truncate:
            ++result.truncations;
            (void)pool->invalidate_inode(fs->second, e.inode);
            break;
        }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

} // namespace tagcache::sim
