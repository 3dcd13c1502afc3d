// S3-FIFO eviction over folios (J. Yang et al., "FIFO queues are all you need for cache
// eviction", SOSP '23, Algorithm 1): a small FIFO S (10 % of the capacity) filters folios
// seen once, a main FIFO M keeps the rest with lazy reinsertion, and a ghost FIFO G remembers
// keys evicted from S so that they return straight to M. Choices where the paper leaves
// room, as libCacheSim's S3FIFO: |S| target max(1, floor(c / 10)); M holds c - that; G holds
// as many keys as M; a folio moves from S to M when its frequency (0..3) is at least 2; M is
// over capacity when it holds more than its share.
// Per slot: 8 bytes of links and 1 byte of state; G: 24 bytes per key plus its bucket.
// Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/intrusive_list.hpp"
#include "../concepts/eviction.hpp"
#include "ghost_keys.hpp"

namespace tagcache {

class s3fifo_eviction {
public:
    static constexpr const char* name = "s3fifo";
    static constexpr size_t bytes_per_slot = sizeof(list_links) + 1;
    static constexpr uint8_t max_frequency = 3;
    static constexpr uint8_t move_to_main_threshold = 2;

    static constexpr uint32_t small_target(uint32_t slots) noexcept {
        return slots / 10 > 1 ? slots / 10 : 1;
    }
    static constexpr uint32_t ghost_capacity(uint32_t slots) noexcept {
        return slots > small_target(slots) ? slots - small_target(slots) : 1;
    }
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return slots * bytes_per_slot + ghost_keys::storage_bytes(ghost_capacity(slots)) + 8;
    }

    void attach(void* storage, uint32_t slots) noexcept {
        links_ = static_cast<list_links*>(storage);
        state_ = reinterpret_cast<uint8_t*>(links_ + slots);
        for (uint32_t i = 0; i < slots; ++i) {
            links_[i] = {};
            state_[i] = 0;
        }
        small_target_ = small_target(slots);
        main_capacity_ = slots - small_target_;
        const uintptr_t ghosts = (reinterpret_cast<uintptr_t>(state_ + slots) + 7) & ~uintptr_t{7};
        ghosts_.attach(reinterpret_cast<void*>(ghosts), ghost_capacity(slots));
        small_ = main_ = ghost_order_ = {};
        phase_ = phase::idle;
    }

    void before_insert(uint64_t) noexcept {}

    void on_insert(uint32_t folio, uint64_t key) noexcept {
        const uint32_t ghost = ghosts_.find(key);
        if (ghost != ghost_keys::none) {
            ghosts_.erase(ghost, ghost_order_);
            state_[folio] = in_main;
            main_.push_front(links_, folio);
        } else {
            state_[folio] = 0;
            small_.push_front(links_, folio);
        }
    }
    void on_hit(uint32_t folio) noexcept {
        if (frequency(folio) < max_frequency)
            ++state_[folio];
    }
    void on_remove(uint32_t folio) noexcept { queue_of(folio).remove(links_, folio); }
    void on_move(uint32_t from, uint32_t to) noexcept {
        queue_of(from).replace(links_, from, to);
        state_[to] = state_[from];
    }

    // One step of Algorithm 1's evict(). Each promotion or reinsertion costs one of `steps`;
    // the phase is kept, so a call that runs out resumes where it stopped.
    uint32_t select_victim(uint32_t& steps) noexcept {
        if (small_.empty() && main_.empty())
            return no_slot;
        if (phase_ == phase::idle)
            phase_ = small_.size() >= small_target_ || main_.empty() ? phase::small : phase::main;
        for (;;) {
            if (phase_ == phase::small) {
                if (small_.empty()) { // every S folio was promoted: evict from M
                    phase_ = phase::main;
                    continue;
                }
                const uint32_t tail = small_.back();
                if (frequency(tail) < move_to_main_threshold)
                    return tail; // to the ghost queue, in on_evict
                if (steps == 0)
                    return no_slot;
                --steps;
                small_.remove(links_, tail);
                state_[tail] = static_cast<uint8_t>(state_[tail] | in_main);
                main_.push_front(links_, tail);
                if (main_.size() > main_capacity_)
                    phase_ = phase::main_within_small;
                continue;
            }
            if (main_.empty()) {
                phase_ = phase::small;
                continue;
            }
            const uint32_t tail = main_.back();
            if (frequency(tail) == 0)
                return tail;
            if (steps == 0)
                return no_slot;
            --steps;
            --state_[tail];
            main_.move_to_front(links_, tail);
        }
    }

    void on_evict(uint32_t folio, uint64_t key) noexcept {
        const bool from_small = (state_[folio] & in_main) == 0;
        queue_of(folio).remove(links_, folio);
        if (from_small) {
            if (ghosts_.size() == ghosts_.capacity())
                ghosts_.erase(ghost_order_.back(), ghost_order_);
            ghosts_.insert(key, ghost_order_);
        }
        // An eviction from M made during evictS's promotions leaves evictS unfinished while S
        // still holds folios; its next step then surely evicts again (the S tail, or a
        // promotion that puts M over capacity once more). An empty S ends evictS.
        incomplete_ = phase_ == phase::main_within_small && !small_.empty();
        phase_ = incomplete_ ? phase::small : phase::idle;
    }
    bool eviction_incomplete() const noexcept { return incomplete_; }

    uint32_t size() const noexcept { return small_.size() + main_.size(); }
    bool contains(uint32_t folio) const noexcept { return index_list::listed(links_, folio); }

private:
    enum class phase : uint8_t { idle, small, main, main_within_small };
    static constexpr uint8_t frequency_mask = 0x03;
    static constexpr uint8_t in_main = 0x04;

    uint8_t frequency(uint32_t folio) const noexcept { return state_[folio] & frequency_mask; }
    index_list& queue_of(uint32_t folio) noexcept {
        return (state_[folio] & in_main) != 0 ? main_ : small_;
    }

    list_links* links_ = nullptr;
    uint8_t* state_ = nullptr; // frequency (bits 0-1), in M (bit 2)
    index_list small_;
    index_list main_;
    ghost_keys ghosts_;
    index_list ghost_order_;
    uint32_t small_target_ = 1;
    uint32_t main_capacity_ = 0;
    phase phase_ = phase::idle;
    bool incomplete_ = false;
};

static_assert(eviction_policy<s3fifo_eviction>);

} // namespace tagcache
