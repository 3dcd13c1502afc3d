// One bit per page over caller-provided words: the tag-storage manager's record of which data
// pages are reserved (tagged). Range operations work a word at a time. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/bits.hpp"

namespace tagcache {

class page_bitmap {
public:
    static constexpr uint64_t words_for(uint64_t bits) noexcept { return (bits + 63) / 64; }

    constexpr page_bitmap() noexcept = default;
    constexpr page_bitmap(uint64_t* words, uint64_t bits) noexcept : words_(words), bits_(bits) {
        for (uint64_t i = 0; i < words_for(bits); ++i)
            words_[i] = 0;
    }

    constexpr bool test(uint64_t bit) const noexcept {
        return (words_[bit / 64] >> (bit % 64)) & 1u;
    }

    // True when every bit of [first, first + count) equals `value`.
    constexpr bool all(uint64_t first, uint64_t count, bool value) const noexcept {
        bool ok = true;
        for_each_word(first, count, [&](uint64_t word, uint64_t mask) {
            ok = ok && (value ? (words_[word] & mask) == mask : (words_[word] & mask) == 0);
        });
        return ok;
    }
    constexpr void assign(uint64_t first, uint64_t count, bool value) noexcept {
        for_each_word(first, count, [&](uint64_t word, uint64_t mask) {
            words_[word] = value ? words_[word] | mask : words_[word] & ~mask;
        });
    }
    // Number of set bits in [first, first + count).
    constexpr uint64_t count(uint64_t first, uint64_t count) const noexcept {
        uint64_t total = 0;
        for_each_word(first, count, [&](uint64_t word, uint64_t mask) {
            total += popcount(words_[word] & mask);
        });
        return total;
    }
    constexpr uint64_t size() const noexcept { return bits_; }

private:
    template <class F>
    constexpr void for_each_word(uint64_t first, uint64_t count, F&& f) const noexcept {
        while (count != 0) {
            const uint64_t offset = first % 64;
            const uint64_t take = count < 64 - offset ? count : 64 - offset;
            const uint64_t mask = (take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1))
                                  << offset;
            f(first / 64, mask);
            first += take;
            count -= take;
        }
    }

    uint64_t* words_ = nullptr;
    uint64_t bits_ = 0;
};

} // namespace tagcache
