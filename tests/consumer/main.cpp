// What a consumer of the package compiles: the FVP tree's map, checked at compile time and at
// run time. Exit status 0 means the headers were found and work.
#include <tagcache/tagcache.hpp>

#include <cstdio>

namespace {
constexpr tagcache::tag_region_desc fvp[] = {
    {{0x8000'0000, 0x8000'0000}, {0x8'f800'0000, 0x400'0000}, 0x1000},
    {{0x8'8000'0000, 0x7800'0000}, {0x8'fc00'0000, 0x3c0'0000}, 0x1000},
};
constexpr auto map = tagcache::tag_map::create(fvp, tagcache::page_size::size_4k);
static_assert(map.has_value());
static_assert(map->tag_page_of(0x8'8000'0000 / 4096).value() == 0x8'fc00'0000 / 4096);
} // namespace

int main() {
    const auto runtime = tagcache::tag_map::create(fvp, tagcache::page_size::size_4k);
    if (!runtime || runtime->total_blocks() != (0x400'0000 + 0x3c0'0000) / 4096) {
        std::puts("tagcache consumer: unexpected map");
        return 1;
    }
    std::printf("tagcache consumer: %u regions, %llu blocks\n", runtime->region_count(),
                static_cast<unsigned long long>(runtime->total_blocks()));
    return 0;
}
