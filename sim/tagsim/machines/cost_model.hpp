// The kernel cost model both tag-storage strategies use. Hosted.
//
// COST MODEL, not a measurement of the simulated machine: an estimate of the kernel time of
// each tag-storage reservation. docs/tagsim.md ("Cost model") traces every constant here.
//
// The CMA baseline is priced from the only published figures that compare CMA allocation with
// dropping clean cached data, the GCMA RFC v2, Feb 2015 (S. Park, M. Kim, "introduce gcma"),
// https://lore.kernel.org/lkml/1424721263-25314-1-git-send-email-sj38.park@gmail.com/ , on a
// CuBox i4 Pro (ARMv7) under a background kernel build; average latency of one allocation:
//
//              1 page       4,096 pages
//   CMA        684 us       298,640 us    (migrates movable pages out of the range)
//   GCMA        26 us        13,091 us    (discards clean cleancache pages instead)
//
// Each is fitted by a straight line through its two averages, cost(n) = a + b * n:
//
//   CMA:  b = (298,640 - 684) / 4,095 = 72.760928 us/page,  a = 684 - b = 611.239072 us
//   GCMA: b = (13,091 - 26) / 4,095   =  3.190476 us/page,  a = 26 - b  =  22.809524 us
//
// Two points and a line are all the data supports, from a 2015 ARMv7 board.
//
// The cleancache strategy is priced from our own in-kernel figures: the module's `latency`
// self-test (examples/kernel/selftest_latency.c) times, with interrupts off, 10,000 take-backs
// of a page holding cached data and 10,000 reservations of a two-page block whose pages cache
// one folio, in this library's pool and tag-storage manager running inside Linux.
#pragma once

#include <cstdint>

namespace tagcache::sim {

// cost(n pages) = fixed_us + per_page_us * n, in microseconds.
struct linear_cost {
    double fixed_us = 0;    // a
    double per_page_us = 0; // b

    constexpr double operator()(uint64_t pages) const noexcept {
        return fixed_us + per_page_us * static_cast<double>(pages);
    }
    // The line through (n1, c1) and (n2, c2); n1 != n2.
    static constexpr linear_cost through(double n1, double c1, double n2, double c2) noexcept {
        const double slope = (c2 - c1) / (n2 - n1);
        return {c1 - slope * n1, slope};
    }
};

// The GCMA RFC v2 averages (microseconds) the fits pass through.
struct gcma_rfc_v2_figures {
    static constexpr double small_pages = 1, large_pages = 4096;
    static constexpr double cma_small_us = 684, cma_large_us = 298'640;
    static constexpr double gcma_small_us = 26, gcma_large_us = 13'091;
};

// CMA allocation (migration): a = 611.239072 us, b = 72.760928 us/page.
inline constexpr linear_cost cma_latency_fit =
    linear_cost::through(gcma_rfc_v2_figures::small_pages, gcma_rfc_v2_figures::cma_small_us,
                         gcma_rfc_v2_figures::large_pages, gcma_rfc_v2_figures::cma_large_us);
// GCMA allocation (dropping clean cached pages): a = 22.809524 us, b = 3.190476 us/page.
// The CMA baseline prices a claim that finds only free pages with it; figures show its 1-page
// value as the published comparison for the cleancache's own figure.
inline constexpr linear_cost gcma_latency_fit =
    linear_cost::through(gcma_rfc_v2_figures::small_pages, gcma_rfc_v2_figures::gcma_small_us,
                         gcma_rfc_v2_figures::large_pages, gcma_rfc_v2_figures::gcma_large_us);

// The kernel module's KTAP latency diagnostics (ns), from the CI kernel test
// (scripts/kernel/run.sh: Debian 12 kernel 6.1.0-57, QEMU 10.0.2 TCG, no KVM, -cpu max,
// -smp 2, x86-64 host):
//   # latency take_back_cached_page: n=10000 p50=... ns p99=... ns max=... ns
//   # latency reserve_with_drop (2 cached pages): n=10000 p50=... ns p99=... ns max=... ns
// Emulated CPUs overstate hardware latency, so these are upper bounds (docs/tagsim.md).
struct kernel_latency_figures {
    double take_back_cached_p50_ns, take_back_cached_p99_ns;
    double reserve_with_drop_p50_ns, reserve_with_drop_p99_ns;
};
// x86-64 guest under TCG on an x86-64 host: the figures the model uses.
inline constexpr kernel_latency_figures kernel_x86_64_tcg{1790, 2690, 2510, 7010};
// arm64 guest (MTE) under TCG on an x86-64 host: a foreign ISA emulated, about twice as slow;
// printed for comparison, not used.
inline constexpr kernel_latency_figures kernel_arm64_tcg{2118, 4887, 4665, 11600};

// The rule the cleancache strategy applies (cleancache_machine::reserve):
//  - each block claimed costs one measured reserve_with_drop (p50): the manager's work, the
//    take-back of the block's pages and the drop of what they cache. A block that cached
//    nothing is priced the same (no separate figure; an upper bound);
//  - each page dropped beyond one per claimed block adds one take_back_cached_page (p50): the
//    measured reservation dropped one folio;
//  - a reservation that only adds references costs 0.
inline constexpr double cleancache_claim_us = kernel_x86_64_tcg.reserve_with_drop_p50_ns / 1000;
inline constexpr double cleancache_extra_drop_us = kernel_x86_64_tcg.take_back_cached_p50_ns / 1000;
constexpr double cleancache_reservation_cost(uint64_t blocks_claimed,
                                             uint64_t pages_dropped) noexcept {
    const uint64_t extra_drops =
        pages_dropped > blocks_claimed ? pages_dropped - blocks_claimed : 0;
    return static_cast<double>(blocks_claimed) * cleancache_claim_us +
           static_cast<double>(extra_drops) * cleancache_extra_drop_us;
}

// The rule the CMA baseline applies (cma_tag_storage::reserve fills modelled_us with it):
//  - each claim attempt on a block that holds movable pages (v3's alloc_contig_range over the
//    block) costs cma_latency_fit(block pages), failed attempts and retries included;
//  - a block claimed with only free pages costs gcma_latency_fit(block pages): nothing moves, so
//    it is priced as GCMA's allocation, which never migrates (an approximation: GCMA's figure
//    includes discarding whatever cached pages the range held);
//  - the fallback's migration of the tagged folio itself costs cma_latency_fit(folio pages);
//  - a reservation that only adds references, or fails at once (atomic, bad argument),
//    costs 0.
constexpr double cma_block_claim_cost(bool held_movable_pages, uint64_t block_pages) noexcept {
    return held_movable_pages ? cma_latency_fit(block_pages) : gcma_latency_fit(block_pages);
}
constexpr double cma_folio_migration_cost(uint64_t folio_pages) noexcept {
    return cma_latency_fit(folio_pages);
}

} // namespace tagcache::sim
