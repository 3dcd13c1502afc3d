// The simulator's core (sim::simulate over sim::mixed_workload) on a short scenario: the
// relations that must hold between its figures, the pinning adversary's effect on each
// strategy, and determinism for a seed.
#include <tagcache/tagcache.hpp>
#include <tagsim/sim.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "catch.hpp"

using namespace tagcache;
using namespace tagcache::sim;

namespace {

// 256 MiB of tagged memory (65,536 pages), its 8 MiB of tag storage (block-size 0x1000).
tag_map small_map() {
    const tag_region_desc descs[] = {
        {{0x8000'0000, 256ull << 20}, {0x9000'0000, 8ull << 20}, 0x1000}};
    return tag_map::create(descs, page_size::size_4k).value();
}

// The shape of sim/scenarios/small.json, in pages, shortened to one second.
mixed_workload_params small_workload(uint64_t seed) {
    mixed_workload_params w;
    w.seed = seed;
    w.duration_s = 1;
    w.file_reads_per_s = 50'000;
    w.page_cache_pages = 32 * 256;
    w.file_set_pages = 1024 * 256;
    w.hot_set_pages = 36 * 256;
    w.pages_per_file = 4 * 256;
    w.tagged_ops_per_s = 5'000;
    w.tagged_live_pages = 8 * 256;
    w.movable_ops_per_s = 5'000;
    w.movable_live_pages = 210 * 256; // memory nearly full: CMA puts movable pages in tag storage
    w.pin_share = 0.05;
    w.pin_limit = 256;
    return w;
}

struct stream_counts {
    uint64_t events = 0, tagged_allocations = 0, atomic_allocations = 0, stores = 0, restores = 0;
};

stream_counts count_stream(const mixed_workload_params& params) {
    stream_counts counts;
    mixed_workload workload(params);
    const auto sink = [&](const workload_event& e) {
        ++counts.events;
        if (e.op == workload_op::allocate && e.kind == allocation_kind::tagged) {
            ++counts.tagged_allocations;
            counts.atomic_allocations += e.atomic ? 1u : 0u;
        }
        counts.stores += e.op == workload_op::store_file ? 1u : 0u;
        counts.restores += e.op == workload_op::restore_file ? 1u : 0u;
    };
    workload.fill(sink);
    for (uint64_t i = 0; i < params.steps(); ++i)
        workload.step(sink);
    return counts;
}

} // namespace

TEST_CASE("the workload stream refers only to live allocations and never frees a pinned one",
          "[sim][workload]") {
    mixed_workload workload(small_workload(3));
    std::set<uint64_t> live, pinned;
    uint64_t next_id = 0, errors = 0;
    const auto sink = [&](const workload_event& e) {
        switch (e.op) {
        case workload_op::allocate:
            live.insert(next_id++);
            break;
        case workload_op::free:
            errors += live.erase(e.id) == 1 && pinned.count(e.id) == 0 ? 0u : 1u;
            break;
        case workload_op::pin:
            errors += live.count(e.id) == 1 && pinned.insert(e.id).second ? 0u : 1u;
            break;
        case workload_op::unpin:
            errors += pinned.erase(e.id) == 1 ? 0u : 1u;
            break;
        case workload_op::store_file:
        case workload_op::restore_file:
            errors += e.key.inode == 0 ? 1u : 0u; // inode 0 is not a file of the stream
            break;
        }
    };
    workload.fill(sink);
    for (uint64_t i = 0; i < workload.params().steps(); ++i)
        workload.step(sink);
    CHECK(errors == 0);
    CHECK(pinned.size() == workload.params().pin_limit); // the pinning process holds its limit
    CHECK(workload.file_reads() > 0);
}

