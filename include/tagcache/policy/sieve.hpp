// SIEVE eviction over folios (Y. Zhang et al., "SIEVE is Simpler than LRU", NSDI '24): a
// FIFO queue with a visited bit per folio and a hand that moves from the tail toward the
// head. A hit only sets the bit. To evict, the hand skips visited folios (clearing their bit)
// and takes the first unvisited one; it then rests on the next folio toward the head.
// 9 bytes per slot. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/intrusive_list.hpp"
#include "../concepts/eviction.hpp"

namespace tagcache {

class sieve_eviction {
public:
    static constexpr const char* name = "sieve";
    static constexpr size_t bytes_per_slot = sizeof(list_links) + 1;
    // A folio that left may stay listed until eviction reaches it or its slot is reused: the
    // order of the others does not depend on it (folio_rings defers removal off take-back).
    static constexpr bool supports_lazy_removal = true;
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return slots * bytes_per_slot;
    }

    void attach(void* storage, uint32_t slots) noexcept {
        links_ = static_cast<list_links*>(storage);
        visited_ = reinterpret_cast<uint8_t*>(links_ + slots);
        for (uint32_t i = 0; i < slots; ++i) {
            links_[i] = {};
            visited_[i] = 0;
        }
        queue_ = {};
        hand_ = list_links::end;
    }

    void before_insert(uint64_t) noexcept {}
    void on_insert(uint32_t folio, uint64_t) noexcept {
        visited_[folio] = 0;
        queue_.push_front(links_, folio);
    }
    void on_hit(uint32_t folio) noexcept { visited_[folio] = 1; }
    void on_remove(uint32_t folio) noexcept { unlink(folio); }
    void on_move(uint32_t from, uint32_t to) noexcept {
        queue_.replace(links_, from, to);
        visited_[to] = visited_[from];
        if (hand_ == from)
            hand_ = to;
    }
    // Scans at most `steps` visited folios per call; the hand keeps the position.
    uint32_t select_victim(uint32_t& steps) noexcept {
        if (queue_.empty())
            return no_slot;
        uint32_t at = hand_ != list_links::end ? hand_ : queue_.back();
        while (visited_[at] != 0) {
            if (steps == 0) {
                hand_ = at;
                return no_slot;
            }
            --steps;
            visited_[at] = 0;
            at = links_[at].prev != list_links::end ? links_[at].prev : queue_.back();
        }
        hand_ = at;
        return at;
    }
    void on_evict(uint32_t folio, uint64_t) noexcept { unlink(folio); }
    bool eviction_incomplete() const noexcept { return false; }

    uint32_t size() const noexcept { return queue_.size(); }
    bool contains(uint32_t folio) const noexcept { return index_list::listed(links_, folio); }

private:
    // Removing the folio under the hand moves the hand to the next folio toward the head
    // (none past the head: the next eviction starts again at the tail).
    void unlink(uint32_t folio) noexcept {
        if (hand_ == folio)
            hand_ = links_[folio].prev;
        queue_.remove(links_, folio);
    }

    list_links* links_ = nullptr;
    uint8_t* visited_ = nullptr;
    index_list queue_; // front: newest (head), back: oldest (tail)
    uint32_t hand_ = list_links::end;
};

static_assert(eviction_policy<sieve_eviction>);

} // namespace tagcache
