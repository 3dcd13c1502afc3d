// Configurations and helpers shared by the pool tests.
#pragma once

#include <tagcache/core.hpp>
#include <tagcache/hosted/hosted.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace tagcache::test {

// Policy combinations the typed tests run over. Each differs from the default in several
// policies at once, so that every policy is exercised with data checks.
struct data_config : default_pool_config {
    using page_memory = arena_page_memory;
};
struct split_exclusive_config : default_pool_config {
    using page_memory = arena_page_memory;
    static constexpr partial_take on_partial_take = partial_take::split_folio;
    static constexpr restore_mode on_restore = restore_mode::exclusive;
    using placement = block_aligned_placement;
    using donor_choice = proportional_donors;
};
struct workingset_spinlock_config : default_pool_config {
    using page_memory = arena_page_memory;
    using lock = ticket_spinlock;
    using admission = admit_workingset_only;
    using placement = block_aligned_placement;
    static constexpr partial_take on_partial_take = partial_take::split_folio;
};
struct drop_exclusive_config : default_pool_config {
    using page_memory = arena_page_memory;
    static constexpr restore_mode on_restore = restore_mode::exclusive;
    using donor_choice = proportional_donors;
    using stats = no_stats;
};
struct metadata_only_config : default_pool_config {}; // no page memory: nothing copied

// A test configuration may ask for a sharded pool (test_shards); pool_with_donors builds it.
template <class Config>
constexpr uint32_t test_shards_of() {
    if constexpr (requires { Config::test_shards; })
        return Config::test_shards;
    else
        return 1;
}
template <class Config>
using test_pool = typename owned_pool<Config, test_shards_of<Config>()>::pool_type;

// A test configuration may ask for a number of donors (test_donors, default 3). One donor with
// first_free_placement is where a store that evicts takes the victim's slot over (take_over()).
template <class Config>
constexpr uint32_t test_donors_of() {
    if constexpr (requires { Config::test_donors; })
        return Config::test_donors;
    else
        return 3;
}
struct one_donor_data_config : data_config {
    static constexpr uint32_t test_donors = 1;
};
struct one_donor_split_config : data_config {
    static constexpr uint32_t test_donors = 1;
    static constexpr partial_take on_partial_take = partial_take::split_folio;
    using stats = no_stats;
};

struct sharded_data_config : data_config {
    static constexpr uint32_t test_shards = 4;
};
struct sharded_split_exclusive_config : split_exclusive_config {
    static constexpr uint32_t test_shards = 3;
};

inline constexpr uint64_t test_page_bytes = 4096;

// Owns a sharded_pool<Config, Shards>, one shard included (owned_pool makes a cleancache_pool
// then), for tests that compare the two: over an arena, or the page memory given.
template <class Config, uint32_t Shards>
class owned_sharded_pool {
public:
    using pool_type = sharded_pool<Config, Shards>;
    using page_memory_type = typename Config::page_memory;
    explicit owned_sharded_pool(const pool_geometry& geometry, page_memory_type memory = {})
        : buffer_(pool_type::required_bytes(geometry) + 64) {
        if constexpr (__is_base_of(arena_page_memory, page_memory_type)) {
            arena_ = page_arena(pool_type::memory_slots(geometry), test_page_bytes);
            memory = page_memory_type(arena_.data(), test_page_bytes);
        }
        void* aligned =
            buffer_.data() + (64 - reinterpret_cast<uintptr_t>(buffer_.data()) % 64) % 64;
        pool_ = pool_type::create(aligned, pool_type::required_bytes(geometry), geometry, memory)
                    .value();
    }
    ~owned_sharded_pool() { pool_->~pool_type(); }
    owned_sharded_pool(const owned_sharded_pool&) = delete;
    owned_sharded_pool& operator=(const owned_sharded_pool&) = delete;
    pool_type& operator*() const noexcept { return *pool_; }
    pool_type* operator->() const noexcept { return pool_; }

private:
    std::vector<unsigned char> buffer_;
    page_arena arena_;
    pool_type* pool_ = nullptr;
};

// Fills a page with a pattern derived from (key, version), and checks it.
inline void stamp_page(unsigned char* page, const page_key& key, uint64_t version) {
    uint64_t state = (key.fs * 0x9E3779B97F4A7C15ull) ^ (key.inode << 20) ^ (key.index << 1) ^
                     (version * 0xD1B54A32D192ED03ull) ^ 0x1234567;
    for (uint64_t word = 0; word < test_page_bytes / 8; ++word) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        std::memcpy(page + word * 8, &state, 8);
    }
    const uint64_t header[4] = {key.fs, key.inode, key.index, version};
    std::memcpy(page, header, sizeof header);
}
inline bool page_matches(const unsigned char* page, const page_key& key, uint64_t version) {
    unsigned char expected[test_page_bytes];
    stamp_page(expected, key, version);
    return std::memcmp(page, expected, test_page_bytes) == 0;
}

// Donor pfns far apart, so that other donors' pfns are never theirs.
inline pfn_range test_donor_range(uint32_t donor, uint32_t pages) {
    return {0x10'0000 + pfn_t{donor} * 0x10'0000, pages};
}

// A pool over donors of equal size with blocks of `block_pages`, all pages donated.
template <class Config>
struct pool_with_donors {
    using owner_type = owned_pool<Config, test_shards_of<Config>()>;
    using pool_type = typename owner_type::pool_type;
    std::unique_ptr<owner_type> pool;
    std::vector<uint32_t> donors;
    std::vector<pfn_range> ranges; // donor i owns ranges[i]

    // Donor d's pfns: test_donor_range(d, pages_per_donor). `memory`: the page memory, for those
    // the pool cannot make itself (an arena it can).
    pool_with_donors(uint32_t donor_count, uint32_t pages_per_donor, uint32_t block_pages = 4,
                     uint32_t inodes = 0, bool donate_all = true,
                     typename owner_type::page_memory_type memory = {}) {
        pool_geometry geometry;
        geometry.slots = donor_count * pages_per_donor;
        geometry.inodes = inodes;
        geometry.max_block_pages = block_pages;
        pool = std::make_unique<owner_type>(geometry, memory);
        for (uint32_t d = 0; d < donor_count; ++d) {
            const pfn_range range = test_donor_range(d, pages_per_donor);
            ranges.push_back(range);
            const char name[] = {'d', static_cast<char>('0' + d), 0};
            donors.push_back(
                (*pool)
                    ->register_donor(name, span<const pfn_range>(&range, 1), block_pages)
                    .value());
            if (donate_all)
                (*pool)->donate_range(donors.back(), range);
        }
    }
    pool_type& operator*() const { return **pool; }
    pool_type* operator->() const { return pool->get(); }
};

} // namespace tagcache::test
