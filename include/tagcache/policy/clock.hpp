// CLOCK (second chance) eviction over folios, as libCacheSim's Clock: a hit sets the folio's
// reference bit; a new folio enters with the bit clear. The hand looks at the oldest folio: a
// set bit is cleared and the folio goes round again, a clear bit means it is the victim.
// 9 bytes per slot. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/intrusive_list.hpp"
#include "../concepts/eviction.hpp"

namespace tagcache {

class clock_eviction {
public:
    static constexpr const char* name = "clock";
    static constexpr size_t bytes_per_slot = sizeof(list_links) + 1;
    // A folio that left may stay listed until eviction reaches it or its slot is reused: the
    // order of the others does not depend on it (folio_rings defers removal off take-back).
    static constexpr bool supports_lazy_removal = true;
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return slots * bytes_per_slot;
    }

    void attach(void* storage, uint32_t slots) noexcept {
        links_ = static_cast<list_links*>(storage);
        referenced_ = reinterpret_cast<uint8_t*>(links_ + slots);
        for (uint32_t i = 0; i < slots; ++i) {
            links_[i] = {};
            referenced_[i] = 0;
        }
        ring_ = {};
    }

    void before_insert(uint64_t) noexcept {}
    void on_insert(uint32_t folio, uint64_t) noexcept {
        referenced_[folio] = 0;
        ring_.push_front(links_, folio);
    }
    void on_hit(uint32_t folio) noexcept { referenced_[folio] = 1; }
    void on_remove(uint32_t folio) noexcept { ring_.remove(links_, folio); }
    void on_move(uint32_t from, uint32_t to) noexcept {
        ring_.replace(links_, from, to);
        referenced_[to] = referenced_[from];
    }
    // Each step past a referenced folio costs one of `steps`; the position is kept in the
    // ring itself (a passed folio went to the front), so a call that runs out resumes there.
    uint32_t select_victim(uint32_t& steps) noexcept {
        while (!ring_.empty()) {
            const uint32_t oldest = ring_.back();
            if (referenced_[oldest] == 0)
                return oldest;
            if (steps == 0)
                return no_slot;
            --steps;
            referenced_[oldest] = 0;
            ring_.move_to_front(links_, oldest);
        }
        return no_slot;
    }
    void on_evict(uint32_t folio, uint64_t) noexcept { ring_.remove(links_, folio); }
    bool eviction_incomplete() const noexcept { return false; }

    uint32_t size() const noexcept { return ring_.size(); }
    bool contains(uint32_t folio) const noexcept { return index_list::listed(links_, folio); }

private:
    list_links* links_ = nullptr;
    uint8_t* referenced_ = nullptr;
    index_list ring_; // front: newest, back: where the hand points
};

static_assert(eviction_policy<clock_eviction>);

} // namespace tagcache
