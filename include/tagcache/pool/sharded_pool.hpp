// sharded_pool: a cleancache pool split into `Shards` independent cleancache_pools, each with
// its own lock, page index, eviction order, inode table and slots, so that operations on
// different shards run in parallel. Freestanding, like the pool.
//
//  - Frontend operations go to the shard of their chunk: a hash of (fs, inode, index / 64
//    pages, or / the largest folio if larger), so that a folio never spans shards and one
//    large file (a database) spreads over all of them instead of filling one shard while the
//    others idle. A store, restore or folio invalidation locks exactly one shard; a readahead
//    walk one shard per chunk it crosses; inode and filesystem invalidation, filesystem
//    registration and statistics visit every shard, one at a time (each O(1) there).
//  - A donor's blocks are dealt out over the shards: block b of a range (counted from its
//    first) to shard b mod Shards, so that whatever part of a range is donated, in whatever
//    order (a tmem device plugs a region's first blocks), every shard gets its share; a donate
//    or take-back locks exactly the shard that holds the page, and take-back keeps its bound
//    (it never waits for more than one shard).
//  - Each shard evicts from its own order: the pool as a whole is an LRU per shard, not one
//    LRU. With one shard it is exactly a cleancache_pool (sharded_pool<C, 1> behaves as
//    cleancache_pool<C>, hit for hit).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cleancache_pool.hpp"
#include "detail/donor_table.hpp"
#include "detail/hash.hpp"

namespace tagcache {

template <pool_config Config, uint32_t Shards>
class sharded_pool {
    static_assert(Shards >= 1 && Shards <= 256, "1 to 256 shards");

public:
    using config = Config;
    using shard_type = cleancache_pool<Config>;
    using bitmap = typename shard_type::bitmap;
    using page_memory_type = typename shard_type::page_memory_type;
    static constexpr bool discardable = shard_type::discardable;
    static constexpr uint32_t shard_count = Shards;

    // The geometry of each shard: all of `g` with one shard; else 1/Shards of the slots plus
    // room for the blocks each range's split may round up, and 2/Shards of the inode handles
    // (a file's chunks spread over shards, so a shard sees more files per slot than one pool;
    // a shard out of handles evicts to free one, as a pool does).
    static constexpr pool_geometry shard_geometry(const pool_geometry& g) noexcept {
        if constexpr (Shards == 1)
            return g;
        pool_geometry s = g;
        s.slots = g.slots / Shards + g.max_ranges * g.max_block_pages;
        s.inodes = 2 * g.inode_capacity() / Shards + 64;
        s.hash_buckets = g.hash_buckets / Shards;
        return s;
    }
    static constexpr size_t shard_bytes(const pool_geometry& g) noexcept {
        return align_up(shard_type::required_bytes(shard_geometry(g)));
    }
    static constexpr size_t required_bytes(const pool_geometry& g) noexcept {
        return align_up(sizeof(sharded_pool)) +
               align_up(size_t{g.max_ranges} * sizeof(registered_range)) + Shards * shard_bytes(g);
    }
    // Page-memory slots all shards together address (arena_page_memory needs this many).
    static constexpr size_t memory_slots(const pool_geometry& g) noexcept {
        return size_t{Shards} * shard_geometry(g).slots;
    }

    // Builds the pool and its shards in `buffer` (64-byte aligned).
    static result<sharded_pool*> create(void* buffer, size_t bytes, const pool_geometry& g,
                                        page_memory_type memory = {}) noexcept {
        if (buffer == nullptr || bytes < required_bytes(g) ||
            !is_aligned(reinterpret_cast<uintptr_t>(buffer), buffer_alignment))
            return errc::buffer_too_small;
        if (g.slots == 0 || g.max_ranges == 0 || g.max_ranges > 0xFFFF)
            return errc::invalid_geometry;
        auto* base = static_cast<unsigned char*>(buffer);
        auto* pool = ::new (buffer, placement_new) sharded_pool();
        pool->geometry_ = g;
        pool->ranges_ = reinterpret_cast<registered_range*>(base + align_up(sizeof(sharded_pool)));
        unsigned char* at = base + align_up(sizeof(sharded_pool)) +
                            align_up(size_t{g.max_ranges} * sizeof(registered_range));
        const pool_geometry sg = shard_geometry(g);
        for (uint32_t s = 0; s < Shards; ++s, at += shard_bytes(g)) {
            page_memory_type shard_memory = memory;
            if constexpr (page_memory_per_shard<page_memory_type>)
                shard_memory = memory.for_shard(s, sg.slots);
            const auto shard = shard_type::create(at, shard_bytes(g), sg, shard_memory);
            if (!shard) {
                pool->~sharded_pool();
                return shard.error();
            }
            pool->shards_[s] = *shard;
        }
        return pool;
    }

