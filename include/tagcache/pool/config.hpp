// A pool configuration is one aggregate struct of policies; derive from default_pool_config
// and override what you need:
//
//     struct my_config : tagcache::default_pool_config {
//         using lock = tagcache::ticket_spinlock;
//         using page_memory = tagcache::mapped_page_memory;
//     };
//
// Freestanding.
#pragma once

#include <stdint.h>

#include "../policy/policy.hpp"

namespace tagcache {

struct default_pool_config {
    using lock = no_lock;                    // single-threaded; ticket_spinlock for SMP
    using eviction = lru_eviction;           // one LRU over folios
    using admission = admit_all;             // keep every store
    using donor_choice = round_robin_donors; // spread new folios over donors in turn
    using placement = first_free_placement;  // any free slot of the chosen donor
    using partial_take = drop_whole_folio;   // a take-back drops the whole folio
    using restore_mode = inclusive_restore;  // a restore keeps the copy (as the 2025 series)
    using page_memory = no_page_memory;      // metadata only
    using stats = counting_stats<8>;         // sysfs-style counters

    static constexpr unsigned max_order = 4; // largest folio: 2^4 pages
    static constexpr uint32_t max_donors = 8;
    static constexpr uint32_t sweep_batch = 8;        // invalidated slots examined per store
    static constexpr uint32_t evictions_per_hold = 4; // evictions before a store lets others in
};

} // namespace tagcache
