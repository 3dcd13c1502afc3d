// The replay of scripts/replay_instructions.sh with each operation through a wrapper of its kind
// (restore hit, restore miss, store evicting, store filling), so that callgrind charges each
// kind its inclusive instructions. A program of its own: the wrappers' extra callers of
// restore() and store() change GCC's inlining, so in tagcache_replay_instructions they would move
// the whole replay's count (+11 % on OLTP@5000 when they shared a translation unit).
//
//   tagcache_replay_operations TRACE CAPACITY [POLICY]   (a name in tagcache::eviction_policies;
//   default lru)
#include <tagcache/tagcache.hpp>
#include <tagsim/trace/replay.hpp>

#include <span>

#include "replay_command.hpp"

namespace {

template <class Eviction>
using cache_of = tagcache::sim::demand_cache<tagcache::sim::replay_config<Eviction>>;

// The same requests, each operation through a wrapper of its own kind, so that
// callgrind charges each kind its inclusive instructions (scripts/replay_instructions.sh reads
// them with callgrind_annotate). A first, uncounted pass tells which requests hit; a store
// evicts once the cache is full (metadata only, nothing invalidated: every store succeeds).
// The wrappers cost a call and a return each, which the figures include; noipa keeps the
// compiler from folding the identical ones into one (-fipa-icf).
template <class Pool>
[[gnu::noipa]] bool op_restore_hit(Pool& pool, const tagcache::page_key& key) {
    return pool.restore(key, 0, nullptr)->all(0);
}
template <class Pool>
[[gnu::noipa]] bool op_restore_miss(Pool& pool, const tagcache::page_key& key) {
    return pool.restore(key, 0, nullptr)->all(0);
}
template <class Pool>
[[gnu::noipa]] bool op_store_evicting(Pool& pool, const tagcache::page_key& key) {
    return pool.store(key, 0, nullptr).has_value();
}
template <class Pool>
[[gnu::noipa]] bool op_store_filling(Pool& pool, const tagcache::page_key& key) {
    return pool.store(key, 0, nullptr).has_value();
}

template <class Eviction>
[[gnu::noinline]] uint64_t run_per_operation(cache_of<Eviction>& cache,
                                             std::span<const uint64_t> requests,
                                             const std::vector<bool>& hit, uint32_t capacity) {
    auto& pool = cache.pool();
    const tagcache::fs_id fs = cache.fs();
    uint64_t hits = 0, stored = 0, wrong = 0;
    for (size_t i = 0; i < requests.size(); ++i) {
        const tagcache::page_key key{fs, 0, requests[i]};
        if (hit[i]) {
            wrong += op_restore_hit(pool, key) ? 0u : 1u;
            ++hits;
            continue;
        }
        wrong += op_restore_miss(pool, key) ? 1u : 0u;
        const bool stored_ok =
            stored++ >= capacity ? op_store_evicting(pool, key) : op_store_filling(pool, key);
        wrong += stored_ok ? 0u : 1u;
    }
    if (wrong != 0) {
        std::fprintf(stderr, "per-operation pass: %llu requests did not go as the first pass\n",
                     static_cast<unsigned long long>(wrong));
        std::exit(1);
    }
    return hits;
}

template <class Eviction>
uint64_t replay(std::span<const uint64_t> requests, uint32_t capacity) {
    std::vector<bool> hit(requests.size());
    {
        cache_of<Eviction> first(capacity);
        for (size_t i = 0; i < requests.size(); ++i)
            hit[i] = first.access(requests[i]);
    }
    cache_of<Eviction> cache(capacity);
    return run_per_operation<Eviction>(cache, requests, hit, capacity);
}

} // namespace

int main(int argc, char** argv) {
    return replay_command(
        argc, argv, []<class Eviction>(std::span<const uint64_t> requests, uint32_t capacity) {
            return replay<Eviction>(requests, capacity);
        });
}
