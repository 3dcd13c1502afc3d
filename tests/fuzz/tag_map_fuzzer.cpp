// Fuzzes tag_map's validation and queries (include/tagcache/mapping/). Region descriptions are
// drawn from the fuzzer's bytes, mostly plausible (page-aligned, tag storage 1/32 of memory,
// blocks of 4 KiB multiples) so that valid maps are common, sometimes raw 64-bit values. The
// map must accept exactly the descriptions a reference validator written here from
// docs/mapping.md accepts; a refusal must name a validation rule and a region that exists;
// and an accepted map must answer queries as the binding's arithmetic says.
#include <tagcache/mapping/mapping.hpp>

#include <vector>

#include "fuzz_support.hpp"

namespace {
using namespace tagcache;
using tagcache::fuzz::expect;
using tagcache::fuzz::fuzz_bytes;

bool overlaps(const phys_range& a, const phys_range& b) {
    return a.base < b.base + b.size && b.base < a.base + a.size;
}

// The rules of docs/mapping.md, checked one description at a time, then pairwise.
bool reference_valid(const std::vector<tag_region_desc>& descs, page_size page) {
    if (!is_valid(page) || descs.size() > tag_map::max_regions)
        return false;
    const uint64_t bytes = page_bytes(page);
    for (const tag_region_desc& d : descs) {
        const phys_range& m = d.tagged_memory;
        const phys_range& t = d.tag_storage;
        if (m.size == 0 || t.size == 0 || m.base + m.size < m.base || t.base + t.size < t.base)
            return false;
        if (m.base % bytes || m.size % bytes || t.base % bytes || t.size % bytes)
            return false;
        if (d.block_size == 0 || d.block_size % 4096 != 0)
            return false;
        if (m.size % 32 != 0 || m.size / 32 != t.size)
            return false;
        // Whole blocks of lcm(block-size, page) bytes; an lcm beyond 64 bits divides no size.
        const uint64_t factor = d.block_size / tagcache::gcd(d.block_size, bytes);
        if (factor > UINT64_MAX / bytes || t.size % (factor * bytes) != 0)
            return false;
    }
    for (const tag_region_desc& a : descs)
        for (const tag_region_desc& b : descs)
            if (overlaps(a.tag_storage, b.tagged_memory))
                return false;
    for (size_t i = 0; i < descs.size(); ++i)
        for (size_t j = i + 1; j < descs.size(); ++j)
            if (overlaps(descs[i].tagged_memory, descs[j].tagged_memory) ||
                overlaps(descs[i].tag_storage, descs[j].tag_storage))
                return false;
    return true;
}

// A size or address: usually a small multiple of `unit`, sometimes any 64-bit value.
uint64_t draw(fuzz_bytes& in, uint64_t unit) {
    const uint8_t mode = in.byte();
    if (mode >= 240)
        return in.bits(64);
    return unit * in.bits(mode < 128 ? 8 : 20);
}

void check_queries(const tag_map& map, fuzz_bytes& in) {
    for (uint32_t r = 0; r < map.region_count(); ++r) {
        const tag_region& region = map.region(r);
        for (int probe = 0; probe < 4; ++probe) {
            const pfn_t p = region.memory.first + in.below(region.memory.count);
            const auto tag = map.tag_page_of(p);
            expect(tag.has_value() && *tag == region.tags.first + (p - region.memory.first) / 32,
                   "tag_page_of disagrees with the binding's arithmetic", p);
            const auto block = map.block_of(p);
            expect(block.has_value() && block->region == r &&
                       block->index == (p - region.memory.first) / 32 / region.block_pages,
                   "block_of disagrees with the binding's arithmetic", p);
            expect(map.data_pages_of(*block).contains(p), "a block does not serve its own page");
            expect(map.tag_pages_of(*block).contains(*tag), "a block lacks its own tag page");
            expect(map.is_tag_storage(*tag) && !map.tag_page_of(*tag).has_value(),
                   "tag storage answered as taggable", *tag);
            const unsigned order = static_cast<unsigned>(in.below(11));
            const pfn_t folio = p & ~((pfn_t{1} << order) - 1);
            const auto span = map.blocks_for_folio(folio, order);
            const pfn_t last = folio + (pfn_t{1} << order) - 1;
            if (folio >= region.memory.first && last < region.memory.end()) {
                expect(span.has_value(), "a folio inside one region was refused", folio, order);
                expect(span->first == map.block_of(folio)->index &&
                           span->end() == map.block_of(last)->index + 1,
                       "blocks_for_folio does not reach from the first page's block to the last's",
                       folio, order);
            }
            const auto where = map.tag_location_of(p * page_bytes(map.page()) + 16 * in.below(256));
            expect(where.has_value() && where->tag_pfn == *tag, "tag_location_of disagrees", p);
        }
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz_bytes in(data, size);
    const uint8_t page_choice = in.byte();
    const page_size page = page_choice < 250 ? (page_choice % 3 == 0   ? page_size::size_4k
                                                : page_choice % 3 == 1 ? page_size::size_16k
                                                                       : page_size::size_64k)
                                             : static_cast<page_size>(in.bits(32));
    const uint64_t bytes = is_valid(page) ? page_bytes(page) : 4096;
    std::vector<tag_region_desc> descs(in.below(6));
    for (tag_region_desc& d : descs) {
        d.tagged_memory.base = draw(in, bytes * 32);
        d.tagged_memory.size = draw(in, bytes * 32);
        const bool exact = in.byte() < 200; // tag storage 1/32 of memory, at a drawn place
        d.tag_storage.base = draw(in, bytes);
        d.tag_storage.size = exact ? d.tagged_memory.size / 32 : draw(in, bytes);
        d.block_size = draw(in, 4096);
    }
    const auto map = tag_map::create(descs, page);
    expect(map.has_value() == reference_valid(descs, page),
           "tag_map and the reference validator disagree", map.has_value());
    if (!map) {
        const region_error e = map.error();
        expect(e.code != errc::ok && e.code <= errc::regions_overlap,
               "a refusal names no validation rule", static_cast<unsigned>(e.code));
        expect(e.region == no_region || e.region < descs.size(), "a refusal names no region",
               e.region);
        return 0;
    }
    check_queries(*map, in);
    return 0;
}