    ~sharded_pool() {
        for (shard_type* p : shards_)
            if (p != nullptr)
                p->~shard_type();
    }
    sharded_pool(const sharded_pool&) = delete;
    sharded_pool& operator=(const sharded_pool&) = delete;

    const pool_geometry& geometry() const noexcept { return geometry_; }
    shard_type& shard(uint32_t s) const noexcept { return *shards_[s]; }

    // ---- frontend: the shard of the inode --------------------------------------------------

    // The same id in every shard: they add and remove filesystems in step.
    result<fs_id> add_fs() noexcept {
        lock_guard guard(registry_lock_);
        result<fs_id> first = shards_[0]->add_fs();
        for (uint32_t s = 1; first && s < Shards; ++s) {
            const auto id = shards_[s]->add_fs();
            TAGCACHE_ASSERT(id && *id == *first, "shards disagree on filesystem ids");
        }
        return first;
    }
    result<void> remove_fs(fs_id fs) noexcept {
        lock_guard guard(registry_lock_);
        return each([fs](shard_type& p) noexcept { return p.remove_fs(fs); });
    }
    result<void> invalidate_fs(fs_id fs) noexcept {
        return each([fs](shard_type& p) noexcept { return p.invalidate_fs(fs); });
    }
    void reclaim_stale(uint32_t slots) noexcept {
        for (shard_type* p : shards_)
            p->reclaim_stale(slots);
    }

    result<void> store(const page_key& key, unsigned order, const void* source,
                       bool workingset = true) noexcept {
        return of(key.fs, key.inode, key.index).store(key, order, source, workingset);
    }
    result<bitmap> restore(const page_key& key, unsigned order, void* sink) noexcept {
        return of(key.fs, key.inode, key.index).restore(key, order, sink);
    }
    template <class Sink>
    result<uint64_t> restore_run(fs_id fs, uint64_t inode, uint64_t first, uint64_t count,
                                 Sink&& sink) noexcept {
        if (!run_fits(first, count))
            return errc::index_too_large; // as one pool: refused whole
        uint64_t restored = 0;
        for (;;) { // chunk by chunk until a miss; an empty walk still checks the filesystem
            const uint64_t index = first + restored;
            const uint64_t in_chunk = chunk_pages - (index & (chunk_pages - 1));
            const uint64_t want = count - restored < in_chunk ? count - restored : in_chunk;
            const result<uint64_t> got =
                of(fs, inode, index).restore_run(fs, inode, index, want, sink);
            if (!got)
                return restored == 0 ? got : result<uint64_t>(restored);
            restored += *got;
            if (*got < want || restored == count)
                return restored;
        }
    }
    result<void> invalidate(const page_key& key, unsigned order) noexcept {
        return of(key.fs, key.inode, key.index).invalidate(key, order);
    }
    result<void> invalidate_inode(fs_id fs, uint64_t inode) noexcept {
        return each([fs, inode](shard_type& p) noexcept { return p.invalidate_inode(fs, inode); });
    }

    // ---- backend: the shard of the page ----------------------------------------------------

