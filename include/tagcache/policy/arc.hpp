// ARC eviction over folios (N. Megiddo, D. S. Modha, "ARC: A Self-Tuning, Low Overhead
// Replacement Cache", USENIX FAST '03, Figure 4). T1 and T2 hold cached folios seen once and
// more than once; B1 and B2 remember the keys recently evicted from each; the target size p
// of T1 adapts on ghost hits. before_insert() runs the paper's cases II-IV for the incoming
// key (adapting p, trimming the ghost lists), and select_victim() is its REPLACE, so that a
// single-threaded demand-paging replay is Figure 4 exactly.
//
// `Target` is the type of p: `double`, the paper's real-valued target, by default; a kernel
// built with -mgeneral-regs-only uses `arc_fixed_target`, 32.32 fixed point.
// Per slot: 8 bytes of links, 1 byte of list; the ghost directory: 24 bytes per key, c keys,
// plus buckets. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/intrusive_list.hpp"
#include "../concepts/eviction.hpp"
#include "ghost_keys.hpp"

namespace tagcache {

// A non-negative fixed-point number with 32 fraction bits: ARC's p without floating point.
class arc_fixed_target {
public:
    constexpr arc_fixed_target() noexcept = default;
    constexpr explicit arc_fixed_target(uint64_t whole) noexcept : raw_(whole << 32) {}
    static constexpr arc_fixed_target ratio(uint64_t numerator, uint64_t denominator) noexcept {
        arc_fixed_target r;
        r.raw_ = (numerator << 32) / denominator;
        return r;
    }
    constexpr arc_fixed_target& operator+=(arc_fixed_target o) noexcept {
        raw_ += o.raw_;
        return *this;
    }
    constexpr arc_fixed_target& operator-=(arc_fixed_target o) noexcept {
        raw_ = raw_ > o.raw_ ? raw_ - o.raw_ : 0;
        return *this;
    }
    friend constexpr bool operator<(arc_fixed_target a, arc_fixed_target b) noexcept {
        return a.raw_ < b.raw_;
    }
    friend constexpr bool operator==(arc_fixed_target a, arc_fixed_target b) noexcept = default;

private:
    uint64_t raw_ = 0;
};

namespace detail {
template <class T>
struct arc_arithmetic { // double
    static constexpr T whole(uint64_t n) noexcept { return static_cast<T>(n); }
    static constexpr T ratio(uint64_t a, uint64_t b) noexcept {
        return static_cast<T>(a) / static_cast<T>(b);
    }
};
template <>
struct arc_arithmetic<arc_fixed_target> {
    static constexpr arc_fixed_target whole(uint64_t n) noexcept { return arc_fixed_target(n); }
    static constexpr arc_fixed_target ratio(uint64_t a, uint64_t b) noexcept {
        return arc_fixed_target::ratio(a, b);
    }
};
} // namespace detail

template <class Target = double>
class basic_arc_eviction {
    using arithmetic = detail::arc_arithmetic<Target>;

public:
    static constexpr const char* name = "arc";
    static constexpr size_t bytes_per_slot =
        sizeof(list_links) + 1 + sizeof(list_links) + 16 + sizeof(uint32_t);
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return slots * (sizeof(list_links) + 1) + ghost_keys::storage_bytes(slots) + 8;
    }

    void attach(void* storage, uint32_t slots) noexcept {
        links_ = static_cast<list_links*>(storage);
        list_ = reinterpret_cast<uint8_t*>(links_ + slots);
        for (uint32_t i = 0; i < slots; ++i) {
            links_[i] = {};
            list_[i] = t1;
        }
        const uintptr_t ghosts = (reinterpret_cast<uintptr_t>(list_ + slots) + 7) & ~uintptr_t{7};
        ghosts_.attach(reinterpret_cast<void*>(ghosts), slots);
        capacity_ = slots;
        t1_ = t2_ = b1_ = b2_ = {};
        p_ = Target{};
        into_t2_ = incoming_in_b2_ = evict_t1_without_ghost_ = false;
    }

