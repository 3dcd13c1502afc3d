// What a consumer of the package compiles: the FVP tree's map, checked at compile time and at
// run time, and a pool of the hosted layer storing and restoring a page. Exit status 0 means
// the headers were found and work.
#include <tagcache/tagcache.hpp>

#include <cstdio>
#include <cstring>

namespace {
constexpr tagcache::tag_region_desc fvp[] = {
    {{0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000},
    {{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000},
};
constexpr auto map = tagcache::tag_map::create(fvp, tagcache::page_size::size_4k);
static_assert(map.has_value());
static_assert(map->tag_page_of(0x8'8000'0000 / 4096).value() == 0x8'fc00'0000 / 4096);

struct config : tagcache::default_pool_config {
    using page_memory = tagcache::arena_page_memory;
    using lock = tagcache::mutex_lock;
};
} // namespace

int main() {
    const auto runtime = tagcache::tag_map::create(fvp, tagcache::page_size::size_4k);
    if (!runtime || runtime->total_blocks() != (0x400'0000 + 0x3c0'0000) / 4096) {
        std::puts("tagcache consumer: unexpected map");
        return 1;
    }
    tagcache::pool_geometry geometry;
    geometry.slots = 8;
    tagcache::owned_pool<config> pool(geometry);
    const tagcache::pfn_range pages{0x100, 8};
    const uint32_t donor = pool->register_donor("d", {&pages, 1}).value();
    pool->donate_range(donor, pages);
    const tagcache::fs_id fs = pool->add_fs().value();
    unsigned char page[4096], back[4096] = {};
    std::memset(page, 0x5A, sizeof page);
    if (!pool->store({fs, 1, 0}, 0, page) || !pool->restore({fs, 1, 0}, 0, back)->all(0) ||
        std::memcmp(page, back, sizeof page) != 0) {
        std::puts("tagcache consumer: the pool lost a page");
        return 1;
    }
    std::printf("tagcache consumer: %u regions, %llu blocks, a page stored and restored\n",
                runtime->region_count(), static_cast<unsigned long long>(runtime->total_blocks()));
    return 0;
}
