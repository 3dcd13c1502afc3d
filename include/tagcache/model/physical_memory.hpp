// Byte-backed physical memory for models: the contents of chosen pfn ranges (tag storage, and
// data pages when a test needs them), addressable by pfn. Its map() is a mapped_page_memory
// callback, so a pool and the tag model share the same bytes. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "../base/types.hpp"
#include "../policy/page_memory.hpp"

namespace tagcache::model {

class physical_memory {
public:
    explicit physical_memory(page_size page) : page_bytes_(tagcache::page_bytes(page)) {}

    void add(pfn_range range) {
        chunks_.push_back({range, std::make_unique<unsigned char[]>(range.count * page_bytes_)});
    }
    unsigned char* address(pfn_t pfn) const {
        for (const chunk& c : chunks_)
            if (c.range.contains(pfn))
                return c.bytes.get() + (pfn - c.range.first) * page_bytes_;
        throw std::out_of_range("physical_memory: pfn not backed");
    }
    uint64_t page_bytes() const noexcept { return page_bytes_; }

    // For a pool: mapped_page_memory(&physical_memory::map, &memory).
    static void* map(void* context, pfn_t pfn) noexcept {
        return static_cast<physical_memory*>(context)->address(pfn);
    }
    mapped_page_memory page_memory() noexcept { return mapped_page_memory(&map, this); }

private:
    struct chunk {
        pfn_range range;
        std::unique_ptr<unsigned char[]> bytes;
    };
    uint64_t page_bytes_;
    std::vector<chunk> chunks_;
};

} // namespace tagcache::model