    // Registers a donor: shard s registers blocks s, s + Shards, s + 2 Shards, ... of each
    // range as a donor of its own (a shard that gets no block gets no donor). `quota` is
    // shared out evenly.
    result<uint32_t> register_donor(const char* name, span<const pfn_range> ranges,
                                    uint32_t block_pages = 1, uint64_t quota = 0) noexcept {
        lock_guard guard(registry_lock_);
        if (donors_ == Config::max_donors)
            return errc::too_many_donors;
        if (block_pages == 0 || block_pages > geometry_.max_block_pages)
            return errc::invalid_block_pages;
        if (ranges.empty() || ranges.size() > max_ranges_per_donor)
            return ranges.empty() ? errc::empty_range : errc::too_many_ranges;
        if (ranges.size() > geometry_.max_ranges - range_count_)
            return errc::too_many_ranges;
        uint64_t pages = 0; // checked as one pool would: the shards see only parts
        if (const errc e =
                detail::check_new_ranges(ranges, block_pages, ranges_, range_count_, pages);
            e != errc::ok)
            return e;
        if (pages > geometry_.slots - pages_registered_)
            return errc::not_enough_slots;
        for (uint32_t s = 0; s < Shards; ++s) { // checked everywhere before anything changes
            if (holds_any(ranges, block_pages, s)) {
                const errc e = shards_[s]->check_donor(ranges, block_pages, share_of(s));
                if (e != errc::ok)
                    return e;
            }
        }
        const uint32_t donor = donors_;
        pages_registered_ += static_cast<uint32_t>(pages);
        for (uint32_t s = 0; s < Shards; ++s) {
            local_[donor][s] = no_donor;
            if (!holds_any(ranges, block_pages, s))
                continue;
            const auto id = shards_[s]->register_donor(name, ranges, block_pages,
                                                       (quota + Shards - 1) / Shards, share_of(s));
            TAGCACHE_ASSERT(id.has_value(), "a shard refused a donor it had accepted");
            local_[donor][s] = *id;
        }
        for (size_t i = 0; i < ranges.size(); ++i)
            ranges_[range_count_ + i] =
                registered_range{ranges[i].first, ranges[i].count, block_pages, donor};
        // Published last: operations that find the donor read its ranges without the lock.
        __atomic_store_n(&range_count_, range_count_ + static_cast<uint32_t>(ranges.size()),
                         __ATOMIC_RELEASE);
        __atomic_store_n(&donors_, donor + 1, __ATOMIC_RELEASE);
        return donor;
    }

    result<void> donate(uint32_t donor, pfn_t pfn) noexcept {
        const locate where = find(donor, pfn);
        if (where.error != errc::ok)
            return where.error;
        return shards_[where.shard]->donate(where.local, pfn);
    }
    result<void> take_back(uint32_t donor, pfn_t pfn) noexcept {
        const locate where = find(donor, pfn);
        if (where.error != errc::ok)
            return where.error;
        return shards_[where.shard]->take_back(where.local, pfn);
    }
    template <class OnRefused>
    uint64_t donate_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept {
        return for_pages(range, on_refused, [&](pfn_t p) noexcept { return donate(donor, p); });
    }
    uint64_t donate_range(uint32_t donor, pfn_range range) noexcept {
        return donate_range(donor, range, [](pfn_t, errc) noexcept {});
    }
    template <class OnRefused>
    uint64_t take_back_range(uint32_t donor, pfn_range range, OnRefused&& on_refused) noexcept {
        return for_pages(range, on_refused, [&](pfn_t p) noexcept { return take_back(donor, p); });
    }
    uint64_t take_back_range(uint32_t donor, pfn_range range) noexcept {
        return take_back_range(donor, range, [](pfn_t, errc) noexcept {});
    }

    // Discardable page memory: the host discarded `range` of the donor's pages
    // (cleancache_pool::on_discarded), each page dropped in its shard. A range with a page the
    // donor did not register is refused before anything changes.
    result<uint64_t> on_discarded(uint32_t donor, pfn_range range) noexcept requires discardable {
        for (uint64_t i = 0; i < range.count; ++i)
            if (const locate where = find(donor, range.first + i); where.error != errc::ok)
                return where.error;
        uint64_t dropped = 0;
        for (uint64_t i = 0; i < range.count; ++i) {
            const locate where = find(donor, range.first + i);
            const pfn_range page{range.first + i, 1};
            dropped += shards_[where.shard]->on_discarded(where.local, page).value_or(0);
        }
        return dropped;
    }

    // ---- observation ------------------------------------------------------------------------

