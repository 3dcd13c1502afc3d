// The kernel ABI (examples/kernel/tagcache_kernel.h) against the library: its counter struct has
// the library's counters, by name, in order, at the same offsets, and tagcache_pool_get_stats()
// reports each of a pool's counters in its own field. tagcache_kernel.cpp is compiled hosted
// here, with the shim's hooks defined below.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "catch.hpp"
#include "tagcache_kernel.h"

#include <tagcache/pool/pool_stats.hpp>

namespace {

struct abi_field {
    const char* name;
    size_t c_offset, library_offset;
};

// The ABI as C code compiled against it sees it, written out: a counter moved or renamed in the
// list breaks such code and must break this test.
#define ABI_FIELD(name)                                                                            \
    { #name, offsetof(tagcache_pool_stats, name), offsetof(tagcache::pool_stats, name) }
// clang-format off
const abi_field abi[] = {
    ABI_FIELD(stored), ABI_FIELD(skipped), ABI_FIELD(restored), ABI_FIELD(missed),
    ABI_FIELD(reclaimed), ABI_FIELD(recalled), ABI_FIELD(invalidated), ABI_FIELD(cached),
    ABI_FIELD(collateral_dropped), ABI_FIELD(stale), ABI_FIELD(discarded)};
// clang-format on
#undef ABI_FIELD

constexpr uint64_t first_pfn = 0x1000, pages = 8, page_bytes = 4096;

void* map_arena(void* context, uint64_t pfn) {
    return static_cast<unsigned char*>(context) + (pfn - first_pfn) * page_bytes;
}

} // namespace

TEST_CASE("the kernel ABI's counters are the library's, by name, order and offset", "[kernel]") {
    REQUIRE(sizeof(tagcache_pool_stats) == std::size(abi) * sizeof(uint64_t));
    REQUIRE(sizeof(tagcache::pool_stats) == sizeof(tagcache_pool_stats));
    REQUIRE(tagcache::pool_counter_count == std::size(abi));
    size_t i = 0;
    tagcache::for_each_counter(tagcache::pool_stats{}, [&](const char* name, uint64_t) {
        REQUIRE(i < std::size(abi));
        CHECK(std::string(name) == abi[i].name);
        CHECK(abi[i].c_offset == i * sizeof(uint64_t));
        CHECK(abi[i].library_offset == i * sizeof(uint64_t));
        ++i;
    });
    CHECK(i == std::size(abi));
}

TEST_CASE("tagcache_pool_get_stats reports each counter in its own field", "[kernel]") {
    std::vector<unsigned char> arena(pages * page_bytes);
    tagcache_pool_params params{};
    params.slots = pages;
    params.max_block_pages = 1;
    params.page_size = page_bytes;
    params.partial_take = TAGCACHE_DROP_WHOLE_FOLIO;
    params.map_pfn = &map_arena;
    params.map_context = arena.data();
    const size_t bytes = tagcache_pool_bytes(&params);
    REQUIRE(bytes != 0);
    std::vector<unsigned char> buffer(bytes + 64);
    void* aligned = buffer.data() + (64 - reinterpret_cast<uintptr_t>(buffer.data()) % 64) % 64;
    tagcache_pool* pool = nullptr;
    REQUIRE(tagcache_pool_create(aligned, bytes, &params, &pool) == 0);
    const tagcache_pfn_range range{first_pfn, pages};
    uint32_t donor = 0, fs = 0;
    REQUIRE(tagcache_pool_register_donor(pool, "d", &range, 1, 1, 0, &donor) == 0);
    for (uint64_t pfn = first_pfn; pfn < first_pfn + pages; ++pfn)
        REQUIRE(tagcache_pool_donate(pool, donor, pfn) == 0);
    REQUIRE(tagcache_pool_add_fs(pool, &fs) == 0);

    std::vector<unsigned char> page(4 * page_bytes, 0x5A);
    uint64_t filled = 0;
    for (uint64_t index = 0; index < 6; ++index) // stored 6
        REQUIRE(tagcache_pool_store(pool, fs, 1, index, 0, page.data()) == 0);
    REQUIRE(tagcache_pool_store(pool, fs, 2, 0, 2, page.data()) == 0); // stored 10, reclaimed 2
    for (uint64_t index = 2; index < 5; ++index) {                     // restored 3
        REQUIRE(tagcache_pool_restore(pool, fs, 1, index, 0, page.data(), &filled) == 0);
        REQUIRE(filled == 1);
    }
    // missed 4 (0 and 1 were evicted)
    for (const uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{40}, uint64_t{41}}) {
        REQUIRE(tagcache_pool_restore(pool, fs, 1, index, 0, page.data(), &filled) == 0);
        REQUIRE(filled == 0);
    }
    for (uint64_t index = 2; index < 7; ++index) // invalidated 4 (6 was never stored)
        REQUIRE(tagcache_pool_invalidate_page(pool, fs, 1, index, 0) == 0);
    // The order-2 folio is what is left: taking its pages back recalls one and drops three.
    for (uint64_t pfn = first_pfn; pfn < first_pfn + pages; ++pfn)
        REQUIRE(tagcache_pool_take_back(pool, donor, pfn) == 0);
    CHECK(tagcache_pool_store(pool, fs, 3, 0, 0, page.data()) == TAGCACHE_E_no_space); // skipped

    tagcache_pool_stats s;
    std::memset(&s, 0xFF, sizeof s);
    tagcache_pool_get_stats(pool, &s);
    CHECK(s.stored == 10);
    CHECK(s.skipped == 1);
    CHECK(s.restored == 3);
    CHECK(s.missed == 4);
    CHECK(s.reclaimed == 2);
    CHECK(s.recalled == 1);
    CHECK(s.invalidated == 4);
    CHECK(s.cached == 0);
    CHECK(s.collateral_dropped == 3);
    CHECK(s.stale == 0);
    CHECK(s.discarded == 0);
    CHECK(tagcache_pool_check_invariants(pool) == nullptr);
}
