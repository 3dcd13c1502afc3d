// The page cache in front of a cleancache: a least-recently-used set of file pages of limited
// size. It only decides; the caller acts: a miss is looked up in the cleancache (restore) and
// allocates a page, an eviction stores the clean page in the cleancache and frees its page.
// As Linux's page cache, it holds clean pages only (this model reads, it never dirties).
//
// Flat: the entries sit in an array of `capacity` slots linked in recency order by slot
// numbers (an intrusive doubly linked list), and an open-addressing table (linear probing,
// deletion by backward shift) maps each cached page to its slot. Nothing is allocated after
// construction. Hosted.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace tagcache::sim {

class lru_page_cache {
public:
    // What the page cache holds for one file page: the allocation id of the page holding it.
    struct entry {
        uint64_t page = 0; // the file page (any numbering the caller chooses)
        uint64_t allocation = 0;
    };

    explicit lru_page_cache(uint64_t capacity) : capacity_(capacity) {
        if (capacity >= no_slot)
            throw std::invalid_argument("lru_page_cache: capacity too large");
        slots_.resize(static_cast<size_t>(capacity));
        // At most half full: short probe runs.
        unsigned bits = 1;
        while ((uint64_t{1} << bits) < 2 * capacity)
            ++bits;
        index_bits_ = bits;
        index_.assign(size_t{1} << bits, index_entry{});
    }

    // A read of `page`: true on a hit (the page becomes the most recently used).
    bool touch(uint64_t page) {
        const size_t at = index_position(page);
        if (index_[at].slot == no_slot)
            return false;
        const uint32_t slot = index_[at].slot;
        unlink(slot);
        link_front(slot);
        return true;
    }

    // The least recently used entry, removed, when the cache is full (room for one insert).
    std::optional<entry> evict_if_full() {
        if (size_ < capacity_ || size_ == 0)
            return std::nullopt;
        const uint32_t slot = tail_;
        const entry victim = slots_[slot].value;
        unlink(slot);
        unindex(victim.page);
        free_slot(slot);
        --size_;
        return victim;
    }

    // Caches `page` (not cached yet) in the page of allocation `allocation`.
    void insert(uint64_t page, uint64_t allocation) {
        if (size_ == capacity_)
            throw std::logic_error("lru_page_cache: insert into a full cache");
        const uint32_t slot = take_slot();
        slots_[slot].value = {page, allocation};
        link_front(slot);
        const size_t at = index_position(page);
        if (index_[at].slot != no_slot)
            throw std::logic_error("lru_page_cache: page already cached");
        index_[at] = {page, slot};
        ++size_;
    }

    uint64_t size() const noexcept { return size_; }
    uint64_t capacity() const noexcept { return capacity_; }

private:
    static constexpr uint32_t no_slot = ~uint32_t{0};

    struct cache_slot {
        entry value;
        uint32_t newer = no_slot, older = no_slot; // neighbours in recency order
    };
    struct index_entry {
        uint64_t page = 0;
        uint32_t slot = no_slot; // no_slot: this position is empty
    };

    // Fibonacci hashing: the high bits of page * 2^64/phi spread consecutive pages.
    size_t home_of(uint64_t page) const noexcept {
        return static_cast<size_t>((page * 0x9E37'79B9'7F4A'7C15ull) >> (64 - index_bits_));
    }
    size_t mask() const noexcept { return index_.size() - 1; }
    // Where `page` is in the index, or the empty position where it would go.
    size_t index_position(uint64_t page) const noexcept {
        size_t at = home_of(page);
        while (index_[at].slot != no_slot && index_[at].page != page)
            at = (at + 1) & mask();
        return at;
    }
    // Removes `page` (present) from the index, shifting later entries of its probe run back so
    // that every entry stays reachable from its home without tombstones.
    void unindex(uint64_t page) {
        size_t hole = index_position(page);
        for (size_t next = (hole + 1) & mask(); index_[next].slot != no_slot;
             next = (next + 1) & mask()) {
            const size_t home = home_of(index_[next].page);
            // The entry at `next` may move to `hole` unless its home lies in (hole, next].
            if (((next - home) & mask()) >= ((next - hole) & mask())) {
                index_[hole] = index_[next];
                hole = next;
            }
        }
        index_[hole] = index_entry{};
    }

    void link_front(uint32_t s) {
        slots_[s].newer = no_slot;
        slots_[s].older = head_;
        if (head_ != no_slot)
            slots_[head_].newer = s;
        head_ = s;
        if (tail_ == no_slot)
            tail_ = s;
    }
    void unlink(uint32_t s) {
        const uint32_t newer = slots_[s].newer, older = slots_[s].older;
        (newer != no_slot ? slots_[newer].older : head_) = older;
        (older != no_slot ? slots_[older].newer : tail_) = newer;
    }
    // Unused slots: first those never used, then a stack of freed ones (linked through older).
    uint32_t take_slot() {
        if (free_ != no_slot) {
            const uint32_t s = free_;
            free_ = slots_[s].older;
            return s;
        }
        return static_cast<uint32_t>(used_++);
    }
    void free_slot(uint32_t s) {
        slots_[s].older = free_;
        free_ = s;
    }

    uint64_t capacity_;
    uint64_t size_ = 0, used_ = 0;
    std::vector<cache_slot> slots_;
    std::vector<index_entry> index_;
    unsigned index_bits_ = 1;
    uint32_t head_ = no_slot, tail_ = no_slot, free_ = no_slot; // most / least recently used
};

} // namespace tagcache::sim
