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
// `#` starts a comment; blank lines are skipped; index must be a multiple of 2^order, and the
// folio must end below 2^40 (the pool keys pages by 40 bits). Plain or zstd-compressed, streamed
// as the .lis reader (trace_stream.hpp). A file_replayer runs the events through a pool as a
// demand-paging cache: a read restores its folio and, on a miss, stores it. Hosted.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <tagcache/hosted/owned_pool.hpp>

#include "lis_trace.hpp"
#include "replay.hpp"
#include "trace_stream.hpp"

namespace tagcache::sim {

enum class file_op : uint8_t { read, write, invalidate, truncate };

struct file_event {
    uint64_t fs = 0, inode = 0, index = 0;
    unsigned order = 0;
    file_op op = file_op::read;
    friend bool operator==(const file_event&, const file_event&) = default;
};

// Calls `on_event(file_event)` for every event of the trace `reader` streams, in order; orders
// above `max_order` are refused (the pool's largest folio).
template <class OnEvent>
void for_each_file_event(trace_line_reader& reader, unsigned max_order, OnEvent&& on_event) {
    reader.for_each_line('#', [&](uint64_t line_number, std::string_view line) {
        const auto fail = [&](const std::string& why) {
            throw_line_error(reader.path(), line_number, line, why);
        };
        std::string_view rest = line;
        uint64_t fields[4];
        for (uint64_t& field : fields)
            if (!detail::parse_field(rest, field))
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
        if (event.op != file_op::truncate &&
            event.index > max_page_index - ((uint64_t{1} << event.order) - 1))
            fail("index beyond 2^40 - 1, the largest page index the pool keys");
        try {
            on_event(event);
        } catch (const trace_error& e) { // what the replay refuses: at this line too
            fail(e.what());
        }
    });
}

struct file_replay_result {
    uint64_t reads = 0, hits = 0, pages_read = 0, pages_hit = 0;
    uint64_t invalidations = 0, truncations = 0;
    double seconds = 0;
    double hit_ratio() const noexcept {
        return reads == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(reads);
    }
};

// Replays file events through a fresh pool of `capacity` page slots (one donor), one at a time
// (a trace is streamed, never held): a read restores its folio (a hit when every page was
// filled) and stores it on a miss; write and invalidate invalidate the folio; truncate the
// inode. Each trace fs becomes one pool fs. A request the pool refuses is an error, never a
// silent miss.
template <class Config>
class file_replayer {
public:
    explicit file_replayer(uint32_t capacity) : pool_(geometry_for(capacity)) {
        const pfn_range pages{0, capacity};
        const uint32_t donor =
            pool_->register_donor("cache", span<const pfn_range>(&pages, 1)).value();
        pool_->donate_range(donor, pages);
    }

    void apply(const file_event& e) {
        const auto start = std::chrono::steady_clock::now();
        auto fs = filesystems_.find(e.fs);
        if (fs == filesystems_.end()) {
            const auto added = pool_->add_fs();
            if (!added)
                throw trace_error("more filesystems in the trace than the pool has ids (" +
                                  std::to_string(pool_->geometry().filesystems) + ")");
            fs = filesystems_.emplace(e.fs, *added).first;
        }
        const page_key key{fs->second, e.inode, e.index};
        switch (e.op) {
        case file_op::read: {
            ++result_.reads;
            result_.pages_read += uint64_t{1} << e.order;
            const auto filled = checked(pool_->restore(key, e.order, nullptr));
            result_.pages_hit += filled.count();
            if (filled.all(e.order))
                ++result_.hits;
            else if (const auto stored = pool_->store(key, e.order, nullptr);
                     !stored && stored.error() != errc::no_space)
                checked(stored);
            break;
        }
        case file_op::write:
        case file_op::invalidate:
            ++result_.invalidations;
            checked(pool_->invalidate(key, e.order));
            break;
        case file_op::truncate:
            ++result_.truncations;
            checked(pool_->invalidate_inode(fs->second, e.inode));
            break;
        }
        result_.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

    const file_replay_result& result() const noexcept { return result_; }
    const cleancache_pool<Config>& pool() const noexcept { return *pool_; }

private:
    static pool_geometry geometry_for(uint32_t capacity) {
        pool_geometry geometry;
        geometry.slots = capacity;
        return geometry;
    }
    template <class T>
    static T checked(const tagcache::result<T>& r) {
        if (!r)
            throw trace_error(std::string("the pool refused a request: ") +
                              error_message(r.error()));
        return *r;
    }
    static void checked(const tagcache::result<void>& r) {
        if (!r)
            throw trace_error(std::string("the pool refused a request: ") +
                              error_message(r.error()));
    }

    owned_pool<Config> pool_;
    std::map<uint64_t, fs_id> filesystems_;
    file_replay_result result_;
};

} // namespace tagcache::sim
