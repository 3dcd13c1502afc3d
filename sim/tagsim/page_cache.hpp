// The page cache in front of a cleancache: a least-recently-used set of file pages of limited
// size. It only decides; the caller acts: a miss is looked up in the cleancache (restore) and
// allocates a page, an eviction stores the clean page in the cleancache and frees its page.
// As Linux's page cache, it holds clean pages only (this model reads, it never dirties). Hosted.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>

namespace tagcache::sim {

class lru_page_cache {
public:
    // What the page cache holds for one file page: the allocation id of the page holding it.
    struct entry {
        uint64_t page = 0; // the file page (any numbering the caller chooses)
        uint64_t allocation = 0;
    };

    explicit lru_page_cache(uint64_t capacity) : capacity_(capacity) {
        index_.reserve(static_cast<size_t>(capacity));
    }

    // A read of `page`: true on a hit (the page becomes the most recently used).
    bool touch(uint64_t page) {
        const auto it = index_.find(page);
        if (it == index_.end())
            return false;
        order_.splice(order_.begin(), order_, it->second);
        return true;
    }

    // The least recently used entry, removed, when the cache is full (room for one insert).
    std::optional<entry> evict_if_full() {
        if (order_.size() < capacity_ || order_.empty())
            return std::nullopt;
        const entry victim = order_.back();
        index_.erase(victim.page);
        order_.pop_back();
        return victim;
    }

    // Caches `page` (not cached yet) in the page of allocation `allocation`.
    void insert(uint64_t page, uint64_t allocation) {
        order_.push_front({page, allocation});
        index_.emplace(page, order_.begin());
    }

    uint64_t size() const noexcept { return order_.size(); }
    uint64_t capacity() const noexcept { return capacity_; }

private:
    uint64_t capacity_;
    std::list<entry> order_; // most recently used first
    std::unordered_map<uint64_t, std::list<entry>::iterator> index_;
};

} // namespace tagcache::sim
