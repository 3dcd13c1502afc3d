// Per-slot metadata of the pool: 20 bytes for each donatable page, whatever the policies.
// Freestanding.
#pragma once

#include <stdint.h>

#include "../../base/index.hpp"
#include "../key.hpp"

namespace tagcache::detail {

// Every slot is in exactly one state (docs/design.md, invariant 4, refined for copies in flight):
enum class slot_state : uint8_t {
    donor_owned = 0, // not donated; the donor's to use (also: taken back, copy still leaving)
    free = 1,        // donated, holds no data
    pending = 2,     // reserved by a store whose copy is in flight; not visible to restores
    cached = 3,      // holds one page of a folio; indexed
    draining = 4,    // dropped while a copy was in flight; free once the copy leaves
};

// The folio a page belongs to is a ring through `link`; the folio is named, for the eviction
// policy, by its head (the flag `head`). A free slot lends `link` to the placement policy.
//
// The page's key is the interned folio key, handle << 40 | index, kept as two 32-bit halves (so
// that nothing needs 8-byte alignment): an index lookup compares it whole, in one 64-bit load
// where the compiler merges the halves, instead of rebuilding it from its fields.
struct slot_meta {
    uint32_t key_low;  // page index, bits 0..31
    uint32_t key_high; // page index, bits 32..39 (bits 0..7); inode handle (bits 8..31)
    uint8_t bits;      // state (bits 0..2), folio order (bits 3..6), head (bit 7)
    uint8_t flags;     // in_chain (bit 0), listed (bit 1), lingering (bit 2)
    uint8_t copiers;   // copies in flight; read without the lock by take-back
    uint8_t unused;
    uint32_t hash_next; // next slot in the index chain
    uint32_t link;      // next page of the folio ring, or the placement policy's free link

    static constexpr uint8_t state_mask = 0x07;
    static constexpr uint8_t order_shift = 3;
    static constexpr uint8_t order_mask = 0x78;
    static constexpr uint8_t head_bit = 0x80;
    static constexpr uint8_t in_chain_bit = 0x01;
    static constexpr uint8_t listed_bit = 0x02;
    static constexpr uint8_t lingering_bit = 0x04;

    constexpr slot_state state() const noexcept {
        return static_cast<slot_state>(bits & state_mask);
    }
    constexpr void set_state(slot_state s) noexcept {
        bits = static_cast<uint8_t>((bits & (0xFFu ^ state_mask)) | static_cast<unsigned>(s));
    }
    constexpr unsigned order() const noexcept { return (bits & order_mask) >> order_shift; }
    constexpr void set_order(unsigned order) noexcept {
        bits = static_cast<uint8_t>((bits & (0xFFu ^ order_mask)) |
                                    ((order << order_shift) & order_mask));
    }
    constexpr bool head() const noexcept { return (bits & head_bit) != 0; }
    constexpr void set_head(bool on) noexcept {
        bits = static_cast<uint8_t>(on ? bits | head_bit : bits & (0xFFu ^ head_bit));
    }
    constexpr bool in_chain() const noexcept { return (flags & in_chain_bit) != 0; }
    constexpr void set_in_chain(bool on) noexcept {
        flags = static_cast<uint8_t>(on ? flags | in_chain_bit : flags & (0xFFu ^ in_chain_bit));
    }
    constexpr bool listed() const noexcept { return (flags & listed_bit) != 0; }
    constexpr void set_listed(bool on) noexcept {
        flags = static_cast<uint8_t>(on ? flags | listed_bit : flags & (0xFFu ^ listed_bit));
    }
    // The folio this slot headed left the pool, but the eviction order still lists the slot: it
    // is taken out lazily (folio_rings), off the take-back path.
    constexpr bool lingering() const noexcept { return (flags & lingering_bit) != 0; }
    constexpr void set_lingering(bool on) noexcept {
        flags = static_cast<uint8_t>(on ? flags | lingering_bit : flags & (0xFFu ^ lingering_bit));
    }
    // The interned key, unique while the handle lives: handle << 40 | index.
    constexpr uint64_t folio_key() const noexcept {
        return uint64_t{key_low} | (uint64_t{key_high} << 32);
    }
    constexpr void set_key(uint32_t handle, uint64_t index) noexcept {
        const uint64_t key = interned_key(handle, index);
        key_low = static_cast<uint32_t>(key);
        key_high = static_cast<uint32_t>(key >> 32);
    }
    // The interned inode handle (pending, cached, draining) and the page index.
    constexpr uint32_t inode() const noexcept { return key_high >> (page_index_bits - 32); }
    constexpr uint64_t index() const noexcept { return folio_key() & max_page_index; }
    static constexpr uint64_t interned_key(uint32_t handle, uint64_t index) noexcept {
        return (uint64_t{handle} << page_index_bits) | index;
    }
    // A slot a store claims for page `index` of `handle` in a folio of `order`: pending, out of
    // any folio ring, one copier (the store's). claim() and take_over() both make one.
    void make_pending(uint32_t handle, uint64_t index, unsigned order) noexcept {
        set_key(handle, index);
        set_order(order);
        set_head(false);
        set_state(slot_state::pending);
        link = no_slot;
        store_copiers(1);
    }
    uint8_t load_copiers() const noexcept { return __atomic_load_n(&copiers, __ATOMIC_ACQUIRE); }
    void store_copiers(uint8_t n) noexcept { __atomic_store_n(&copiers, n, __ATOMIC_RELEASE); }
};

static_assert(sizeof(slot_meta) == 20, "slot metadata must stay at 20 bytes");

} // namespace tagcache::detail
