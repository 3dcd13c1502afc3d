// Pool construction and donor registration: every refusal by name, and the metadata each
// configuration costs per slot.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

#include <tagsim/trace/replay.hpp>

using namespace tagcache;
using namespace tagcache::test;

namespace {
struct aligned_buffer {
    explicit aligned_buffer(size_t bytes)
        : data(static_cast<unsigned char*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64))) {}
    ~aligned_buffer() { std::free(data); }
    unsigned char* data;
};
} // namespace

// Configurations the pool_config concept must refuse, each for one broken requirement.
namespace bad_configs {
struct order_too_large : default_pool_config {
    static constexpr unsigned max_order = 16; // an order takes 4 bits of a slot
};
struct no_donors : default_pool_config {
    static constexpr uint32_t max_donors = 0;
};
struct lock_without_may_sleep : default_pool_config {
    struct unsaid_lock {
        void lock() noexcept {}
        void unlock() noexcept {}
    };
    using lock = unsaid_lock;
};
struct eviction_is_a_lock : default_pool_config {
    using eviction = ticket_spinlock;
};
struct restore_mode_as_bool : default_pool_config {
    static constexpr bool on_restore = true; // a bool is not a restore_mode
};
struct missing_stats {
    using lock = no_lock;
    using eviction = lru_eviction;
    using admission = admit_all;
    using donor_choice = round_robin_donors;
    using placement = first_free_placement;
    using page_memory = no_page_memory;
    static constexpr partial_take on_partial_take = partial_take::drop_whole_folio;
    static constexpr restore_mode on_restore = restore_mode::inclusive;
    static constexpr unsigned max_order = 4;
    static constexpr uint32_t max_donors = 8, sweep_batch = 8, evictions_per_hold = 4;
};
struct everything_but_stats_is_fine : missing_stats {
    using stats = no_stats;
};
} // namespace bad_configs
static_assert(!pool_config<bad_configs::order_too_large>);
static_assert(!pool_config<bad_configs::no_donors>);
static_assert(!pool_config<bad_configs::lock_without_may_sleep>);
static_assert(!pool_config<bad_configs::eviction_is_a_lock>);
static_assert(!pool_config<bad_configs::restore_mode_as_bool>);
static_assert(!pool_config<bad_configs::missing_stats>);
static_assert(pool_config<bad_configs::everything_but_stats_is_fine>); // the control
static_assert(pool_config<data_config> && pool_config<split_exclusive_config> &&
              pool_config<workingset_spinlock_config> && pool_config<drop_exclusive_config>);

TEST_CASE("create refuses bad geometries and buffers", "[pool][construction]") {
    using pool_type = cleancache_pool<>;
    pool_geometry g;
    g.slots = 64;
    aligned_buffer buffer(pool_type::required_bytes(g));
    REQUIRE(pool_type::create(buffer.data, pool_type::required_bytes(g), g));
    REQUIRE(pool_type::create(buffer.data, pool_type::required_bytes(g) - 1, g).error() ==
            errc::buffer_too_small);
    REQUIRE(pool_type::create(buffer.data + 8, pool_type::required_bytes(g), g).error() ==
            errc::buffer_too_small); // misaligned
    REQUIRE(pool_type::create(nullptr, 1 << 20, g).error() == errc::buffer_too_small);
    pool_geometry bad = g;
    bad.slots = 0;
    REQUIRE(pool_type::create(buffer.data, 1 << 20, bad).error() == errc::invalid_geometry);
    bad = g;
    bad.page = static_cast<page_size>(8192);
    REQUIRE(pool_type::create(buffer.data, 1 << 20, bad).error() == errc::invalid_geometry);
    bad = g;
    bad.filesystems = 0;
    REQUIRE(pool_type::create(buffer.data, 1 << 20, bad).error() == errc::invalid_geometry);
    bad = g;
    bad.hash_buckets = 3;
    REQUIRE(pool_type::create(buffer.data, 1 << 20, bad).error() == errc::invalid_geometry);
}

