// The kernel cost model both tag-storage strategies use. Hosted.
//
// COST MODEL, not a measurement: the kernel time of taking pages for tag storage, calibrated
// from the only published figures that compare CMA allocation with dropping clean cached data:
// the CMA baseline uses the CMA fit for claims that migrate, the cleancache strategy may use
// the GCMA fit for claims that drop cached pages.
//
// Source: the GCMA RFC v2, Feb 2015 (S. Park, M. Kim, "introduce gcma"),
// https://lore.kernel.org/lkml/1424721263-25314-1-git-send-email-sj38.park@gmail.com/ , on a
// CuBox i4 Pro under a background kernel build; average latency of one allocation:
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
// Two points and a line are all the data supports: the figures are from a 2015 ARMv7 board,
// so absolute values do not transfer to an MTE system; the ratio (about 23x per page) is what
// comparisons between the strategies should rely on.
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
// cleancache_machine prices each block it claims with this line.
inline constexpr linear_cost gcma_latency_fit =
    linear_cost::through(gcma_rfc_v2_figures::small_pages, gcma_rfc_v2_figures::gcma_small_us,
                         gcma_rfc_v2_figures::large_pages, gcma_rfc_v2_figures::gcma_large_us);

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
