// A discardable device region for single-threaded tests (the randomized differential run and
// the step-by-step discard tests): page bytes and discard generations by pfn, a host discard
// that zeroes the page between its two generation steps, and a hook that lands a discard just
// after a chosen generation read, so that a test can put the host's discard at any point of
// a pool copy. The concurrent test uses hosted/discardable_arena.hpp (madvise) instead.
#pragma once

#include <tagcache/core.hpp>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "pool_fixtures.hpp"

namespace tagcache::test {

class test_discard_device {
public:
    explicit test_discard_device(std::vector<pfn_range> ranges) : ranges_(std::move(ranges)) {
        uint64_t pages = 0;
        for (const pfn_range& r : ranges_)
            pages += r.count;
        bytes_.assign(pages * test_page_bytes, 0);
        generations_.assign(pages, 0);
    }

    unsigned char* page(pfn_t pfn) { return bytes_.data() + offset(pfn) * test_page_bytes; }
    uint32_t generation(pfn_t pfn) const { return generations_[offset(pfn)]; }

    // The host's discard, all at once (nothing else runs): odd, zeroed, even.
    void discard(pfn_t pfn) {
        begin_discard(pfn);
        end_discard(pfn);
    }
    void begin_discard(pfn_t pfn) { ++generations_[offset(pfn)]; }
    void end_discard(pfn_t pfn) {
        std::memset(page(pfn), 0, test_page_bytes);
        ++generations_[offset(pfn)];
    }
    uint64_t discards() const { return discards_; }

    // Discards `pfn` right after the `nth` read of its generation from now returns (the host's
    // discard began just after that load): lands a discard inside a copy the pool brackets.
    void discard_after_read(pfn_t pfn, unsigned nth) {
        armed_pfn_ = pfn;
        countdown_ = nth;
    }
    bool armed() const { return countdown_ != 0; }

    // The planted bug: the pool's second read of a page's generation returns what its first
    // read did, as if the check after the copy were skipped.
    bool skip_second_read = false;

    // What the pool calls (through test_discard_memory).
    uint32_t read_generation(pfn_t pfn) {
        uint32_t value = generations_[offset(pfn)];
        if (skip_second_read) {
            if (memo_valid_ && memo_pfn_ == pfn) {
                value = memo_value_;
                memo_valid_ = false;
            } else {
                memo_valid_ = true;
                memo_pfn_ = pfn;
                memo_value_ = value;
            }
        }
        if (countdown_ != 0 && pfn == armed_pfn_ && --countdown_ == 0) {
            discard(pfn);
            ++discards_;
        }
        return value;
    }

private:
    uint64_t offset(pfn_t pfn) const {
        uint64_t at = 0;
        for (const pfn_range& r : ranges_) {
            if (r.contains(pfn))
                return at + (pfn - r.first);
            at += r.count;
        }
        throw std::out_of_range("test_discard_device: pfn outside its ranges");
    }

    std::vector<pfn_range> ranges_;
    std::vector<unsigned char> bytes_;
    std::vector<uint32_t> generations_;
    pfn_t armed_pfn_ = 0;
    unsigned countdown_ = 0;
    uint64_t discards_ = 0;
    bool memo_valid_ = false;
    pfn_t memo_pfn_ = 0;
    uint32_t memo_value_ = 0;
};

// The pool's view of the device: a pointer, copied into the pool.
struct test_discard_memory {
    static constexpr bool holds_data = true;
    test_discard_device* device = nullptr;
    void* address(uint32_t, pfn_t pfn) const noexcept { return device->page(pfn); }
    uint32_t discard_generation(uint32_t, pfn_t pfn) const noexcept {
        return device->read_generation(pfn);
    }
};
static_assert(discardable_page_memory<test_discard_memory>);

// The same device, metadata only: the pool copies nothing and compares generations under its
// lock (a simulator's model of a discardable device).
struct test_discard_metadata {
    static constexpr bool holds_data = false;
    test_discard_device* device = nullptr;
    void* address(uint32_t, pfn_t) const noexcept { return nullptr; }
    uint32_t discard_generation(uint32_t, pfn_t pfn) const noexcept {
        return device->read_generation(pfn);
    }
};
static_assert(discardable_page_memory<test_discard_metadata>);

struct discard_config : default_pool_config {
    using page_memory = test_discard_memory;
};
struct discard_split_exclusive_config : discard_config {
    static constexpr partial_take on_partial_take = partial_take::split_folio;
    static constexpr restore_mode on_restore = restore_mode::exclusive;
    using placement = block_aligned_placement;
};
struct discard_metadata_config : default_pool_config {
    using page_memory = test_discard_metadata;
};

} // namespace tagcache::test
