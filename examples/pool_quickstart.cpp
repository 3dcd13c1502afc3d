// The README's pool example: a donor lends pages, a page cache stores and restores a folio,
// the donor takes a page back (dropping whatever it held) at once.
#include <tagcache/tagcache.hpp>

#include <cstdio>
#include <vector>

struct config : tagcache::default_pool_config {
    using page_memory = tagcache::arena_page_memory; // real page contents
    using lock = tagcache::spin_then_park_lock;      // threads may share it, however many
};

int main() {
    tagcache::pool_geometry geometry;
    geometry.slots = 1024; // pages all donors together may lend
    tagcache::owned_pool<config> pool(geometry);

    // A donor (a carve-out, or one tag-storage region) registers its pfns and lends them.
    const tagcache::pfn_range carve_out{0x8'f800, 1024};
    const uint32_t donor = pool->register_donor("carve-out", {&carve_out, 1}).value();
    pool->donate_range(donor, carve_out);

    // The page cache stores a clean order-2 folio (4 pages) of inode 42 at index 8 ...
    const tagcache::fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> folio(4 * 4096, 0xAB);
    if (!pool->store({fs, 42, 8}, 2, folio.data()))
        return 1;

    // ... and restores it later: the bitmap says which pages were filled.
    std::vector<unsigned char> back(4 * 4096);
    const auto filled = pool->restore({fs, 42, 8}, 2, back.data());
    std::printf("restore: %u of 4 pages, hit: %s\n", filled->count(),
                filled->all(2) ? "yes" : "no");

    // The donor needs its memory back: every page, whatever it holds, at once.
    pool->take_back_range(donor, carve_out);
    const tagcache::pool_stats stats = pool->stats();
    std::printf("stored %llu, restored %llu, recalled %llu, still cached %llu\n",
                static_cast<unsigned long long>(stats.stored),
                static_cast<unsigned long long>(stats.restored),
                static_cast<unsigned long long>(stats.recalled),
                static_cast<unsigned long long>(stats.cached));
    return stats.cached == 0 ? 0 : 1;
}
