// The workload API both tag-storage strategies accept, so that tests, benchmarks and the
// simulator drive them identically: a machine with tagged memory, its tag storage, a page
// allocator, and (for the cleancache strategy) a cleancache pool fed by file page traffic.
//
//   cleancache_machine   tag storage lent to a cleancache pool; reserving drops cached data
//   cma_machine          the Linux RFC v3 approach: tag storage lent to the page allocator as
//                        CMA memory for movable pages; reserving migrates them away
//
// Hosted.
#pragma once

#include <cstdint>

#include <tagcache/base/base.hpp>
#include <tagcache/pool/key.hpp>

namespace tagcache::sim {

enum class allocation_kind : uint8_t {
    tagged,    // needs tag storage (PROT_MTE user memory, tagged slab, KVM guest memory)
    movable,   // untagged, migratable (page cache, anonymous memory)
    unmovable, // untagged kernel memory
};

struct reserve_context {
    bool atomic = false; // may not sleep: kernel tagged slab allocations, copy_highpage, swap-in
};

// What one tag-storage reservation did. Both strategies fill what applies to them.
struct reservation_report {
    errc error = errc::ok;       // ok, or why the reservation failed
    pfn_t pfn = 0;               // where the tagged folio is (a CMA fallback moves it)
    bool fell_back = false;      // CMA: reservation failed, the tagged folio was migrated
    uint32_t blocks_claimed = 0; // blocks whose count went 0 -> n
    uint32_t pages_migrated = 0; // CMA: pages copied elsewhere (movable pages, or the folio)
    uint64_t bytes_copied = 0;   // CMA: bytes those copies moved
    uint32_t retries = 0;        // CMA: claim attempts beyond the first
    uint32_t pages_dropped = 0;  // cleancache: cached pages dropped from claimed blocks
    double measured_ns = 0;      // wall time of the reservation in the model
    double modelled_us = 0;      // the calibrated kernel cost model's estimate
};

struct allocation_report {
    errc error = errc::ok; // ok, or no_space (no free memory), or the reservation's error
    pfn_t pfn = 0;
    unsigned order = 0;
    allocation_kind kind = allocation_kind::movable;
    reservation_report reservation; // for tagged allocations
};

// Counters common to both machines.
struct machine_stats {
    uint64_t allocations = 0, allocation_failures = 0, frees = 0;
    uint64_t reservations = 0, reservation_failures = 0, atomic_failures = 0, fallbacks = 0;
    uint64_t pages_migrated = 0, bytes_copied = 0, retries = 0;
    uint64_t pages_dropped = 0; // cached pages dropped because their block was needed for tags
    uint64_t file_stores = 0, file_hits = 0, file_misses = 0;
    uint64_t usable_pages = 0;      // gauge: pages the page allocator can hand out (free or used)
    uint64_t tag_pages_cached = 0;  // gauge: tag-storage pages holding cache data
    uint64_t tag_pages_movable = 0; // gauge: tag-storage pages holding movable pages (CMA)
    uint64_t tag_pages_tags = 0;    // gauge: tag-storage pages in blocks reserved for tags
};

template <class M>
concept tag_machine = requires(M& m, const M& cm, unsigned order, allocation_kind kind,
                               reserve_context context, pfn_t pfn, page_key key) {
    { m.allocate(order, kind, context) } -> same_as<allocation_report>;
    { m.free(pfn, order) } -> same_as<result<void>>;
    { m.pin(pfn) } -> same_as<result<void>>; // the page cannot move until unpinned
    { m.unpin(pfn) } -> same_as<result<void>>;
    { m.store_file_page(key) } -> same_as<bool>;   // a clean page cache page was evicted
    { m.restore_file_page(key) } -> same_as<bool>; // a page cache miss: true when restored
    { cm.stats() } -> same_as<machine_stats>;
    { cm.name() } -> convertible_to<const char*>;
};

} // namespace tagcache::sim