    pool_stats stats() const noexcept {
        pool_stats total;
        for (const shard_type* p : shards_)
            total += p->stats();
        return total;
    }
    uint32_t donor_count() const noexcept { return __atomic_load_n(&donors_, __ATOMIC_ACQUIRE); }
    result<donor_stats> donor_info(uint32_t donor) const noexcept {
        if (donor >= donor_count())
            return errc::unknown_donor;
        donor_stats total;
        for (uint32_t s = 0; s < Shards; ++s) {
            if (local_[donor][s] == no_donor)
                continue;
            const donor_stats d = *shards_[s]->donor_info(local_[donor][s]);
            total.name = d.name;
            total.size += d.size;
            total.cached += d.cached;
            total.free += d.free;
            total.recalled += d.recalled;
        }
        return total;
    }
    result<bool> is_donated(uint32_t donor, pfn_t pfn) const noexcept {
        const locate where = find(donor, pfn);
        if (where.error != errc::ok)
            return where.error;
        return shards_[where.shard]->is_donated(where.local, pfn);
    }
    // Every shard's invariants; nullptr when all hold.
    const char* check_invariants() const noexcept {
        for (const shard_type* p : shards_)
            if (const char* broken = p->check_invariants())
                return broken;
        return nullptr;
    }

private:
    static constexpr uint32_t max_ranges_per_donor = 32;
    struct registered_range { // a donor's range as registered
        pfn_t first;
        uint64_t extent; // pages
        uint32_t block_pages, donor;
    };
    struct locate {
        errc error;
        uint32_t shard, local;
    };

    sharded_pool() noexcept = default;

    static constexpr uint64_t chunk_pages =
        (uint64_t{1} << Config::max_order) > 64 ? uint64_t{1} << Config::max_order : 64;

    shard_type& of(fs_id fs, uint64_t inode, uint64_t index) const noexcept {
        if constexpr (Shards == 1)
            return *shards_[0];
        const uint64_t chunk = index / chunk_pages;
        const uint64_t h =
            detail::mix64((inode * 0x9E3779B97F4A7C15ull + fs) ^ (chunk * 0xD6E8FEB86659FD93ull),
                          geometry_.hash_seed);
        return *shards_[static_cast<uint32_t>(h >> 32) % Shards];
    }

    static constexpr block_share share_of(uint32_t s) noexcept { return {Shards, s}; }
    static bool holds_any(span<const pfn_range> ranges, uint32_t block_pages, uint32_t s) noexcept {
        for (const pfn_range& r : ranges)
            if (r.count / block_pages > s)
                return true;
        return false;
    }

    // The shard holding `pfn` of `donor` (its block's number mod Shards), and the donor's id
    // there.
    locate find(uint32_t donor, pfn_t pfn) const noexcept {
        if (donor >= donor_count())
            return {errc::unknown_donor, 0, 0};
        const uint32_t ranges = __atomic_load_n(&range_count_, __ATOMIC_ACQUIRE);
        for (uint32_t i = 0; i < ranges; ++i) {
            const registered_range& r = ranges_[i];
            if (r.donor != donor || pfn < r.first || pfn - r.first >= r.extent)
                continue;
            const auto s = static_cast<uint32_t>((pfn - r.first) / r.block_pages % Shards);
            return {errc::ok, s, local_[donor][s]};
        }
        return {errc::not_donor_page, 0, 0};
    }

    template <class OnRefused, class Step>
    static uint64_t for_pages(pfn_range range, OnRefused& on_refused, Step&& step) noexcept {
        uint64_t done = 0;
        for (uint64_t i = 0; i < range.count; ++i) {
            const result<void> r = step(range.first + i);
            if (r)
                ++done;
            else
                on_refused(range.first + i, r.error());
        }
        return done;
    }

    template <class Op>
    result<void> each(Op&& op) noexcept {
        result<void> outcome;
        for (shard_type* p : shards_)
            if (const result<void> r = op(*p); !r)
                outcome = r;
        return outcome;
    }

    using lock_type = typename Config::lock;
    mutable lock_type registry_lock_; // donor registration and filesystem ids, across shards
    pool_geometry geometry_{};
    shard_type* shards_[Shards] = {};
    registered_range* ranges_ = nullptr;
    uint32_t range_count_ = 0;
    uint32_t donors_ = 0;
    uint32_t pages_registered_ = 0;
    uint32_t local_[Config::max_donors][Shards] = {};
};

} // namespace tagcache
