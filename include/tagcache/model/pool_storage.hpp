// Hosted construction of a cleancache pool: allocates the metadata buffer (and, for
// arena_page_memory, the page arena) and builds the pool in it. Throws std::invalid_argument
// naming the error when the geometry is refused.
#pragma once

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "../pool/pool.hpp"
#include "arena_page_memory.hpp"

namespace tagcache::model {

template <class Config = default_pool_config>
class owned_pool {
public:
    using pool_type = cleancache_pool<Config>;
    using page_memory_type = typename Config::page_memory;

    // For page memory other than the arena, pass the policy object (mapped_page_memory).
    explicit owned_pool(const pool_geometry& geometry, page_memory_type memory = {}) {
        const std::size_t bytes = pool_type::required_bytes(geometry);
        metadata_.reset(
            static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) & ~std::size_t{63})));
        if (!metadata_)
            throw std::bad_alloc();
        if constexpr (std::is_same_v<page_memory_type, arena_page_memory>) {
            arena_ = page_arena(geometry.slots, page_bytes(geometry.page));
            memory = arena_page_memory(arena_.data(), page_bytes(geometry.page));
        }
        const auto created = pool_type::create(metadata_.get(), bytes, geometry, memory);
        if (!created)
            throw std::invalid_argument(std::string("tagcache: cannot create pool: ") +
                                        error_message(created.error()));
        pool_ = *created;
    }

    ~owned_pool() {
        if (pool_ != nullptr)
            pool_->~pool_type();
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
    struct free_deleter {
        void operator()(unsigned char* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<unsigned char, free_deleter> metadata_;
    page_arena arena_;
    pool_type* pool_ = nullptr;
};

} // namespace tagcache::model
