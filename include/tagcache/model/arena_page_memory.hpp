// Page memory for userspace models: one page of an arena per pool slot (hosted).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

#include "../concepts/page_memory.hpp"

namespace tagcache::model {

// Page-aligned memory that frees itself.
class page_arena {
public:
    page_arena() = default;
    page_arena(std::size_t pages, std::size_t page_bytes)
        : bytes_(pages * page_bytes)
        , memory_(static_cast<unsigned char*>(std::aligned_alloc(4096, round_up(bytes_)))) {
        if (memory_ == nullptr && bytes_ != 0)
            throw std::bad_alloc();
    }
    unsigned char* data() const noexcept { return memory_.get(); }
    std::size_t size() const noexcept { return bytes_; }

private:
    static std::size_t round_up(std::size_t n) { return (n + 4095) & ~std::size_t{4095}; }
    struct free_deleter {
        void operator()(unsigned char* p) const noexcept { std::free(p); }
    };
    std::size_t bytes_ = 0;
    std::unique_ptr<unsigned char, free_deleter> memory_;
};

// The pool's view of an arena: slot i's page is at base + i * page_bytes. Copyable (two
// words), so the pool keeps its own copy; the arena must outlive the pool.
class arena_page_memory {
public:
    static constexpr bool holds_data = true;
    arena_page_memory() = default;
    arena_page_memory(unsigned char* base, std::size_t page_bytes) noexcept
        : base_(base)
        , page_bytes_(page_bytes) {}
    void* address(uint32_t slot, pfn_t) const noexcept { return base_ + slot * page_bytes_; }

private:
    unsigned char* base_ = nullptr;
    std::size_t page_bytes_ = 0;
};

static_assert(page_memory_policy<arena_page_memory>);

} // namespace tagcache::model
