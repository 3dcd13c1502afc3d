// Hosted construction of a cleancache pool: allocates the metadata buffer (and, for
// arena_page_memory, the page arena) and builds the pool in it. Throws pool_error naming the
// errc when the geometry is refused, std::bad_alloc when memory cannot be had.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "../pool/pool.hpp"
#include "arena_page_memory.hpp"

namespace tagcache {

// What owned_pool (and other hosted constructors) throw when the core refuses a request.
class pool_error : public std::invalid_argument {
public:
    explicit pool_error(errc code) : std::invalid_argument(error_message(code)), code_(code) {}
    errc code() const noexcept { return code_; }

private:
    errc code_;
};

// Owns a cleancache_pool<Config>, or with Shards > 1 a sharded_pool<Config, Shards>.
template <class Config = default_pool_config, uint32_t Shards = 1>
class owned_pool {
public:
    using pool_type =
        std::conditional_t<Shards == 1, cleancache_pool<Config>, sharded_pool<Config, Shards>>;
    using page_memory_type = typename Config::page_memory;

    // For page memory other than the arena, pass the policy object (mapped_page_memory).
    explicit owned_pool(const pool_geometry& geometry, page_memory_type memory = {}) {
        const std::size_t bytes = pool_type::required_bytes(geometry);
        metadata_ = allocate_metadata(bytes);
        try {
            if constexpr (__is_base_of(arena_page_memory, page_memory_type)) {
                arena_ = page_arena(arena_slots(geometry), page_bytes(geometry.page));
                memory = page_memory_type(arena_.data(), page_bytes(geometry.page));
            }
            const auto created = pool_type::create(metadata_, bytes, geometry, memory);
            if (!created)
                throw pool_error(created.error());
            pool_ = *created;
        } catch (...) {
            std::free(metadata_);
            throw;
        }
    }

    ~owned_pool() {
        pool_->~pool_type();
        std::free(metadata_);
    }
    // The pool lives inside the buffer: an owned_pool stays where it was built.
    owned_pool(const owned_pool&) = delete;
    owned_pool& operator=(const owned_pool&) = delete;

    pool_type& operator*() const noexcept { return *pool_; }
    pool_type* operator->() const noexcept { return pool_; }
    pool_type* get() const noexcept { return pool_; }
    std::size_t metadata_bytes() const noexcept {
        return pool_type::required_bytes(pool_->geometry());
    }

private:
    static std::size_t arena_slots(const pool_geometry& geometry) noexcept {
        if constexpr (Shards == 1)
            return geometry.slots;
        else
            return pool_type::memory_slots(geometry);
    }

    // Metadata of 1 MiB or more is rounded up to whole 2 MiB huge pages and advised as such,
    // so that a random slot does not cost a TLB miss on top of its cache miss (Linux
    // transparent huge pages in "madvise" mode; harmless where they are off).
    static unsigned char* allocate_metadata(std::size_t bytes) {
        constexpr std::size_t huge = std::size_t{2} << 20;
        const bool large = bytes >= huge / 2;
        const std::size_t alignment = large ? huge : 64;
        const std::size_t rounded = (bytes + alignment - 1) & ~(alignment - 1);
        auto* memory = static_cast<unsigned char*>(std::aligned_alloc(alignment, rounded));
        if (memory == nullptr)
            throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
        if (large)
            (void)::madvise(memory, rounded, MADV_HUGEPAGE);
#endif
        return memory;
    }

    unsigned char* metadata_ = nullptr;
    page_arena arena_;
    pool_type* pool_ = nullptr;
};

} // namespace tagcache
