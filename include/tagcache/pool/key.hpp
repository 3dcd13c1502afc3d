// Keys and results of the pool's frontend: which page of which file, and which pages of a
// folio a restore filled. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/bits.hpp"

namespace tagcache {

// A filesystem registered with add_fs(); identifies a cleancache pool of the old API.
using fs_id = uint32_t;

// The cleancache key: (filesystem, inode number, page index). Old cleancache keyed pages by
// pool id, file key and index; the 2025 one by inode and folio index.
struct page_key {
    fs_id fs = 0;
    uint64_t inode = 0;
    uint64_t index = 0; // page index in the file, in pages of the pool's page size
    friend constexpr bool operator==(const page_key&, const page_key&) = default;
};

// Page indexes are kept in 40 bits (a 4 PiB file at 4 KiB pages); larger ones are refused.
inline constexpr unsigned page_index_bits = 40;
inline constexpr uint64_t max_page_index = (uint64_t{1} << page_index_bits) - 1;

// Whether the `count` pages from index `first` (a readahead walk) are all valid page indices.
constexpr bool run_fits(uint64_t first, uint64_t count) noexcept {
    return first <= max_page_index && (count == 0 || count - 1 <= max_page_index - first);
}

// Which pages of a folio of up to 2^MaxOrder pages an operation touched; bit i is page
// index + i. A restore is a hit when all 2^order bits are set.
template <unsigned MaxOrder>
class folio_bitmap {
public:
    static constexpr uint32_t max_pages = uint32_t{1} << MaxOrder;
    static constexpr uint32_t word_count = (max_pages + 63) / 64;

    constexpr void set(uint32_t page) noexcept { words_[page / 64] |= uint64_t{1} << (page % 64); }
    constexpr bool test(uint32_t page) const noexcept {
        return (words_[page / 64] >> (page % 64)) & 1u;
    }
    constexpr uint32_t count() const noexcept {
        uint32_t total = 0;
        for (uint64_t word : words_)
            total += popcount(word);
        return total;
    }
    constexpr bool none() const noexcept {
        for (uint64_t word : words_)
            if (word != 0)
                return false;
        return true;
    }
    // True when every page of a folio of the given order is set (compared a word at a time:
    // a hit test runs on every restore).
    constexpr bool all(unsigned order) const noexcept {
        const uint32_t pages = uint32_t{1} << order;
        for (uint32_t w = 0; w < word_count; ++w) {
            const uint32_t bits = pages <= w * 64 ? 0 : pages - w * 64;
            const uint64_t expected = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
            if (words_[w] != expected) // every page of the folio, nothing beyond it
                return false;
        }
        return true;
    }
    // The low 64 pages as one word, for folios of order <= 6.
    constexpr uint64_t word() const noexcept { return words_[0]; }
    friend constexpr bool operator==(const folio_bitmap&, const folio_bitmap&) = default;

private:
    uint64_t words_[word_count] = {};
};

} // namespace tagcache
