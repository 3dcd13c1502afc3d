// Interned inode handles: (filesystem, inode number) -> a 32-bit handle, so that each pool slot
// stores 4 bytes of file key instead of 10. Entries die lazily: an invalidated inode (or every
// inode of an invalidated filesystem) stops resolving at once, and its entry is reused when
// the last page that refers to it has left the pool. Freestanding; sized at construction.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../base/assert.hpp"
#include "../../base/index.hpp"
#include "../geometry.hpp"
#include "hash.hpp"

namespace tagcache::detail {

class inode_table {
public:
    // Handles fit in 24 bits so that (handle << 40 | page index) is a unique 64-bit key.
    static constexpr uint32_t max_capacity = max_inode_handles;

    // 28 bytes: the inode number is two 32-bit halves so that nothing needs 8-byte alignment.
    struct entry {
        uint32_t inode_low; // inode number, low and high halves
        uint32_t inode_high;
        uint32_t hash_next;     // next live entry in the bucket, or next free entry
        uint32_t refs;          // pool slots holding this handle (pending, cached, draining)
        uint32_t cached;        // of those, pages a restore can return
        uint32_t fs_generation; // the filesystem's generation when the entry was made
        uint16_t fs;            // filesystem id; free_fs when the entry is free
        uint16_t flags;         // dead: no longer resolvable, waiting for refs to reach 0

        constexpr uint64_t inode() const noexcept {
            return uint64_t{inode_low} | (uint64_t{inode_high} << 32);
        }
    };
    static_assert(sizeof(entry) == 28);
    static constexpr uint16_t free_fs = 0xFFFF;
    static constexpr uint16_t dead_flag = 1;

    static constexpr entry free_entry(uint32_t next) noexcept {
        return entry{0, 0, next, 0, 0, 0, free_fs, 0};
    }

    static constexpr uint32_t bucket_count_for(uint32_t capacity) noexcept {
        uint32_t buckets = 1;
        while (buckets * 2 <= capacity / 2)
            buckets *= 2;
        return buckets;
    }
    static constexpr size_t storage_bytes(uint32_t capacity) noexcept {
        return capacity * sizeof(entry) + bucket_count_for(capacity) * sizeof(uint32_t);
    }

    void attach(void* storage, uint32_t capacity, uint64_t seed) noexcept {
        entries_ = static_cast<entry*>(storage);
        buckets_ = reinterpret_cast<uint32_t*>(entries_ + capacity);
        capacity_ = capacity;
        bucket_mask_ = bucket_count_for(capacity) - 1;
        seed_ = seed;
        for (uint32_t i = 0; i <= bucket_mask_; ++i)
            buckets_[i] = no_inode;
        free_head_ = no_inode;
        for (uint32_t i = capacity; i-- > 0;) {
            entries_[i] = free_entry(free_head_);
            free_head_ = i;
        }
        in_use_ = 0;
        forget();
    }

    // The live handle of (fs, inode), or no_inode. `generation_of(fs)` gives a filesystem's
    // current generation; entries made under an older one are dead, and are unlinked here.
    template <class Generation>
    uint32_t find(uint16_t fs, uint64_t inode, Generation&& generation_of) noexcept {
        uint32_t* link = &buckets_[bucket(fs, inode)];
        while (*link != no_inode) {
            const uint32_t handle = *link;
            entry& e = entries_[handle];
            if (e.fs_generation != generation_of(e.fs)) {
                *link = e.hash_next; // filesystem invalidated: unlink, die
                bury(handle);
                continue;
            }
            if (e.fs == fs && e.inode() == inode)
                return handle;
            link = &e.hash_next;
        }
        return no_inode;
    }

    // A new live handle for (fs, inode), which find() just missed; no_inode when the table is full.
    // Always inlined: its one caller, a store, then keeps its registers (a call costs the
    // replay about 4 instructions a store, scripts/replay_instructions.sh).
    [[gnu::always_inline]] uint32_t create(uint16_t fs, uint64_t inode,
                                           uint32_t generation) noexcept {
        if (free_head_ == no_inode)
            return no_inode;
        const uint32_t handle = free_head_;
        entry& e = entries_[handle];
        free_head_ = e.hash_next;
        uint32_t& head = buckets_[bucket(fs, inode)];
        e = entry{static_cast<uint32_t>(inode),
                  static_cast<uint32_t>(inode >> 32),
                  head,
                  0,
                  0,
                  generation,
                  fs,
                  0};
        head = handle;
        ++in_use_;
        remember(fs, inode, handle);
        return handle;
    }

