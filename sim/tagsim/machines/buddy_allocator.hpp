// A buddy allocator of page frames for models: free blocks of 2^k pages, aligned to 2^k pfns,
// split on allocation and merged with their buddy on free, as the kernel's page allocator
// does. Deterministic: the lowest free block first (or the highest, or the next after a place).
//
// The free lists are bitmaps: for each range and order, one bit per aligned block of that order
// in the range (hierarchical_bitmap), set while the block is free. A block is found, taken and
// given back with a few word operations, without allocating; the lowest, highest and next free
// block of an order are ordered bitmap searches. Free blocks never leave their range (splits
// and merges stay inside it), so each range's bitmaps hold its blocks alone. Hosted.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "hierarchical_bitmap.hpp"
#include <tagcache/base/assert.hpp>
#include <tagcache/base/types.hpp>

namespace tagcache::sim {

class buddy_allocator {
public:
    static constexpr unsigned default_max_order = 10; // MAX_PAGE_ORDER with 4 KiB pages

    buddy_allocator() = default;
    // `ranges` must not overlap; they may come in any order and need not be aligned.
    explicit buddy_allocator(std::span<const pfn_range> ranges,
                             unsigned max_order = default_max_order)
        : ranges_(ranges.begin(), ranges.end())
        , max_order_(max_order) {
        if (max_order >= 64)
            throw std::invalid_argument("buddy_allocator: max_order must be below 64");
        for (const pfn_range& range : ranges)
            free_lists_.emplace_back(range, max_order);
        std::sort(free_lists_.begin(), free_lists_.end(),
                  [](const range_free_lists& a, const range_free_lists& b) {
                      return a.range.first < b.range.first;
                  });
        for (range_free_lists& lists : free_lists_)
            add_free(lists);
    }

    unsigned max_order() const noexcept { return max_order_; }

    // The lowest free block of 2^order pages, or nothing.
    std::optional<pfn_t> allocate(unsigned order) {
        // The smallest order >= `order` with a free block, then its lowest range with one.
        const uint64_t orders = free_orders() & at_or_above(order);
        if (orders == 0)
            return std::nullopt;
        const auto o = static_cast<unsigned>(std::countr_zero(orders));
        for (range_free_lists& lists : free_lists_) {
            if (!lists.has(o))
                continue;
            const pfn_t block = lists.head_of(lists.by_order[o].find_first(), o);
            lists.take_free(block, o);
            split(lists, block, o, order);
            free_pages_ -= pfn_t{1} << order;
            return block;
        }
        return std::nullopt; // not reached: some range has order o
    }

