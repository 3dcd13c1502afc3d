// A guest's page cache for the virtio-tmem model: an LRU of file pages whose capacity follows
// the guest's free memory, so that it shrinks when a balloon inflates or virtio-mem unplugs,
// and grows back. Pages are numbered 0..key_space-1 (a guest's file set); a direct index maps a
// page to its entry. Intrusive arrays sized at construction: nothing allocated per page. Hosted.
#pragma once

#include <cstdint>
#include <vector>

namespace tagcache::sim {

class resizable_page_cache {
public:
    static constexpr uint32_t none = ~uint32_t{0};

    // `key_space` pages can be cached, at most `max_capacity` at once.
    resizable_page_cache(uint64_t key_space, uint32_t max_capacity)
        : entry_of_(key_space, none)
        , key_(max_capacity + 1, 0)
        , next_(max_capacity + 1, none)
        , prev_(max_capacity + 1, none) {
        // Entry 0 is the list head (most recent after it, least recent before it).
        next_[0] = prev_[0] = 0;
        for (uint32_t e = max_capacity; e >= 1; --e)
            free_.push_back(e);
    }

    // What a cache of `key_space` pages and `max_capacity` entries allocates: the page-to-entry
    // table, the entries' keys and links, and the free list.
    static constexpr uint64_t required_bytes(uint64_t key_space, uint64_t max_capacity) noexcept {
        return key_space * sizeof(uint32_t) +
               (max_capacity + 1) * (sizeof(uint64_t) + 2 * sizeof(uint32_t)) +
               max_capacity * sizeof(uint32_t);
    }

    uint32_t size() const noexcept { return size_; }
    uint32_t capacity() const noexcept { return capacity_; }
    bool contains(uint64_t page) const noexcept { return entry_of_[page] != none; }

    // A read of `page`: true when cached (it becomes the most recent).
    bool touch(uint64_t page) noexcept {
        const uint32_t e = entry_of_[page];
        if (e == none)
            return false;
        unlink(e);
        link_front(e);
        return true;
    }

    // Caches `page` (not cached) as the most recent; evicts the least recent first when full,
    // calling evicted(page) for it. Nothing is cached at capacity 0.
    template <class Evicted>
    void insert(uint64_t page, Evicted&& evicted) {
        if (capacity_ == 0)
            return;
        if (size_ == capacity_)
            evict_one(evicted);
        const uint32_t e = free_.back();
        free_.pop_back();
        key_[e] = page;
        entry_of_[page] = e;
        link_front(e);
        ++size_;
    }

    // The capacity becomes `pages` (at most max_capacity); pages beyond it are evicted, least
    // recent first. Returns how many were.
    template <class Evicted>
    uint32_t set_capacity(uint32_t pages, Evicted&& evicted) {
        capacity_ = pages < key_.size() - 1 ? pages : static_cast<uint32_t>(key_.size() - 1);
        uint32_t dropped = 0;
        while (size_ > capacity_) {
            evict_one(evicted);
            ++dropped;
        }
        return dropped;
    }

private:
    template <class Evicted>
    void evict_one(Evicted& evicted) {
        const uint32_t e = prev_[0];
        unlink(e);
        entry_of_[key_[e]] = none;
        free_.push_back(e);
        --size_;
        evicted(key_[e]);
    }
    void unlink(uint32_t e) noexcept {
        next_[prev_[e]] = next_[e];
        prev_[next_[e]] = prev_[e];
    }
    void link_front(uint32_t e) noexcept {
        next_[e] = next_[0];
        prev_[e] = 0;
        prev_[next_[0]] = e;
        next_[0] = e;
    }

    std::vector<uint32_t> entry_of_; // page -> entry, or none
    std::vector<uint64_t> key_;      // entry -> page
    std::vector<uint32_t> next_, prev_;
    std::vector<uint32_t> free_; // unused entries
    uint32_t size_ = 0;
    uint32_t capacity_ = 0;
};

} // namespace tagcache::sim
