// LRU and FIFO eviction over folios: one list, the victim at the back. LRU moves a folio to
// the front on a hit; FIFO leaves it where it was inserted. 8 bytes per slot (two links).
// Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/intrusive_list.hpp"
#include "../concepts/eviction.hpp"

namespace tagcache {

template <bool MoveToFrontOnHit>
class list_eviction {
public:
    static constexpr const char* name = MoveToFrontOnHit ? "lru" : "fifo";
    static constexpr size_t bytes_per_slot = sizeof(list_links);
    // A folio that left may stay listed until eviction reaches it or its slot is reused: the
    // order of the others does not depend on it (folio_rings defers removal off take-back).
    static constexpr bool supports_lazy_removal = true;
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return slots * bytes_per_slot;
    }

    void attach(void* storage, uint32_t slots) noexcept {
        links_ = static_cast<list_links*>(storage);
        for (uint32_t i = 0; i < slots; ++i)
            links_[i] = {};
        list_ = {};
    }

    void before_insert(uint64_t) noexcept {}
    void on_insert(uint32_t folio, uint64_t) noexcept { list_.push_front(links_, folio); }
    void on_hit(uint32_t folio) noexcept {
        if constexpr (MoveToFrontOnHit)
            list_.move_to_front(links_, folio);
    }
    void on_remove(uint32_t folio) noexcept { list_.remove(links_, folio); }
    void on_move(uint32_t from, uint32_t to) noexcept { list_.replace(links_, from, to); }
    uint32_t select_victim(uint32_t&) noexcept { return list_.empty() ? no_slot : list_.back(); }
    // The next victim, without choosing it, and its links brought toward the cache: the pool
    // prefetches a store's victim at the end of the store before it.
    uint32_t peek_victim() const noexcept {
        if (list_.empty())
            return no_slot;
        __builtin_prefetch(&links_[list_.back()]);
        return list_.back();
    }
    void on_evict(uint32_t folio, uint64_t) noexcept { list_.remove(links_, folio); }
    bool eviction_incomplete() const noexcept { return false; }

    uint32_t size() const noexcept { return list_.size(); }
    bool contains(uint32_t folio) const noexcept { return index_list::listed(links_, folio); }

private:
    list_links* links_ = nullptr;
    index_list list_;
};

using lru_eviction = list_eviction<true>;
using fifo_eviction = list_eviction<false>;

static_assert(eviction_policy<lru_eviction>);
static_assert(eviction_policy<fifo_eviction>);

} // namespace tagcache
