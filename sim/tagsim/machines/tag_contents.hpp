// The tags of tagged data pages, stored in the bytes of their tag pages with the layout the
// model assumes (QEMU's and Linux's swap-save convention: tag byte o >> 5, nibble (o >> 4) & 1,
// low nibble for the lower address; see tag_map::tag_location_of). Also a tag_maintenance
// policy that writes those bytes and records every call, for tests. Hosted.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <tagcache/mapping/mapping.hpp>
#include <tagcache/hosted/physical_memory.hpp>

namespace tagcache::sim {

class tag_contents {
public:
    tag_contents(const tag_map& map, physical_memory& memory) : map_(map), memory_(memory) {}

    // The 4-bit tag of the granule holding physical address `address`.
    uint8_t tag(phys_addr_t address) const {
        const tag_location where = map_.tag_location_of(address).value();
        const uint8_t byte = memory_.address(where.tag_pfn)[where.byte_offset];
        return where.nibble == 0 ? byte & 0x0F : byte >> 4;
    }
    void set_tag(phys_addr_t address, uint8_t tag) {
        const tag_location where = map_.tag_location_of(address).value();
        uint8_t& byte = memory_.address(where.tag_pfn)[where.byte_offset];
        byte = where.nibble == 0 ? static_cast<uint8_t>((byte & 0xF0) | (tag & 0x0F))
                                 : static_cast<uint8_t>((byte & 0x0F) | (tag << 4));
    }
    // All tags of data page `pfn` zero (what a newly tagged page must read).
    void zero_page(pfn_t pfn) {
        const uint64_t bytes = memory_.page_bytes() / data_bytes_per_tag_byte;
        const tag_location where = map_.tag_location_of(pfn * memory_.page_bytes()).value();
        std::memset(memory_.address(where.tag_pfn) + where.byte_offset, 0, bytes);
    }
    bool page_tags_zero(pfn_t pfn) const {
        const uint64_t bytes = memory_.page_bytes() / data_bytes_per_tag_byte;
        const tag_location where = map_.tag_location_of(pfn * memory_.page_bytes()).value();
        const unsigned char* p = memory_.address(where.tag_pfn) + where.byte_offset;
        for (uint64_t i = 0; i < bytes; ++i)
            if (p[i] != 0)
                return false;
        return true;
    }

private:
    const tag_map& map_;
    physical_memory& memory_;
};

// One call of a tag maintenance hook, as recorded.
struct maintenance_event {
    enum class kind { to_tags, to_data, zero_tags, invalidate_tags } what;
    pfn_range range; // the block's tag pages, or {page, 1}
    friend bool operator==(const maintenance_event&, const maintenance_event&) = default;
};

// A tag_maintenance_policy for models: zero_tags writes the page's tag bytes through
// tag_contents; every call is appended to `log` (both optional).
struct recording_tag_maintenance {
    tag_contents* tags = nullptr;
    std::vector<maintenance_event>* log = nullptr;

    void to_tags(pfn_range r) noexcept { record({maintenance_event::kind::to_tags, r}); }
    void to_data(pfn_range r) noexcept { record({maintenance_event::kind::to_data, r}); }
    void zero_tags(pfn_t p) noexcept {
        if (tags != nullptr)
            tags->zero_page(p);
        record({maintenance_event::kind::zero_tags, {p, 1}});
    }
    void invalidate_tags(pfn_t p) noexcept {
        record({maintenance_event::kind::invalidate_tags, {p, 1}});
    }

private:
    void record(const maintenance_event& e) noexcept {
        if (log != nullptr)
            log->push_back(e); // a test's log; bad_alloc there would end the test anyway
    }
};

} // namespace tagcache::sim
