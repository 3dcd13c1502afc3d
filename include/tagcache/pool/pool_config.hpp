// Concept `pool_config`: what a pool configuration must provide, checked where a user names
// it (cleancache_pool<C>, owned_pool<C>), so that a mistake is reported there, by the
// requirement it breaks, instead of deep inside the pool. Freestanding.
#pragma once

#include <stdint.h>

#include "../concepts/concepts.hpp"
#include "default_pool_config.hpp"
#include "detail/slot_view.hpp"

namespace tagcache {

// Folio orders are kept in 4 bits of a slot; a donor index in 32 bits.
inline constexpr unsigned max_supported_order = 15;

template <class C>
concept pool_config = requires {
    typename C::lock;
    typename C::eviction;
    typename C::admission;
    typename C::donor_choice;
    typename C::placement;
    typename C::page_memory;
    typename C::stats;
    { C::on_partial_take } -> convertible_to<partial_take>;
    { C::on_restore } -> convertible_to<restore_mode>;
    { C::max_order } -> convertible_to<unsigned>;
    { C::max_donors } -> convertible_to<uint32_t>;
    { C::sweep_batch } -> convertible_to<uint32_t>;
    { C::evictions_per_hold } -> convertible_to<uint32_t>;
}
&&lock_policy<typename C::lock>&& eviction_policy<typename C::eviction>&&
        admission_policy<typename C::admission>&& donor_choice_policy<typename C::donor_choice>&&
            placement_policy<typename C::placement, detail::pool_slot_view<C::max_donors>>&&
                page_memory_policy<typename C::page_memory>&& stats_policy<typename C::stats> &&
    (C::max_order <= max_supported_order) && (C::max_donors >= 1) && (C::sweep_batch >= 1) &&
    (C::evictions_per_hold >= 1);

static_assert(pool_config<default_pool_config>);

} // namespace tagcache