TEST_CASE("register_donor refuses bad donors by name", "[pool][construction][donors]") {
    pool_geometry g;
    g.slots = 64;
    g.max_block_pages = 4;
    g.max_ranges = 16;
    owned_pool<> pool(g);
    const pfn_range a{0x100, 16};
    REQUIRE(pool->register_donor("a", span<const pfn_range>(&a, 1), 4).value() == 0);
    const auto refused = [&](std::vector<pfn_range> ranges, uint32_t block_pages) {
        return pool->register_donor("x", ranges, block_pages).error();
    };
    REQUIRE(refused({{0x108, 8}}, 4) == errc::donor_ranges_overlap);
    REQUIRE(refused({{0x200, 8}, {0x204, 8}}, 4) == errc::donor_ranges_overlap);
    REQUIRE(refused({{0x200, 6}}, 4) == errc::range_not_block_multiple);
    REQUIRE(refused({{0x200, 8}}, 0) == errc::invalid_block_pages);
    REQUIRE(refused({{0x200, 8}}, 8) == errc::invalid_block_pages);
    REQUIRE(refused({{0x200, 0}}, 1) == errc::empty_range);
    REQUIRE(refused({}, 1) == errc::empty_range);
    REQUIRE(refused({{0x200, 64}}, 1) == errc::not_enough_slots);
    std::vector<pfn_range> sixteen;
    for (pfn_t i = 0; i < 16; ++i)
        sixteen.push_back({0x2000 + i * 2, 1});
    REQUIRE(refused(sixteen, 1) == errc::too_many_ranges); // one range is used already
    REQUIRE(refused({{~pfn_t{0} - 2, 4}}, 1) == errc::address_overflow);
    // Nothing refused changed anything.
    REQUIRE(pool->donor_count() == 1);
    for (uint32_t d = 1; d < default_pool_config::max_donors; ++d) {
        const pfn_range r{0x1000 + pfn_t{d} * 0x100, 4};
        REQUIRE(pool->register_donor("y", span<const pfn_range>(&r, 1), 1));
    }
    const pfn_range extra{0x9000, 1};
    REQUIRE(pool->register_donor("z", span<const pfn_range>(&extra, 1), 1).error() ==
            errc::too_many_donors);
    REQUIRE(std::string(pool->donor_info(0)->name) == "a");
}

TEST_CASE("a donor's several ranges map to slots in pfn order", "[pool][construction][donors]") {
    pool_geometry g;
    g.slots = 64;
    owned_pool<> pool(g);
    const std::vector<pfn_range> ranges = {{0x900, 4}, {0x100, 4}, {0x500, 8}};
    REQUIRE(pool->register_donor("multi", ranges, 1).value() == 0);
    REQUIRE(pool->donate_range(0, {0x100, 4}) == 4);
    REQUIRE(pool->donate_range(0, {0x500, 8}) == 8);
    std::vector<pfn_t> refused;
    REQUIRE(pool->donate_range(0, {0x8FE, 4}, [&](pfn_t pfn, errc e) noexcept {
        REQUIRE(e == errc::not_donor_page);
        refused.push_back(pfn);
    }) == 2);
    REQUIRE(refused == std::vector<pfn_t>{0x8FE, 0x8FF});
    REQUIRE(pool->donor_info(0)->size == 14);
    REQUIRE(pool->check_invariants() == nullptr);
}

namespace {
template <class Config>
void report_bytes_per_slot(const char* name) {
    using pool_type = cleancache_pool<Config>;
    pool_geometry g;
    g.slots = 65536;
    g.max_block_pages = 4;
    const double total = double(pool_type::required_bytes(g)) / g.slots;
    const double fixed = double(pool_type::fixed_bytes(g)) / g.slots;
    std::printf("bytes per 4 KiB slot (65536 slots): %-28s %5.2f fixed, %5.2f with inode "
                "table and everything (Linux struct page: 64)\n",
                name, fixed, total);
    if constexpr (std::is_same_v<typename Config::eviction, lru_eviction> &&
                  std::is_same_v<typename Config::placement, first_free_placement>)
        REQUIRE(total <= 32.0);
}
} // namespace

TEST_CASE("metadata per slot, for every configuration", "[pool][memory]") {
    // docs/design.md: at most 32 bytes per slot, index included, for the default configuration.
    static_assert(default_pool_bytes_per_slot_x16 <= 32 * 16);
    report_bytes_per_slot<default_pool_config>("default (LRU, first-free)");
    report_bytes_per_slot<data_config>("arena data");
    report_bytes_per_slot<split_exclusive_config>("block-aligned, split, excl.");
    report_bytes_per_slot<workingset_spinlock_config>("block-aligned, spinlock");
    report_bytes_per_slot<drop_exclusive_config>("proportional, no stats");
    report_bytes_per_slot<sim::replay_config<fifo_eviction>>("FIFO eviction");
    report_bytes_per_slot<sim::replay_config<clock_eviction>>("CLOCK eviction");
    report_bytes_per_slot<sim::replay_config<sieve_eviction>>("SIEVE eviction");
    report_bytes_per_slot<sim::replay_config<s3fifo_eviction>>("S3-FIFO eviction");
    report_bytes_per_slot<sim::replay_config<arc_eviction>>("ARC eviction");
}
