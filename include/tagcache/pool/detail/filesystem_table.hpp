// The filesystems a pool serves (add_fs ids, the old cleancache's pools): whether each is
// active, its generation, which invalidate_fs advances so that every inode handle made before
// stops resolving at once (lazy invalidation), and how many of its pages are restorable.
// Freestanding; sized at construction.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../base/error.hpp"
#include "../../base/placement_new.hpp"
#include "../../base/result.hpp"
#include "../key.hpp"

namespace tagcache::detail {

class filesystem_table {
public:
    struct entry {
        uint32_t generation = 0; // advanced by invalidate: older inode handles stop resolving
        bool active = false;
        uint64_t cached = 0; // restorable pages
    };

    static constexpr size_t storage_bytes(uint32_t count) noexcept {
        return size_t{count} * sizeof(entry);
    }
    void attach(void* storage, uint32_t count) noexcept {
        entries_ = static_cast<entry*>(storage);
        count_ = count;
        for (uint32_t i = 0; i < count; ++i)
            ::new (static_cast<void*>(entries_ + i), placement_new) entry();
    }

    // The lowest free id.
    result<fs_id> add() noexcept {
        for (fs_id fs = 0; fs < count_; ++fs) {
            if (!entries_[fs].active) {
                entries_[fs].active = true;
                return fs;
            }
        }
        return errc::too_many_filesystems;
    }
    bool valid(fs_id fs) const noexcept { return fs < count_ && entries_[fs].active; }

    // Every page of `fs` stops being restorable now; returns how many were. With `remove`,
    // the id is freed too.
    uint64_t invalidate(fs_id fs, bool remove = false) noexcept {
        entry& e = entries_[fs];
        const uint64_t pages = e.cached;
        e.cached = 0;
        ++e.generation;
        e.active = e.active && !remove;
        return pages;
    }

    uint32_t generation(uint16_t fs) const noexcept { return entries_[fs].generation; }
    uint64_t& cached(fs_id fs) noexcept { return entries_[fs].cached; }
    uint32_t count() const noexcept { return count_; }

    // The sum of every filesystem's restorable pages, for the invariants.
    uint64_t total_cached() const noexcept {
        uint64_t total = 0;
        for (uint32_t fs = 0; fs < count_; ++fs)
            total += entries_[fs].cached;
        return total;
    }

private:
    entry* entries_ = nullptr;
    uint32_t count_ = 0;
};

} // namespace tagcache::detail
