// A pool configuration is one aggregate struct of policies and constants; derive from
// default_pool_config and override what you need:
//
//     struct my_config : tagcache::default_pool_config {
//         using lock = tagcache::ticket_spinlock;
//         using page_memory = tagcache::mapped_page_memory;
//         static constexpr tagcache::partial_take on_partial_take =
//         tagcache::partial_take::split_folio;
//     };
//
// pool_config.hpp states what a configuration must provide. Freestanding.
#pragma once

#include <stdint.h>

#include "../policy/admission.hpp"
#include "../policy/donor_choice.hpp"
#include "../policy/list_eviction.hpp"
#include "../policy/lock.hpp"
#include "../policy/page_memory.hpp"
#include "../policy/placement.hpp"
#include "../policy/stats.hpp"

namespace tagcache {

// What a donor's take-back of one page of a cached large folio does to the folio's others.
// A configuration constant rather than a policy class: the pool branches on it inside its
// take-back and publish steps, and no third behaviour could plug in without changing them.
enum class partial_take : uint8_t {
    drop_whole_folio, // the folio leaves; its other pages count as collateral_dropped
    split_folio,      // only the taken page leaves; the others stay restorable
};

// Whether a restore keeps the cached copy (a constant, for the same reason).
enum class restore_mode : uint8_t {
    inclusive, // the copy stays (the 2025 cleancache)
    exclusive, // the restored page leaves the pool (old cleancache private pools)
};

struct default_pool_config {
    using lock = no_lock;                    // single-threaded; ticket_spinlock for SMP
    using eviction = lru_eviction;           // one LRU over folios
    using admission = admit_all;             // keep every store
    using donor_choice = round_robin_donors; // spread new folios over donors in turn
    using placement = first_free_placement;  // any free slot of the chosen donor
    using page_memory = no_page_memory;      // metadata only
    using stats = counting_stats;            // sysfs-style counters

    static constexpr partial_take on_partial_take = partial_take::drop_whole_folio;
    static constexpr restore_mode on_restore = restore_mode::inclusive;
    static constexpr unsigned max_order = 4; // largest folio: 2^4 pages
    static constexpr uint32_t max_donors = 8;
    static constexpr uint32_t sweep_batch = 8;        // invalidated slots examined per store
    static constexpr uint32_t evictions_per_hold = 4; // evictions before a store lets others in
};

} // namespace tagcache