TEST_CASE("short scenario: both strategies see the same stream and the pinning process and "
          "atomic reservations defeat only the baseline",
          "[sim][pin]") {
    const tag_map map = small_map();
    const mixed_workload_params params = small_workload(7);
    const stream_counts stream = count_stream(params);
    const simulation_result r = simulate(map, params);
    const machine_stats& c = r.cleancache.stats;
    const machine_stats& m = r.cma.stats;
    INFO("cma: failures " << m.reservation_failures << ", atomic " << m.atomic_failures
                          << ", fallbacks " << m.fallbacks << ", migrated " << m.pages_migrated);

    // Figures fixed by the stream alone, counted independently above.
    CHECK(r.events == stream.events);
    CHECK(r.steps == params.steps());
    CHECK(r.data_pages == 65'536);
    CHECK(r.tag_pages == 2'048);
    const uint64_t page_cache_misses = r.file_reads - r.page_cache_hits;
    CHECK(stream.restores == page_cache_misses);
    // The page cache evicts one page per miss once it is full.
    CHECK(stream.stores == page_cache_misses - params.page_cache_pages);

    // Every page cache miss is one cleancache lookup; every eviction one store.
    for (const strategy_result* s : {&r.cleancache, &r.cma}) {
        CHECK(s->stats.file_hits + s->stats.file_misses == page_cache_misses);
        CHECK(s->lookups() == page_cache_misses);
    }
    CHECK(c.file_stores == stream.stores);
    CHECK(c.file_hits > 0);
    CHECK(m.file_hits == 0); // no cleancache under CMA

    // Each tagged allocation that found memory reserved its tag storage, and succeeded.
    CHECK(r.cleancache.measured_ns.size() == c.reservations);
    CHECK(r.cleancache.modelled_us.size() == c.reservations);
    CHECK(c.reservations <= stream.tagged_allocations);
    CHECK(stream.tagged_allocations - c.reservations <= c.allocation_failures);
    CHECK(r.cma.measured_ns.size() == m.reservations + m.reservation_failures);

    // The manager: no failure, no fallback, nothing migrated or copied.
    CHECK(c.reservation_failures == 0);
    CHECK(c.atomic_failures == 0);
    CHECK(c.fallbacks == 0);
    CHECK(c.pages_migrated == 0);
    CHECK(c.bytes_copied == 0);
    CHECK(c.tag_pages_movable == 0);
    CHECK(c.pages_dropped > 0); // it took blocks back from the cache

    // The baseline: movable pages (some pinned) sat in tag storage; reservations migrated them,
    // atomic ones that needed a migration failed, and pinned pages forced fallbacks or failures.
    CHECK(m.pages_migrated > 0);
    CHECK(m.bytes_copied == m.pages_migrated * 4096);
    CHECK(m.atomic_failures > 0);
    CHECK(m.atomic_failures <= stream.atomic_allocations);
    CHECK(m.reservation_failures + m.fallbacks > 0);
    CHECK(m.tag_pages_cached == 0);

    // Usable memory: under CMA tag storage not holding tags also serves movable pages.
    CHECK(c.usable_pages == r.data_pages);
    CHECK(m.usable_pages == r.data_pages + r.tag_pages - m.tag_pages_tags);
    for (const gauge_sample& g : r.cleancache.samples)
        CHECK(g.tag_pages_cached + g.tag_pages_tags <= r.tag_pages);
    CHECK(r.cleancache.samples.size() == 20);
}

TEST_CASE("each adversary alone: pins force fallbacks or failures of the baseline and atomic "
          "reservations its atomic failures - without either it only migrates",
          "[sim][pin]") {
    const tag_map map = small_map();
    struct variant {
        double pin_share, atomic_share;
    };
    for (const variant v : {variant{0.3, 0.0}, variant{0.0, 0.3}, variant{0.0, 0.0}}) {
        mixed_workload_params params = small_workload(9);
        params.pin_share = v.pin_share;
        params.pin_limit = 4096;
        params.atomic_share = v.atomic_share;
        const simulation_result r = simulate(map, params);
        const machine_stats& c = r.cleancache.stats;
        const machine_stats& m = r.cma.stats;
        INFO("pin share " << v.pin_share << ", atomic share " << v.atomic_share
                          << "; cma: failures " << m.reservation_failures << ", atomic "
                          << m.atomic_failures << ", fallbacks " << m.fallbacks << ", migrated "
                          << m.pages_migrated);
        CHECK(c.reservation_failures + c.fallbacks == 0);
        CHECK(m.pages_migrated > 0);
        if (v.atomic_share == 0)
            CHECK(m.atomic_failures == 0);
        else
            CHECK(m.atomic_failures > 0);
        if (v.pin_share > 0)
            CHECK(m.fallbacks + m.reservation_failures - m.atomic_failures > 0);
        if (v.pin_share == 0 && v.atomic_share == 0)
            CHECK(m.fallbacks + m.reservation_failures == 0);
    }
}

TEST_CASE("a seed fixes every figure but the measured latencies", "[sim][determinism]") {
    const tag_map map = small_map();
    mixed_workload_params params = small_workload(5);
    params.duration_s = 0.5;
    const simulation_result a = simulate(map, params);
    const simulation_result b = simulate(map, params);
    const auto same = [](const strategy_result& x, const strategy_result& y) {
        const machine_stats& s = x.stats;
        const machine_stats& t = y.stats;
        CHECK(s.reservations == t.reservations);
        CHECK(s.reservation_failures == t.reservation_failures);
        CHECK(s.fallbacks == t.fallbacks);
        CHECK(s.pages_migrated == t.pages_migrated);
        CHECK(s.file_hits == t.file_hits);
        CHECK(s.pages_dropped == t.pages_dropped);
        CHECK(s.usable_pages == t.usable_pages);
        CHECK(s.tag_pages_cached == t.tag_pages_cached);
        CHECK(s.tag_pages_movable == t.tag_pages_movable);
        CHECK(x.modelled_us == y.modelled_us);
        CHECK(x.skipped_events == y.skipped_events);
    };
    same(a.cleancache, b.cleancache);
    same(a.cma, b.cma);
    CHECK(a.events == b.events);

    params.seed = 6;
    const simulation_result other = simulate(map, params);
    CHECK((other.events != a.events ||
           other.cleancache.stats.file_hits != a.cleancache.stats.file_hits));
}

TEST_CASE("quantile: nearest rank", "[sim]") {
    std::vector<double> values{5, 1, 4, 2, 3};
    CHECK(quantile(values, 0.0) == 1);
    CHECK(quantile(values, 0.5) == 3);
    CHECK(quantile(values, 1.0) == 5);
    std::vector<double> none;
    CHECK(quantile(none, 0.5) == 0);
}

TEST_CASE("lru page cache: evicts the least recently used page once full", "[sim][page_cache]") {
    lru_page_cache cache(3);
    for (uint64_t page = 0; page < 3; ++page) {
        CHECK_FALSE(cache.evict_if_full().has_value());
        cache.insert(page, 100 + page);
    }
    CHECK(cache.touch(0)); // 0 is now the most recent: 1 goes first
    CHECK_FALSE(cache.touch(7));
    const auto victim = cache.evict_if_full();
    REQUIRE(victim.has_value());
    CHECK(victim->page == 1);
    CHECK(victim->allocation == 101);
    CHECK(cache.size() == 2);
}

TEST_CASE("the time series: counters at the end of the fill and of each part of the run, the "
          "last point the final figures, and nothing else changed by recording it",
          "[sim][series]") {
    const tag_map map = small_map();
    mixed_workload_params params = small_workload(7);
    params.duration_s = 0.5;
    simulation_options with_series;
    with_series.series_points = 50;
    const simulation_result plain = simulate(map, params);
    const simulation_result r = simulate(map, params, with_series);
    for (const auto& [s, p] :
         {std::pair{&r.cleancache, &plain.cleancache}, std::pair{&r.cma, &plain.cma}}) {
        CHECK(p->series.empty());
        REQUIRE(s->series.size() == 51);
        CHECK(s->series.front().time_s == 0);
        CHECK(s->series.back().time_s == Approx(params.duration_s));
        for (size_t i = 1; i < s->series.size(); ++i) {
            const machine_stats& a = s->series[i - 1].stats;
            const machine_stats& b = s->series[i].stats;
            CHECK(s->series[i].time_s > s->series[i - 1].time_s);
            CHECK(b.reservation_failures >= a.reservation_failures);
            CHECK(b.atomic_failures >= a.atomic_failures);
            CHECK(b.fallbacks >= a.fallbacks);
            CHECK(b.pages_migrated >= a.pages_migrated);
            CHECK(b.pages_dropped >= a.pages_dropped);
            CHECK(b.file_hits + b.file_misses >= a.file_hits + a.file_misses);
        }
        const machine_stats& last = s->series.back().stats;
        CHECK(last.reservation_failures == s->stats.reservation_failures);
        CHECK(last.pages_migrated == s->stats.pages_migrated);
        CHECK(last.pages_dropped == s->stats.pages_dropped);
        CHECK(last.file_hits == s->stats.file_hits);
        CHECK(last.tag_pages_tags == s->stats.tag_pages_tags);
        // Recording it changes no figure.
        CHECK(s->stats.reservations == p->stats.reservations);
        CHECK(s->stats.reservation_failures == p->stats.reservation_failures);
        CHECK(s->stats.pages_migrated == p->stats.pages_migrated);
        CHECK(s->stats.file_hits == p->stats.file_hits);
        CHECK(s->modelled_us == p->modelled_us);
        CHECK(s->samples.size() == p->samples.size());
        for (size_t i = 0; i < s->samples.size() && i < p->samples.size(); ++i)
            CHECK(s->samples[i].tag_pages_cached == p->samples[i].tag_pages_cached);
        // Each failed reservation is flagged, and only those.
        REQUIRE(s->failed.size() == s->measured_ns.size());
        CHECK(static_cast<uint64_t>(std::count(s->failed.begin(), s->failed.end(), 1)) ==
              s->stats.reservation_failures);
    }
    CHECK(r.cma.stats.reservation_failures > 0); // the flags were put to the test
    simulation_options too_many;
    too_many.series_points = 1'000'000;
    CHECK(simulate(map, params, too_many).cma.series.size() ==
          simulation_options::max_series_points + 1);
}

TEST_CASE("the cleancache's cost model: a claimed block costs the kernel's reserve_with_drop "
          "p50, a page dropped beyond one per block its take_back_cached_page p50",
          "[sim][cost]") {
    STATIC_REQUIRE(cleancache_claim_us == 2.51);
    STATIC_REQUIRE(cleancache_extra_drop_us == 1.79);
    CHECK(cleancache_reservation_cost(0, 0) == 0);
    CHECK(cleancache_reservation_cost(1, 0) == Approx(2.51));
    CHECK(cleancache_reservation_cost(1, 1) == Approx(2.51));
    CHECK(cleancache_reservation_cost(2, 5) == Approx(2 * 2.51 + 3 * 1.79));
    // In the short scenario (one tag page a block, order-0 cache pages) each reservation either
    // only added references (0) or claimed one block.
    const simulation_result r = simulate(small_map(), small_workload(7));
    uint64_t claims = 0;
    for (const double us : r.cleancache.modelled_us) {
        CHECK((us == 0 || us == Approx(cleancache_claim_us)));
        claims += us > 0 ? 1u : 0u;
    }
    CHECK(claims > 0);
}