    // invalidate_inode: the handle stops resolving now and is reused once unreferenced.
    void kill(uint32_t handle) noexcept {
        TAGCACHE_DEBUG_ASSERT(!(entries_[handle].flags & dead_flag), "killing a dead inode handle");
        unlink(handle);
        bury(handle);
    }

    void ref(uint32_t handle) noexcept { ++entries_[handle].refs; }

    // Drops a reference; a dead entry with none left is freed, and so is a live one (no page
    // of it remains, so keeping it would only fill the table).
    // The common case inline, the last reference's work out of line.
    [[gnu::always_inline]] void unref(uint32_t handle) noexcept {
        entry& e = entries_[handle];
        TAGCACHE_ASSERT(e.refs > 0, "inode handle reference count underflow");
        if (--e.refs == 0) [[unlikely]]
            free_unreferenced(handle);
    }

    // Live means resolvable: not killed and its filesystem not invalidated since.
    template <class Generation>
    bool live(uint32_t handle, Generation&& generation_of) const noexcept {
        const entry& e = entries_[handle];
        return e.fs != free_fs && !(e.flags & dead_flag) && e.fs_generation == generation_of(e.fs);
    }

    // The handle last found or created, remembered while it stays live: consecutive operations
    // on one file (the common case) then skip the hash and the entry. Two compares, where an
    // epoch to check would take three more (scripts/replay_instructions.sh). Forgotten whenever
    // any handle stops resolving or is freed, and by forget(), which the pool calls when a
    // filesystem is invalidated (its handles stop resolving without this table knowing).
    bool remembers(uint32_t fs, uint64_t inode) const noexcept {
        return memo_inode_ == inode && memo_fs_ == fs;
    }
    uint32_t remembered() const noexcept { return memo_handle_; }
    void remember(uint32_t fs, uint64_t inode, uint32_t handle) noexcept {
        memo_inode_ = inode;
        memo_fs_ = fs;
        memo_handle_ = handle;
    }
    void forget() noexcept { memo_fs_ = no_filesystem; }

    entry& operator[](uint32_t handle) noexcept { return entries_[handle]; }
    const entry& operator[](uint32_t handle) const noexcept { return entries_[handle]; }
    uint32_t capacity() const noexcept { return capacity_; }
    uint32_t in_use() const noexcept { return in_use_; }
    bool full() const noexcept { return free_head_ == no_inode; }

    // For check_invariants: is `handle` reachable from its bucket?
    bool linked(uint32_t handle) const noexcept {
        const entry& e = entries_[handle];
        for (uint32_t h = buckets_[bucket(e.fs, e.inode())]; h != no_inode;
             h = entries_[h].hash_next)
            if (h == handle)
                return true;
        return false;
    }

private:
    uint32_t bucket(uint16_t fs, uint64_t inode) const noexcept {
        return static_cast<uint32_t>(mix64(inode * 0x9E3779B97F4A7C15ull + fs, seed_) >> 32) &
               bucket_mask_;
    }

    void unlink(uint32_t handle) noexcept {
        entry& e = entries_[handle];
        uint32_t* link = &buckets_[bucket(e.fs, e.inode())];
        while (*link != handle) {
            TAGCACHE_ASSERT(*link != no_inode, "inode handle missing from its bucket");
            link = &entries_[*link].hash_next;
        }
        *link = e.hash_next;
    }

    [[gnu::noinline]] void free_unreferenced(uint32_t handle) noexcept {
        if (!(entries_[handle].flags & dead_flag))
            unlink(handle);
        release(handle);
    }

    // Marks an already unlinked entry dead; frees it at once if nothing refers to it.
    void bury(uint32_t handle) noexcept {
        entry& e = entries_[handle];
        e.flags = static_cast<uint16_t>(e.flags | dead_flag);
        forget();
        if (e.refs == 0)
            release(handle);
    }

    void release(uint32_t handle) noexcept {
        entry& e = entries_[handle];
        e = free_entry(free_head_);
        free_head_ = handle;
        --in_use_;
        forget();
    }

    entry* entries_ = nullptr;
    uint32_t* buckets_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t bucket_mask_ = 0;
    uint32_t free_head_ = no_inode;
    uint32_t in_use_ = 0;
    static constexpr uint32_t no_filesystem = 0xFFFFFFFF; // matches no fs_id the pool accepts
    uint64_t memo_inode_ = 0;
    uint32_t memo_fs_ = no_filesystem;
    uint32_t memo_handle_ = no_inode;
    uint64_t seed_ = 0;
};

} // namespace tagcache::detail
