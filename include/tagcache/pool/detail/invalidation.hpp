// pool_core's invalidation: a folio's pages now, an inode's or a filesystem's in O(1) (they
// stop resolving, and their slots are reclaimed lazily by stores: store.hpp's sweep). Included
// by ../cleancache_pool.hpp. Freestanding.
#pragma once

#include "pool_core.hpp"

namespace tagcache::detail {

template <pool_config Config>
result<void> pool_core<Config>::invalidate(const page_key& key, unsigned order) noexcept {
    if (const errc bad = check_folio(key, order); bad != errc::ok)
        return bad;
    lock_guard guard(lock_);
    if (!filesystems_.valid(key.fs))
        return errc::unknown_filesystem;
    stats_.record(pool_event::invalidated, invalidate_range_locked(key, order));
    return {};
}

// Drops the cached pages of (key.index, 2^order); returns how many there were.
template <pool_config Config>
uint32_t pool_core<Config>::invalidate_range_locked(const page_key& key, unsigned order) noexcept {
    const uint32_t handle = live_handle(key.fs, key.inode);
    if (handle == no_inode)
        return 0;
    uint32_t dropped = 0;
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) {
        const uint32_t slot = index_.find(handle, key.index + i);
        if (slot != no_slot) {
            drop_page(slot);
            ++dropped;
        }
    }
    return dropped;
}

template <pool_config Config>
result<void> pool_core<Config>::invalidate_inode(fs_id fs, uint64_t inode) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    const uint32_t handle = live_handle(fs, inode);
    if (handle == no_inode)
        return {};
    const uint64_t pages = inodes_[handle].cached;
    filesystems_.cached(fs) -= pages;
    cached_ -= pages;
    stale_ += pages;
    stats_.record(pool_event::invalidated, pages);
    inodes_.kill(handle);
    return {};
}

template <pool_config Config>
result<void> pool_core<Config>::invalidate_fs(fs_id fs) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    invalidate_fs_locked(fs, false);
    return {};
}

template <pool_config Config>
result<void> pool_core<Config>::remove_fs(fs_id fs) noexcept {
    lock_guard guard(lock_);
    if (!filesystems_.valid(fs))
        return errc::unknown_filesystem;
    invalidate_fs_locked(fs, true);
    return {};
}

// Every page of the filesystem becomes stale at once (its inode handles stop resolving).
template <pool_config Config>
void pool_core<Config>::invalidate_fs_locked(fs_id fs, bool remove) noexcept {
    const uint64_t pages = filesystems_.invalidate(fs, remove);
    inodes_.forget(); // every handle of `fs` stopped resolving
    cached_ -= pages;
    stale_ += pages;
    stats_.record(pool_event::invalidated, pages);
}

} // namespace tagcache::detail
