// The cache a user would write by hand instead of tagcache's pool, done well: an
// std::unordered_map (reserved up front) from key to an std::list node, the list in LRU order,
// a pre-allocated arena of page copies, and a reverse map from page to list node so that a
// donor can take a page back. Eviction reuses the victim's list node (splice, no allocation);
// pages lent back go on a free stack
// with a position index, so taking back a free page is O(1) too. Not thread-safe (the pool's
// benchmarks take its spinlock: an uncontended lock costs an atomic exchange or two, ~10 ns here).
#pragma once

#include <tagcache/tagcache.hpp>

#include <cstdint>
#include <cstring>
#include <list>
#include <unordered_map>
#include <vector>

namespace tagcache::bench {

class handwritten_cache {
public:
    struct key {
        uint64_t inode = 0, index = 0;
        bool operator==(const key&) const = default;
    };

    // `copies` false: metadata only (no arena, no copies), to compare bookkeeping alone.
    explicit handwritten_cache(uint32_t pages, bool copies = true)
        : copies_(copies)
        , arena_(copies ? pages : 0, page_bytes)
        , owner_(pages, lru_.end())
        , free_position_(pages)
        , lent_(pages, true) {
        map_.reserve(pages);
        free_.reserve(pages);
        for (uint32_t page = pages; page-- > 0;)
            push_free(page);
    }

    // Copies the page in; evicts the least recently used page when no page is free. False when
    // the cache has no page at all.
    bool store(const key& k, const void* source) {
        uint32_t page;
        if (const auto found = map_.find(k); found != map_.end()) {
            page = found->second->page;
            lru_.splice(lru_.begin(), lru_, found->second);
        } else if (!free_.empty()) {
            page = free_.back();
            free_.pop_back();
            lru_.push_front({k, page});
            map_.emplace(k, lru_.begin());
            owner_[page] = lru_.begin();
        } else if (!lru_.empty()) {
            const auto victim = std::prev(lru_.end());
            map_.erase(victim->k);
            victim->k = k;
            page = victim->page;
            lru_.splice(lru_.begin(), lru_, victim);
            map_.emplace(k, victim);
        } else {
            return false;
        }
        if (copies_)
            std::memcpy(page_address(page), source, page_bytes);
        return true;
    }

    // Copies the page out and makes it most recently used; false on a miss.
    bool restore(const key& k, void* sink) {
        const auto found = map_.find(k);
        if (found == map_.end())
            return false;
        lru_.splice(lru_.begin(), lru_, found->second);
        if (copies_)
            std::memcpy(sink, page_address(found->second->page), page_bytes);
        return true;
    }

    // The donor takes a page back: its data (if any) is dropped.
    bool take_back(uint32_t page) {
        if (!lent_[page])
            return false;
        lent_[page] = false;
        if (const auto entry = owner_[page]; entry != lru_.end()) {
            map_.erase(entry->k);
            lru_.erase(entry);
            owner_[page] = lru_.end();
        } else {
            // A free page leaves the free stack in O(1): the last entry takes its place.
            const uint32_t last = free_.back();
            free_[free_position_[page]] = last;
            free_position_[last] = free_position_[page];
            free_.pop_back();
        }
        return true;
    }
    // The donor lends a page again.
    bool donate(uint32_t page) {
        if (lent_[page])
            return false;
        lent_[page] = true;
        push_free(page);
        return true;
    }

    std::size_t cached() const noexcept { return map_.size(); }

private:
    static constexpr std::size_t page_bytes = 4096;
    struct node {
        key k;
        uint32_t page;
    };
    struct key_hash {
        std::size_t operator()(const key& k) const noexcept {
            return std::hash<uint64_t>{}(k.inode * 0x9E37'79B9'7F4A'7C15ull ^ k.index);
        }
    };
    void push_free(uint32_t page) {
        free_position_[page] = static_cast<uint32_t>(free_.size());
        free_.push_back(page);
    }
    unsigned char* page_address(uint32_t page) const noexcept {
        return arena_.data() + std::size_t{page} * page_bytes;
    }

    bool copies_;
    page_arena arena_;
    std::list<node> lru_;
    std::unordered_map<key, std::list<node>::iterator, key_hash> map_;
    std::vector<std::list<node>::iterator> owner_; // page -> its node, or lru_.end()
    std::vector<uint32_t> free_;                   // free pages, a stack
    std::vector<uint32_t> free_position_;          // page -> its index in free_ while free
    std::vector<bool> lent_;
};

} // namespace tagcache::bench
