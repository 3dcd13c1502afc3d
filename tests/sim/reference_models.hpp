// Reference models for the simulator's flat structures: the node-based implementations they
// replaced (std::set free lists, a std::map of records, a std::list LRU), kept as the
// behaviour the flat ones must reproduce choice for choice. Randomized differential tests
// (tests/sim/*_test.cpp) drive both with the same operations and compare every answer.
#pragma once

#include <cstdint>
#include <iterator>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include <tagcache/base/assert.hpp>
#include <tagcache/base/types.hpp>
#include <tagsim/machines/allocation_table.hpp>

namespace tagcache::test {

// The buddy allocator with one std::set of free block heads per order (tagsim before the
// bitmaps): the lowest, highest and lower_bound of those sets are the choices to reproduce.
class reference_buddy_allocator {
public:
    static constexpr unsigned default_max_order = 10;

    reference_buddy_allocator() = default;
    explicit reference_buddy_allocator(std::span<const pfn_range> ranges,
                                       unsigned max_order = default_max_order)
        : free_(max_order + 1)
        , max_order_(max_order) {
        for (const pfn_range& range : ranges) {
            ranges_.push_back(range);
            add_free(range);
        }
    }

    unsigned max_order() const noexcept { return max_order_; }

    // The lowest free block of 2^order pages, or nothing.
    std::optional<pfn_t> allocate(unsigned order) {
        for (unsigned o = order; o <= max_order_; ++o) {
            if (free_[o].empty())
                continue;
            const pfn_t block = *free_[o].begin();
            free_[o].erase(free_[o].begin());
            split(block, o, order);
            free_pages_ -= pfn_t{1} << order;
            return block;
        }
        return std::nullopt;
    }

    // The free block of 2^order pages at `pfn` (aligned), if it is free.
    bool allocate_at(pfn_t pfn, unsigned order) {
        for (unsigned o = order; o <= max_order_; ++o) {
            const pfn_t head = pfn & ~((pfn_t{1} << o) - 1);
            const auto it = free_[o].find(head);
            if (it == free_[o].end())
                continue;
            free_[o].erase(it);
            // Split the containing block down to `pfn`, freeing the halves that do not hold it.
            for (unsigned level = o; level > order; --level) {
                const pfn_t half = pfn_t{1} << (level - 1);
                const pfn_t low = pfn & ~((pfn_t{1} << level) - 1);
                free_[level - 1].insert((pfn & half) ? low : low + half);
            }
            free_pages_ -= pfn_t{1} << order;
            return true;
        }
        return false;
    }

    // The highest free block of the smallest order that has one, its top 2^order pages: a
    // second free list growing down from the top keeps these allocations apart from
    // allocate()'s, which grow up from the bottom (tagged_placement::clustered).
    std::optional<pfn_t> allocate_highest(unsigned order) {
        for (unsigned o = order; o <= max_order_; ++o) {
            if (free_[o].empty())
                continue;
            const pfn_t top = *free_[o].rbegin() + (pfn_t{1} << o) - (pfn_t{1} << order);
            const bool taken = allocate_at(top, order);
            TAGCACHE_ASSERT(taken, "the top of a free block is not free");
            return top;
        }
        return std::nullopt;
    }

    // A free aligned block of 2^order pages at a uniformly random place: `random` is called for
    // 64-bit random numbers and at most `attempts` random places are tried. Independent uniform
    // placement is what the lendable tag-storage formula assumes (docs/tagsim.md;
    // tagged_placement::scattered). When memory is so full that every attempt fails, the
    // first free block at or after one more random place is taken (wrapping around), so what
    // is left stays spread over memory instead of coming from the bottom, and a nearly full
    // memory costs O(max_order log n) more, not a long series of misses.
    template <class Random>
    std::optional<pfn_t> allocate_random(unsigned order, Random&& random, unsigned attempts = 8) {
        const uint64_t total = total_pages();
        if (total == 0 || order > max_order_)
            return std::nullopt;
        const pfn_t size = pfn_t{1} << order;
        for (unsigned attempt = 0; attempt < attempts; ++attempt) {
            const pfn_t place = page_at(random() % total);
            const pfn_t at = place & ~(size - 1);
            if (same_range(place, at) && same_range(place, at + size - 1) && allocate_at(at, order))
                return at;
        }
        const pfn_t from = page_at(random() % total);
        std::optional<pfn_t> next, lowest;
        for (unsigned o = order; o <= max_order_; ++o) {
            if (free_[o].empty())
                continue;
            const auto it = free_[o].lower_bound(from);
            if (it != free_[o].end() && (!next || *it < *next))
                next = *it;
            if (!lowest || *free_[o].begin() < *lowest)
                lowest = *free_[o].begin();
        }
        const std::optional<pfn_t> head = next ? next : lowest;
        if (!head)
            return std::nullopt;
        const bool taken = allocate_at(*head, order); // the head of a free block of >= order
        TAGCACHE_ASSERT(taken, "the head of a free block is not free");
        return head;
    }

    // Frees an allocated block; merges with free buddies inside the same range.
    void free(pfn_t pfn, unsigned order) {
        if (order > max_order_ || (pfn & ((pfn_t{1} << order) - 1)) != 0 || !owns(pfn))
            throw std::invalid_argument("buddy_allocator::free: not an aligned block of ours");
        free_pages_ += pfn_t{1} << order;
        while (order < max_order_) {
            const pfn_t buddy = pfn ^ (pfn_t{1} << order);
            const auto it = free_[order].find(buddy);
            if (it == free_[order].end() || !same_range(pfn, buddy))
                break;
            free_[order].erase(it);
            pfn &= ~(pfn_t{1} << order);
            ++order;
        }
        free_[order].insert(pfn);
    }

