// A fixed-size set of bit indices with ordered searches in O(log64 n): the lowest set index at or
// after a place, the highest at or before one. Level 0 holds the bits; each level above holds one
// bit per word of the level below, set while that word is not zero, up to a level of one word.
// The buddy allocator keeps its free lists in these (one per range and order): the lowest,
// highest and next free block are then a few word scans, not a walk of a tree's nodes. All
// levels live in one array (level 0 first), so a search touches one allocation. Hosted.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tagcache/base/assert.hpp>

namespace tagcache::sim {

class hierarchical_bitmap {
public:
    static constexpr uint64_t npos = ~uint64_t{0}; // "no such index"

    hierarchical_bitmap() = default;
    explicit hierarchical_bitmap(uint64_t size) : size_(size) {
        size_t words = 0;
        for (uint64_t bits = size; bits > 0 && (levels_ == 0 || bits > 1); ++levels_) {
            level_start_[levels_] = words;
            bits = (bits + 63) / 64;
            words += static_cast<size_t>(bits);
        }
        words_.assign(words, 0);
    }

    uint64_t size() const noexcept { return size_; }
    bool none() const noexcept { return levels_ == 0 || top() == 0; }

    bool test(uint64_t index) const {
        TAGCACHE_DEBUG_ASSERT(index < size_, "bit index out of range");
        return (word(0, index / 64) >> (index % 64) & 1) != 0;
    }
    void set(uint64_t index) {
        TAGCACHE_DEBUG_ASSERT(index < size_, "bit index out of range");
        for (unsigned level = 0; level < levels_; ++level) {
            uint64_t& w = word(level, index / 64);
            const bool was_empty = w == 0;
            w |= bit(index);
            if (!was_empty)
                return; // the levels above already say this word is not empty
            index /= 64;
        }
    }
    void reset(uint64_t index) {
        TAGCACHE_DEBUG_ASSERT(index < size_, "bit index out of range");
        for (unsigned level = 0; level < levels_; ++level) {
            uint64_t& w = word(level, index / 64);
            w &= ~bit(index);
            if (w != 0)
                return; // still not empty: the levels above stay as they are
            index /= 64;
        }
    }

    // The lowest set index, or npos: straight down from the top, the lowest bit of each word.
    uint64_t find_first() const {
        if (none())
            return npos;
        uint64_t index = 0;
        for (unsigned level = levels_; level-- > 0;)
            index = index * 64 + static_cast<uint64_t>(std::countr_zero(word(level, index)));
        return index;
    }
    // The highest set index, or npos.
    uint64_t find_last() const {
        if (none())
            return npos;
        uint64_t index = 0;
        for (unsigned level = levels_; level-- > 0;)
            index = index * 64 + 63 - static_cast<uint64_t>(std::countl_zero(word(level, index)));
        return index;
    }

    // The lowest set index >= from, or npos.
    uint64_t find_next(uint64_t from) const {
        if (from >= size_)
            return npos;
        // Up: the first level whose word, from the place reached, has a bit set.
        uint64_t index = from;
        unsigned level = 0;
        for (;; ++level) {
            if (level == levels_ || index / 64 >= words_in(level))
                return npos;
            const uint64_t w = word(level, index / 64) & (~uint64_t{0} << (index % 64));
            if (w != 0) {
                index = index / 64 * 64 + static_cast<uint64_t>(std::countr_zero(w));
                break;
            }
            index = index / 64 + 1; // the next word, as a bit of the level above
        }
        // Down: the lowest set bit of each word below.
        while (level-- > 0)
            index = index * 64 + static_cast<uint64_t>(std::countr_zero(word(level, index)));
        return index;
    }

    // The highest set index <= from (from may be past the end), or npos.
    uint64_t find_prev(uint64_t from) const {
        if (size_ == 0)
            return npos;
        uint64_t index = from < size_ ? from : size_ - 1;
        unsigned level = 0;
        for (;; ++level) {
            if (level == levels_)
                return npos;
            const uint64_t w = word(level, index / 64) & (~uint64_t{0} >> (63 - index % 64));
            if (w != 0) {
                index = index / 64 * 64 + 63 - static_cast<uint64_t>(std::countl_zero(w));
                break;
            }
            if (index / 64 == 0)
                return npos;
            index = index / 64 - 1; // the previous word, as a bit of the level above
        }
        while (level-- > 0)
            index = index * 64 + 63 - static_cast<uint64_t>(std::countl_zero(word(level, index)));
        return index;
    }

private:
    static constexpr uint64_t bit(uint64_t index) noexcept { return uint64_t{1} << (index % 64); }
    // 64^11 > 2^64: no size needs more levels.
    static constexpr unsigned max_levels = 11;

    uint64_t& word(unsigned level, uint64_t w) { return words_[level_start_[level] + w]; }
    uint64_t word(unsigned level, uint64_t w) const { return words_[level_start_[level] + w]; }
    uint64_t words_in(unsigned level) const {
        return (level + 1 < levels_ ? level_start_[level + 1] : words_.size()) -
               level_start_[level];
    }
    uint64_t top() const { return words_.back(); }

    uint64_t size_ = 0;
    unsigned levels_ = 0;                          // the last has one word
    std::array<size_t, max_levels> level_start_{}; // where each level's words begin in words_
    std::vector<uint64_t> words_;
};

} // namespace tagcache::sim
