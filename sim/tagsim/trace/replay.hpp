// Drives a pool as a demand-paging cache, the way the ARC paper's traces are replayed: each
// request restores its page (inclusive); a miss stores it (order 0). Hosted.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include <tagcache/hosted/owned_pool.hpp>
#include <tagcache/pool/pool.hpp>

#include "lis_trace.hpp"

namespace tagcache::sim {

// The configuration trace replays use: metadata only, no counters, the eviction under study.
template <class Eviction>
struct replay_config : default_pool_config {
    using eviction = Eviction;
    using stats = no_stats;
};

// A pool of `capacity` page slots, all donated by one donor, one filesystem, one file whose
// page index is the request's block number.
inline constexpr uint32_t replay_hash_buckets = uint32_t{1} << 16;

template <class Config>
class demand_cache {
public:
    // Bytes of pool metadata a cache of `capacity` pages needs (before it is built).
    static size_t required_bytes(uint32_t capacity) noexcept {
        return cleancache_pool<Config>::required_bytes(geometry_for(capacity));
    }

    explicit demand_cache(uint32_t capacity) : pool_(geometry_for(capacity)) {
        const pfn_range pages{0, capacity};
        donor_ = pool_->register_donor("cache", span<const pfn_range>(&pages, 1)).value();
        pool_->donate_range(donor_, pages);
        fs_ = pool_->add_fs().value();
    }

    // One request: true on a hit. A miss stores the page. `block` is a page index below
    // 2^40 (the trace readers refuse others): the pool then refuses nothing, and a refusal
    // would be a broken invariant, never a silent miss.
    bool access(uint64_t block) noexcept {
        const page_key key{fs_, 0, block};
        const auto filled = pool_->restore(key, 0, nullptr);
        TAGCACHE_ASSERT(filled.has_value(), "the pool refused a replayed restore");
        if (filled->all(0))
            return true;
        const auto stored = pool_->store(key, 0, nullptr);
        TAGCACHE_ASSERT(stored.has_value() || stored.error() == errc::no_space,
                        "the pool refused a replayed store");
        return false;
    }

    cleancache_pool<Config>& pool() const noexcept { return *pool_; }
    fs_id fs() const noexcept { return fs_; }

private:
    static pool_geometry geometry_for(uint32_t capacity) noexcept {
        pool_geometry g;
        g.slots = capacity;
        g.inodes = 64;
        // The index as large as libCacheSim's table in the side-by-side (hashpower 16, what its
        // cachesim sets for caches this size), so that both replays walk chains of one length;
        // the pool's default (slots / 2 buckets) is what bench/README.md quotes beside it.
        g.hash_buckets = g.bucket_count() > replay_hash_buckets ? g.bucket_count()
                                                                : replay_hash_buckets;
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

// A .lis trace replayed as it is read, in bounded memory: requests go to the cache in batches,
// so that reading (decompressing, parsing) and replaying are timed apart.
struct stream_replay_result {
    replay_result replay;          // requests, hits, seconds (the replay alone)
    double decompress_seconds = 0; // zstd
    double parse_seconds = 0;      // splitting lines, reading numbers, expanding blocks
    double total_seconds = 0;      // all of it, end to end
};

template <class Config>
stream_replay_result replay_lis_trace(trace_line_reader& reader, uint32_t capacity) {
    constexpr size_t batch_size = size_t{1} << 16;
    demand_cache<Config> cache(capacity);
    stream_replay_result out;
    std::vector<uint64_t> batch;
    batch.reserve(batch_size);
    const auto flush = [&] {
        const auto start = std::chrono::steady_clock::now();
        uint64_t hits = 0;
        for (const uint64_t block : batch)
            hits += cache.access(block) ? 1u : 0u;
        out.replay.seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        out.replay.hits += hits;
        out.replay.requests += batch.size();
        batch.clear();
    };
    const auto start = std::chrono::steady_clock::now();
    for_each_lis_request(reader, [&](uint64_t block) {
        batch.push_back(block);
        if (batch.size() == batch_size)
            flush();
    });
    flush();
    out.total_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.decompress_seconds = reader.decompress_seconds();
    out.parse_seconds = out.total_seconds - out.replay.seconds - out.decompress_seconds;
    return out;
}

} // namespace tagcache::sim