    // Whether page `pfn` is free (in some free block).
    bool is_free(pfn_t pfn) const {
        for (unsigned o = 0; o <= max_order_; ++o)
            if (free_[o].count(pfn & ~((pfn_t{1} << o) - 1)) != 0)
                return true;
        return false;
    }

    bool owns(pfn_t pfn) const {
        for (const pfn_range& r : ranges_)
            if (r.contains(pfn))
                return true;
        return false;
    }
    uint64_t free_pages() const noexcept { return free_pages_; }
    uint64_t total_pages() const noexcept {
        uint64_t total = 0;
        for (const pfn_range& r : ranges_)
            total += r.count;
        return total;
    }
    // Free blocks of exactly `order` (for placement choices and tests).
    const std::set<pfn_t>& free_blocks(unsigned order) const { return free_[order]; }

private:
    // A range becomes the largest aligned blocks that fit in it.
    void add_free(const pfn_range& range) {
        pfn_t at = range.first;
        while (at < range.end()) {
            unsigned order = max_order_;
            while (order > 0 && ((at & ((pfn_t{1} << order) - 1)) != 0 ||
                                 at + (pfn_t{1} << order) > range.end()))
                --order;
            free_[order].insert(at);
            free_pages_ += pfn_t{1} << order;
            at += pfn_t{1} << order;
        }
    }
    void split(pfn_t block, unsigned from, unsigned to) {
        while (from > to) {
            --from;
            free_[from].insert(block + (pfn_t{1} << from)); // the upper half stays free
        }
    }
    // The page `offset` pages into all ranges together.
    pfn_t page_at(uint64_t offset) const noexcept {
        for (const pfn_range& r : ranges_) {
            if (offset < r.count)
                return r.first + offset;
            offset -= r.count;
        }
        return ranges_.back().first; // offset >= total: not reached
    }
    bool same_range(pfn_t a, pfn_t b) const {
        for (const pfn_range& r : ranges_)
            if (r.contains(a))
                return r.contains(b);
        return false;
    }

    std::vector<std::set<pfn_t>> free_;
    std::vector<pfn_range> ranges_;
    unsigned max_order_ = default_max_order;
    uint64_t free_pages_ = 0;
};

// The allocation table as a std::map from head pfn to record (tagsim before the flat table).
class reference_allocation_table {
public:
    using allocation_record = sim::allocation_record;
    using allocation_kind = sim::allocation_kind;

    bool insert(const allocation_record& record) {
        return records_.emplace(record.pfn, record).second;
    }
    bool erase(pfn_t head) { return records_.erase(head) != 0; }
    std::optional<allocation_record> find(pfn_t head) const {
        const auto it = records_.find(head);
        return it == records_.end() ? std::nullopt : std::optional(it->second);
    }
    std::optional<allocation_record> containing(pfn_t pfn) const {
        auto it = records_.upper_bound(pfn);
        if (it == records_.begin())
            return std::nullopt;
        --it;
        return pfn < it->second.end() ? std::optional(it->second) : std::nullopt;
    }
    void move(pfn_t from, pfn_t to) {
        auto node = records_.extract(from);
        TAGCACHE_ASSERT(!node.empty(), "moving an allocation that is not recorded");
        node.key() = to;
        node.mapped().pfn = to;
        TAGCACHE_ASSERT(records_.insert(std::move(node)).inserted, "migration target in use");
    }
    result<void> pin(pfn_t pfn) {
        allocation_record* record = movable_containing(pfn);
        if (record == nullptr)
            return errc::not_allocated;
        ++record->pins;
        return {};
    }
    result<void> unpin(pfn_t pfn) {
        allocation_record* record = movable_containing(pfn);
        if (record == nullptr || record->pins == 0)
            return errc::not_allocated;
        --record->pins;
        return {};
    }
    std::vector<allocation_record> records() const {
        std::vector<allocation_record> out;
        for (const auto& [head, record] : records_)
            out.push_back(record);
        return out;
    }
    std::size_t size() const noexcept { return records_.size(); }

private:
    allocation_record* movable_containing(pfn_t pfn) {
        auto it = records_.upper_bound(pfn);
        if (it == records_.begin())
            return nullptr;
        --it;
        allocation_record& record = it->second;
        return pfn < record.end() && record.kind == allocation_kind::movable ? &record : nullptr;
    }
    std::map<pfn_t, allocation_record> records_;
};

// The page cache as a std::list in recency order and an unordered_map into it (tagsim before
// the flat one).
class reference_lru_page_cache {
public:
    struct entry {
        uint64_t page = 0;
        uint64_t allocation = 0;
    };
    explicit reference_lru_page_cache(uint64_t capacity) : capacity_(capacity) {}
    bool touch(uint64_t page) {
        const auto it = index_.find(page);
        if (it == index_.end())
            return false;
        order_.splice(order_.begin(), order_, it->second);
        return true;
    }
    std::optional<entry> evict_if_full() {
        if (order_.size() < capacity_ || order_.empty())
            return std::nullopt;
        const entry victim = order_.back();
        index_.erase(victim.page);
        order_.pop_back();
        return victim;
    }
    void insert(uint64_t page, uint64_t allocation) {
        order_.push_front({page, allocation});
        index_.emplace(page, order_.begin());
    }
    uint64_t size() const noexcept { return order_.size(); }

private:
    uint64_t capacity_;
    std::list<entry> order_;
    std::unordered_map<uint64_t, std::list<entry>::iterator> index_;
};

} // namespace tagcache::test
