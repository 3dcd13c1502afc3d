// A map from the ids a workload numbers its allocations with (0, 1, 2, ... in the order made)
// to a 64-bit value: a flat array indexed by id, in chunks of 64 Ki ids. A chunk is made when
// its first id is inserted and freed when its last live id is erased (unless it still takes
// new ids), so memory follows the span of live ids, not every id ever made, and a lookup is
// two array reads, with no allocation per entry. Hosted.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <tagcache/base/assert.hpp>

namespace tagcache::sim {

class id_map {
public:
    // Maps `id` (not mapped yet) to `value` (anything but ~0, which marks an absent id).
    void insert(uint64_t id, uint64_t value) {
        TAGCACHE_ASSERT(value != absent, "id_map: the value ~0 cannot be stored");
        const size_t c = static_cast<size_t>(id >> chunk_shift);
        if (c >= chunks_.size())
            chunks_.resize(c + 1);
        chunk& into = chunks_[c];
        if (!into.values) {
            into.values = std::make_unique<uint64_t[]>(chunk_ids);
            std::fill_n(into.values.get(), chunk_ids, absent);
        }
        uint64_t& slot = into.values[id % chunk_ids];
        TAGCACHE_ASSERT(slot == absent, "id_map: id already mapped");
        slot = value;
        ++into.live;
        ++size_;
        newest_chunk_ = std::max(newest_chunk_, c);
    }
    std::optional<uint64_t> find(uint64_t id) const {
        const size_t c = static_cast<size_t>(id >> chunk_shift);
        if (c >= chunks_.size() || !chunks_[c].values)
            return std::nullopt;
        const uint64_t value = chunks_[c].values[id % chunk_ids];
        return value == absent ? std::nullopt : std::optional<uint64_t>(value);
    }
    bool contains(uint64_t id) const { return find(id).has_value(); }
    // Forgets `id`; false if it was not mapped.
    bool erase(uint64_t id) {
        const size_t c = static_cast<size_t>(id >> chunk_shift);
        if (c >= chunks_.size() || !chunks_[c].values ||
            chunks_[c].values[id % chunk_ids] == absent)
            return false;
        chunk& from = chunks_[c];
        from.values[id % chunk_ids] = absent;
        --size_;
        if (--from.live == 0 && c != newest_chunk_)
            from.values.reset(); // all its ids are dead and no new one will come
        return true;
    }
    size_t size() const noexcept { return size_; }

private:
    static constexpr uint64_t absent = ~uint64_t{0};
    static constexpr unsigned chunk_shift = 16;
    static constexpr uint64_t chunk_ids = uint64_t{1} << chunk_shift;

    struct chunk {
        std::unique_ptr<uint64_t[]> values; // null: no live id (never made, or freed)
        uint32_t live = 0;
    };
    std::vector<chunk> chunks_;
    size_t newest_chunk_ = 0, size_ = 0;
};

} // namespace tagcache::sim
