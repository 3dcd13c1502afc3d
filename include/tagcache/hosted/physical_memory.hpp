// Byte-backed physical memory for userspace models: the contents of chosen pfn ranges (tag
// storage, and data pages when a test needs them), addressable by pfn. Its page_memory() is a
// mapped_page_memory, so a pool and a tag model share the same bytes. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <vector>

#include "../base/types.hpp"
#include "../policy/page_memory.hpp"

namespace tagcache {

class physical_memory {
public:
    explicit physical_memory(page_size page) : page_bytes_(tagcache::page_bytes(page)) {}
    physical_memory(const physical_memory&) = delete;
    physical_memory& operator=(const physical_memory&) = delete;
    ~physical_memory() {
        for (const chunk& c : chunks_)
            std::free(c.bytes);
    }

    // Backs `range` with zeroed bytes. Throws std::invalid_argument if it overlaps a range
    // already backed, std::bad_alloc if the bytes cannot be had.
    void add(pfn_range range) {
        for (const chunk& c : chunks_)
            if (c.range.overlaps(range))
                throw std::invalid_argument("physical_memory: range already backed");
        if (range.count != 0 && range.count > SIZE_MAX / page_bytes_)
            throw std::bad_alloc();
        chunks_.reserve(chunks_.size() + 1); // so that push_back below cannot leak the bytes
        void* bytes = std::calloc(range.count, page_bytes_);
        if (bytes == nullptr && range.count != 0)
            throw std::bad_alloc();
        chunks_.push_back({range, static_cast<unsigned char*>(bytes)});
    }
    // The first byte of page `pfn`; throws std::out_of_range if no range backs it.
    unsigned char* address(pfn_t pfn) const {
        for (const chunk& c : chunks_)
            if (c.range.contains(pfn))
                return c.bytes + (pfn - c.range.first) * page_bytes_;
        throw std::out_of_range("physical_memory: pfn not backed");
    }
    uint64_t page_bytes() const noexcept { return page_bytes_; }

    // For a pool: the pool maps donor pfns through this memory. A pfn that is not backed
    // terminates the program (the callback is noexcept): back every donor range first.
    static void* map(void* context, pfn_t pfn) noexcept {
        return static_cast<physical_memory*>(context)->address(pfn);
    }
    mapped_page_memory page_memory() noexcept { return mapped_page_memory(&map, this); }

private:
    struct chunk {
        pfn_range range;
        unsigned char* bytes;
    };
    uint64_t page_bytes_;
    std::vector<chunk> chunks_;
};

} // namespace tagcache
