// Concept `eviction_policy`: which cached folio to drop when a store finds no free slot.
// Documented in docs/concepts.md. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/index.hpp"
#include "../base/meta.hpp"

namespace tagcache {

// A folio is named by the slot of its head page; `folio_key` identifies its contents
// (interned inode handle and head page index) for policies that remember evicted keys (ARC's
// ghost lists). Every operation is O(1), or bounded by `steps` for select_victim, so that no
// caller holds the pool lock for more than a bounded number of steps.
template <class P>
concept eviction_policy = requires(P& policy, const P& const_policy, void* storage, uint32_t folio,
                                   uint32_t other, uint64_t key, uint32_t& steps) {
    { P::name } -> convertible_to<const char*>;
    // Bytes of its per-slot arrays (directories sized by the capacity, such as ghost lists,
    // count in storage_bytes only), and the storage the pool hands to attach().
    { P::bytes_per_slot } -> convertible_to<size_t>;
    { P::storage_bytes(uint32_t{}) }
    noexcept->same_as<size_t>;
    { policy.attach(storage, uint32_t{}) }
    noexcept;
    { policy.before_insert(key) }
    noexcept; // a store of `key` is about to claim slots (ARC picks its case here)
    { policy.on_insert(folio, key) }
    noexcept; // a new folio became cached
    { policy.on_hit(folio) }
    noexcept; // a restore found (part of) the folio
    { policy.on_remove(folio) }
    noexcept; // dropped by the frontend or a donor
    { policy.on_move(folio, other) }
    noexcept; // the folio is now named by slot `other`
    { policy.select_victim(steps) }
    noexcept->same_as<uint32_t>; // no_slot: empty, or out of steps (call again)
    { policy.on_evict(folio, key) }
    noexcept; // the pool evicted the selected victim
    { const_policy.eviction_incomplete() }
    noexcept->convertible_to<bool>; // evict again at once (S3-FIFO's evictS)
    { const_policy.size() }
    noexcept->convertible_to<uint32_t>;
    { const_policy.contains(folio) }
    noexcept->convertible_to<bool>;
};

} // namespace tagcache
