// Page memory for userspace pools: one page of an arena per pool slot. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "../concepts/page_memory.hpp"

namespace tagcache {

// Page-aligned memory that frees itself; movable, not copyable.
class page_arena {
public:
    page_arena() = default;
    page_arena(std::size_t pages, std::size_t page_bytes) : bytes_(pages * page_bytes) {
        if (page_bytes != 0 && bytes_ / page_bytes != pages)
            throw std::bad_alloc();
        if (bytes_ != 0) {
            memory_ = static_cast<unsigned char*>(std::aligned_alloc(4096, round_up(bytes_)));
            if (memory_ == nullptr)
                throw std::bad_alloc();
        }
    }
    page_arena(page_arena&& other) noexcept : bytes_(other.bytes_), memory_(other.memory_) {
        other.bytes_ = 0;
        other.memory_ = nullptr;
    }
    page_arena& operator=(page_arena&& other) noexcept {
        if (this != &other) {
            std::free(memory_);
            bytes_ = other.bytes_;
            memory_ = other.memory_;
            other.bytes_ = 0;
            other.memory_ = nullptr;
        }
        return *this;
    }
    page_arena(const page_arena&) = delete;
    page_arena& operator=(const page_arena&) = delete;
    ~page_arena() { std::free(memory_); }

    unsigned char* data() const noexcept { return memory_; }
    std::size_t size() const noexcept { return bytes_; }

private:
    static std::size_t round_up(std::size_t n) noexcept { return (n + 4095) & ~std::size_t{4095}; }
    std::size_t bytes_ = 0;
    unsigned char* memory_ = nullptr;
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
    // The arena of a sharded_pool's shard: `slots` pages per shard, one after the other.
    arena_page_memory for_shard(uint32_t shard, uint32_t slots) const noexcept {
        return shifted(*this, shard, slots);
    }

protected:
    template <class Memory>
    static Memory shifted(Memory memory, uint32_t shard, uint32_t slots) noexcept {
        memory.base_ += std::size_t{shard} * slots * memory.page_bytes_;
        return memory;
    }

private:
    unsigned char* base_ = nullptr;
    std::size_t page_bytes_ = 0;
};

static_assert(page_memory_policy<arena_page_memory>);
static_assert(page_memory_per_shard<arena_page_memory>);

} // namespace tagcache
