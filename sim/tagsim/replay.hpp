// Drives a pool as a demand-paging cache, the way the ARC paper's traces are replayed: each
// request restores its page (inclusive); a miss stores it (order 0). Hosted.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include <tagcache/pool/pool.hpp>
#include <tagcache/hosted/owned_pool.hpp>

namespace tagcache::sim {

// The configuration trace replays use: metadata only, no counters, the eviction under study.
template <class Eviction>
struct replay_config : default_pool_config {
    using eviction = Eviction;
    using stats = no_stats;
};

// A pool of `capacity` page slots, all donated by one donor, one filesystem, one file whose
// page index is the request's block number.
template <class Config>
class demand_cache {
public:
    explicit demand_cache(uint32_t capacity) : pool_(geometry_for(capacity)) {
        const pfn_range pages{0, capacity};
        donor_ = pool_->register_donor("cache", span<const pfn_range>(&pages, 1)).value();
        pool_->donate_range(donor_, pages);
        fs_ = pool_->add_fs().value();
    }

    // One request: true on a hit. A miss stores the page.
    bool access(uint64_t block) noexcept {
        const page_key key{fs_, 0, block};
        const auto filled = pool_->restore(key, 0, nullptr);
        if (filled && filled->all(0))
            return true;
        (void)pool_->store(key, 0, nullptr);
        return false;
    }

    cleancache_pool<Config>& pool() const noexcept { return *pool_; }

private:
    static pool_geometry geometry_for(uint32_t capacity) {
        pool_geometry g;
        g.slots = capacity;
        g.inodes = 64;
        return g;
    }
    owned_pool<Config> pool_;
    uint32_t donor_ = 0;
    fs_id fs_ = 0;
};

struct replay_result {
    uint64_t requests = 0;
    uint64_t hits = 0;
    double seconds = 0; // replay time, the trace already in memory
    double hit_ratio() const noexcept {
        return requests == 0 ? 0.0 : double(hits) / double(requests);
    }
};

// Replays `requests` (block numbers) through a fresh demand_cache of `capacity` pages.
template <class Config>
replay_result replay(std::span<const uint64_t> requests, uint32_t capacity) {
    demand_cache<Config> cache(capacity);
    replay_result result;
    const auto start = std::chrono::steady_clock::now();
    for (const uint64_t block : requests)
        result.hits += cache.access(block) ? 1u : 0u;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.requests = requests.size();
    return result;
}

} // namespace tagcache::sim