    // The free block of 2^order pages at `pfn` (aligned), if it is free.
    bool allocate_at(pfn_t pfn, unsigned order) {
        range_free_lists* lists = lists_of(pfn);
        if (lists == nullptr)
            return false; // free blocks lie inside the ranges
        for (uint64_t orders = lists->orders & at_or_above(order); orders != 0;
             orders &= orders - 1) {
            const auto o = static_cast<unsigned>(std::countr_zero(orders));
            const pfn_t head = pfn & ~((pfn_t{1} << o) - 1);
            if (!lists->take(head, o))
                continue;
            // Split the containing block down to `pfn`, freeing the halves that do not hold it.
            for (unsigned level = o; level > order; --level) {
                const pfn_t half = pfn_t{1} << (level - 1);
                const pfn_t low = pfn & ~((pfn_t{1} << level) - 1);
                lists->give((pfn & half) ? low : low + half, level - 1);
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
            for (auto lists = free_lists_.rbegin(); lists != free_lists_.rend(); ++lists) {
                if (!lists->has(o))
                    continue;
                const uint64_t index = lists->by_order[o].find_last();
                const pfn_t top = lists->head_of(index, o) + (pfn_t{1} << o) - (pfn_t{1} << order);
                const bool taken = allocate_at(top, order);
                TAGCACHE_ASSERT(taken, "the top of a free block is not free");
                return top;
            }
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
        // The first free block at or after one more random place, else the lowest (wrapping).
        std::optional<pfn_t> head = lowest_free_head(order, page_at(random() % total));
        if (!head)
            head = lowest_free_head(order, 0);
        if (!head)
            return std::nullopt;
        const bool taken = allocate_at(*head, order); // the head of a free block of >= order
        TAGCACHE_ASSERT(taken, "the head of a free block is not free");
        return head;
    }

    // Frees an allocated block; merges with free buddies inside the same range.
    void free(pfn_t pfn, unsigned order) {
        range_free_lists* lists = lists_of(pfn);
        if (order > max_order_ || (pfn & ((pfn_t{1} << order) - 1)) != 0 || lists == nullptr)
            throw std::invalid_argument("buddy_allocator::free: not an aligned block of ours");
        free_pages_ += pfn_t{1} << order;
        while (order < max_order_) {
            const pfn_t buddy = pfn ^ (pfn_t{1} << order);
            if (!lists->range.contains(buddy) || !lists->take(buddy, order))
                break;
            pfn &= ~(pfn_t{1} << order);
            ++order;
        }
        lists->give(pfn, order);
    }

    // Whether page `pfn` is free (in some free block).
    bool is_free(pfn_t pfn) const {
        const range_free_lists* lists = lists_of(pfn);
        if (lists == nullptr)
            return false;
        for (unsigned o = 0; o <= max_order_; ++o)
            if (lists->has(o) && lists->is_free(pfn & ~((pfn_t{1} << o) - 1), o))
                return true;
        return false;
    }

    bool owns(pfn_t pfn) const { return lists_of(pfn) != nullptr; }
    uint64_t free_pages() const noexcept { return free_pages_; }
    uint64_t total_pages() const noexcept { return total_pages_; }

    // The lowest free block of exactly `order` whose head is at or after `from`, or nothing.
    // Visits free blocks in address order: for (at = next_free_block(o, 0); at;
    // at = next_free_block(o, *at + 1)).
    std::optional<pfn_t> next_free_block(unsigned order, pfn_t from) const {
        if (order > max_order_)
            return std::nullopt;
        for (const range_free_lists& lists : free_lists_) {
            if (lists.range.end() <= from || !lists.has(order))
                continue; // every block of this range lies below `from`, or none is free
            const uint64_t index = lists.by_order[order].find_next(lists.first_index(from, order));
            if (index != hierarchical_bitmap::npos)
                return lists.head_of(index, order);
        }
        return std::nullopt;
    }
    // The lowest head at or after `from` of a free block of any order >= `order`.
    std::optional<pfn_t> lowest_free_head(unsigned order, pfn_t from) const {
        std::optional<pfn_t> head;
        for (uint64_t orders = free_orders() & at_or_above(order); orders != 0;
             orders &= orders - 1) {
            const auto o = static_cast<unsigned>(std::countr_zero(orders));
            const std::optional<pfn_t> next = next_free_block(o, from);
            if (next && (!head || *next < *head))
                head = next;
        }
        return head;
    }
    // Free blocks of exactly `order`, in address order (for tests).
    std::vector<pfn_t> free_blocks(unsigned order) const {
        std::vector<pfn_t> heads;
        for (auto at = next_free_block(order, 0); at; at = next_free_block(order, *at + 1))
            heads.push_back(*at);
        return heads;
    }

private:
    // One range's free lists: bit i of by_order[k] stands for the block of 2^k pages at
    // base + i * 2^k. `base` is the range's start rounded down to 2^max_order, so that the
    // block containing any page of the range has a bit at every order. Bit k of `orders` is
    // set while by_order[k] has a free block, so empty orders cost one test.
    struct range_free_lists {
        pfn_range range;
        pfn_t base;
        std::vector<hierarchical_bitmap> by_order;
        uint64_t orders = 0;

        range_free_lists(const pfn_range& r, unsigned max_order)
            : range(r)
            , base(r.first & ~((pfn_t{1} << max_order) - 1)) {
            for (unsigned o = 0; o <= max_order; ++o)
                by_order.emplace_back((r.end() - base + (pfn_t{1} << o) - 1) >> o);
        }
        pfn_t head_of(uint64_t index, unsigned order) const noexcept {
            return base + (index << order);
        }
        uint64_t index_of(pfn_t head, unsigned order) const noexcept {
            return (head - base) >> order;
        }
        // The index of the first block of `order` whose head is at or after `from`.
        uint64_t first_index(pfn_t from, unsigned order) const noexcept {
            return from <= base ? 0 : (from - base + (pfn_t{1} << order) - 1) >> order;
        }
        bool has(unsigned order) const noexcept { return (orders >> order & 1) != 0; }
        bool is_free(pfn_t head, unsigned order) const {
            return by_order[order].test(index_of(head, order));
        }
        // Takes the block off its free list if it is free.
        bool take(pfn_t head, unsigned order) {
            if (!is_free(head, order))
                return false;
            take_free(head, order);
            return true;
        }
        void take_free(pfn_t head, unsigned order) {
            by_order[order].reset(index_of(head, order));
            if (by_order[order].none())
                orders &= ~(uint64_t{1} << order);
        }
        void give(pfn_t head, unsigned order) {
            by_order[order].set(index_of(head, order));
            orders |= uint64_t{1} << order;
        }
    };

    // The orders with a free block in some range, as a mask.
    uint64_t free_orders() const noexcept {
        uint64_t orders = 0;
        for (const range_free_lists& lists : free_lists_)
            orders |= lists.orders;
        return orders;
    }
    static constexpr uint64_t at_or_above(unsigned order) noexcept {
        return order >= 64 ? 0 : ~uint64_t{0} << order;
    }

    // A range becomes the largest aligned blocks that fit in it.
    void add_free(range_free_lists& lists) {
        const pfn_range& range = lists.range;
        pfn_t at = range.first;
        while (at < range.end()) {
            unsigned order = max_order_;
            while (order > 0 && ((at & ((pfn_t{1} << order) - 1)) != 0 ||
                                 at + (pfn_t{1} << order) > range.end()))
                --order;
            lists.give(at, order);
            free_pages_ += pfn_t{1} << order;
            total_pages_ += pfn_t{1} << order;
            at += pfn_t{1} << order;
        }
    }
    void split(range_free_lists& lists, pfn_t block, unsigned from, unsigned to) {
        while (from > to) {
            --from;
            lists.give(block + (pfn_t{1} << from), from); // the upper half stays free
        }
    }
    // The page `offset` pages into all ranges together, in the order they were given.
    pfn_t page_at(uint64_t offset) const noexcept {
        for (const pfn_range& r : ranges_) {
            if (offset < r.count)
                return r.first + offset;
            offset -= r.count;
        }
        return ranges_.back().first; // offset >= total: not reached
    }
    bool same_range(pfn_t a, pfn_t b) const {
        const range_free_lists* lists = lists_of(a);
        return lists != nullptr && lists->range.contains(b);
    }
    template <class Self>
    static auto* lists_of_in(Self& self, pfn_t pfn) {
        for (auto& lists : self.free_lists_)
            if (lists.range.contains(pfn))
                return &lists;
        return decltype(&self.free_lists_[0]){nullptr};
    }
    range_free_lists* lists_of(pfn_t pfn) { return lists_of_in(*this, pfn); }
    const range_free_lists* lists_of(pfn_t pfn) const { return lists_of_in(*this, pfn); }

    std::vector<pfn_range> ranges_;            // as given: page_at() numbers pages in this order
    std::vector<range_free_lists> free_lists_; // one per range, by address
    unsigned max_order_ = default_max_order;
    uint64_t free_pages_ = 0, total_pages_ = 0;
};

} // namespace tagcache::sim

namespace tagcache::sim {

// Where tagged allocations land in memory, which decides how many tag blocks they need:
//   lowest     every allocation takes the lowest free block (the buddy allocator's default)
//   scattered  tagged ones at uniformly random free places, as if tagged folios were spread
//              over all of memory by unrelated allocations over a long uptime
//   clustered  tagged ones grow up from the bottom, untagged ones down from the top, as
//              separate free lists for tagged pages and whole Tag Blocks keep tagged pages
//              together (Google's "MTE dynamic carveout" spec, github.com/google/sanitizers,
//              mte-dynamic-carveout/)
enum class tagged_placement : uint8_t { lowest, scattered, clustered };

// A machine's placement decisions: seeded, so a run is reproducible.
class page_placer {
public:
    explicit page_placer(tagged_placement placement = tagged_placement::lowest, uint64_t seed = 0)
        : placement_(placement)
        , state_(seed) {}

    std::optional<pfn_t> allocate(buddy_allocator& memory, unsigned order, bool tagged) {
        switch (placement_) {
        case tagged_placement::lowest:
            break;
        case tagged_placement::scattered:
            if (tagged)
                return memory.allocate_random(order, [this] { return next(); });
            break;
        case tagged_placement::clustered:
            if (!tagged)
                return memory.allocate_highest(order);
            break;
        }
        return memory.allocate(order);
    }
    tagged_placement placement() const noexcept { return placement_; }

private:
    // splitmix64 (S. Vigna): a small, well-mixed generator that needs no <random> state.
    uint64_t next() noexcept {
        uint64_t z = (state_ += 0x9E37'79B9'7F4A'7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
        return z ^ (z >> 31);
    }
    tagged_placement placement_;
    uint64_t state_;
};

} // namespace tagcache::sim