    // Cases II-IV of Figure 4 for the incoming key x (case I, a hit, never stores).
    void before_insert(uint64_t key) noexcept {
        const uint64_t c = capacity_;
        into_t2_ = incoming_in_b2_ = evict_t1_without_ghost_ = false;
        const uint32_t ghost = ghosts_.find(key);
        if (ghost != ghost_keys::none && ghosts_.tag(ghost) == b1) { // case II
            const Target delta = b1_.size() >= b2_.size()
                                     ? arithmetic::whole(1)
                                     : arithmetic::ratio(b2_.size(), b1_.size());
            p_ += delta;
            if (arithmetic::whole(c) < p_)
                p_ = arithmetic::whole(c);
            ghosts_.erase(ghost, b1_);
            into_t2_ = true;
        } else if (ghost != ghost_keys::none) { // case III
            const Target delta = b2_.size() >= b1_.size()
                                     ? arithmetic::whole(1)
                                     : arithmetic::ratio(b1_.size(), b2_.size());
            p_ -= delta;
            if (p_ < Target{})
                p_ = Target{};
            ghosts_.erase(ghost, b2_);
            into_t2_ = incoming_in_b2_ = true;
        } else if (t1_.size() + b1_.size() == c) { // case IV (A)
            if (t1_.size() < c)
                ghosts_.erase(b1_.back(), b1_);
            else
                evict_t1_without_ghost_ = true;
        } else { // case IV (B)
            const uint64_t total = uint64_t{t1_.size()} + t2_.size() + b1_.size() + b2_.size();
            if (total >= c && total == 2 * c && !b2_.empty())
                ghosts_.erase(b2_.back(), b2_);
        }
    }

    void on_insert(uint32_t folio, uint64_t) noexcept {
        list_[folio] = into_t2_ ? t2 : t1;
        (into_t2_ ? t2_ : t1_).push_front(links_, folio);
        into_t2_ = incoming_in_b2_ = evict_t1_without_ghost_ = false;
    }
    void on_hit(uint32_t folio) noexcept { // case I
        cached_list(folio).remove(links_, folio);
        list_[folio] = t2;
        t2_.push_front(links_, folio);
    }
    void on_remove(uint32_t folio) noexcept { cached_list(folio).remove(links_, folio); }
    void on_move(uint32_t from, uint32_t to) noexcept {
        cached_list(from).replace(links_, from, to);
        list_[to] = list_[from];
    }

    // REPLACE(x, p).
    uint32_t select_victim(uint32_t&) noexcept {
        if (t1_.empty() && t2_.empty())
            return no_slot;
        if (evict_t1_without_ghost_ && !t1_.empty())
            return t1_.back();
        const Target t1_size = arithmetic::whole(t1_.size());
        const bool from_t1 = !t1_.empty() && ((incoming_in_b2_ && t1_size == p_) || p_ < t1_size);
        return from_t1 || t2_.empty() ? t1_.back() : t2_.back();
    }
    void on_evict(uint32_t folio, uint64_t key) noexcept {
        const bool from_t1 = list_[folio] == t1;
        cached_list(folio).remove(links_, folio);
        if (from_t1 && evict_t1_without_ghost_) {
            evict_t1_without_ghost_ = false;
            return; // case IV (A): the page leaves the directory too
        }
        if (ghosts_.size() == ghosts_.capacity()) // only when the pool shrank under ARC
            ghosts_.erase((b1_.size() >= b2_.size() ? b1_ : b2_).back(),
                          b1_.size() >= b2_.size() ? b1_ : b2_);
        ghosts_.insert(key, from_t1 ? b1_ : b2_, from_t1 ? b1 : b2);
    }
    bool eviction_incomplete() const noexcept { return false; }

    uint32_t size() const noexcept { return t1_.size() + t2_.size(); }
    bool contains(uint32_t folio) const noexcept { return index_list::listed(links_, folio); }
    const Target& target() const noexcept { return p_; }

private:
    static constexpr uint8_t t1 = 0, t2 = 1, b1 = 0, b2 = 1;
    index_list& cached_list(uint32_t folio) noexcept { return list_[folio] == t2 ? t2_ : t1_; }

    list_links* links_ = nullptr;
    uint8_t* list_ = nullptr; // t1 or t2, per cached folio
    ghost_keys ghosts_;       // B1 and B2 (tagged)
    index_list t1_, t2_, b1_, b2_;
    uint64_t capacity_ = 0;
    Target p_{};
    bool into_t2_ = false;
    bool incoming_in_b2_ = false;
    bool evict_t1_without_ghost_ = false;
};

using arc_eviction = basic_arc_eviction<double>;
using arc_fixed_eviction = basic_arc_eviction<arc_fixed_target>;

static_assert(eviction_policy<arc_eviction>);
static_assert(eviction_policy<arc_fixed_eviction>);

} // namespace tagcache
