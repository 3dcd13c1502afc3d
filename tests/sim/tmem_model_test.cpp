// The tmem model's time line (sim/tagsim/tmem/tmem_host.hpp, docs/tmem.md): what holds before the
// first pressure point, and what a run shorter than one sample measures.
#include <tagsim/tmem/tmem_host.hpp>

#include "catch.hpp"

namespace sim = tagcache::sim;

namespace {

sim::tmem_params short_run(double duration_s, std::vector<sim::pressure_point> pressure) {
    sim::tmem_params p = sim::default_tmem_params();
    p.duration_s = duration_s;
    p.pressure = std::move(pressure);
    return p;
}

} // namespace

TEST_CASE("tmem: before the first pressure point its target holds, as from it", "[sim][tmem]") {
    // The same target from 0 s and from 1.5 s: the guests boot with it either way, so the runs
    // are the same (a trace starting late once left the guests with no flexible memory: hit
    // ratio 0.01 instead of 0.76, the host's free memory -1024 MiB).
    const sim::tmem_params from_zero = short_run(2, {{0, 512}});
    const sim::tmem_params from_later = short_run(2, {{1.5, 512}});
    for (const sim::tmem_strategy s : sim::tmem_strategies) {
        INFO(sim::strategy_name(s));
        const sim::tmem_result a = sim::run_tmem_strategy(from_zero, s);
        const sim::tmem_result b = sim::run_tmem_strategy(from_later, s);
        CHECK(b.reads.reads == a.reads.reads);
        CHECK(b.reads.page_cache_hits == a.reads.page_cache_hits);
        CHECK(b.reads.second_level_hits == a.reads.second_level_hits);
        CHECK(b.min_host_free_mib == a.min_host_free_mib);
        CHECK(b.min_host_free_mib >= 512);
        CHECK(b.tag_reserve_peak_mib == a.tag_reserve_peak_mib);
        CHECK(b.shrink_requested_mib == 0);
    }
    // Several points at or before 0: the last of them is the target at boot.
    const sim::tmem_result stacked =
        sim::run_tmem_strategy(short_run(1, {{0, 7168}, {0, 512}}), sim::tmem_strategy::balloon);
    const sim::tmem_result single =
        sim::run_tmem_strategy(short_run(1, {{0, 512}}), sim::tmem_strategy::balloon);
    CHECK(stacked.min_host_free_mib == single.min_host_free_mib);
    CHECK(stacked.tag_reserve_peak_mib == single.tag_reserve_peak_mib);
}

TEST_CASE("tmem: a run shorter than a second is sampled at its end", "[sim][tmem]") {
    for (const double duration : {0.01, 0.5, 1.25}) {
        INFO(duration);
        const sim::tmem_result r =
            sim::run_tmem_strategy(short_run(duration, {{0, 512}}), sim::tmem_strategy::tmem);
        REQUIRE(!r.samples.empty());
        CHECK(r.samples.back().time_s == Approx(duration));
        // KVM backs all guest memory with tag storage, 1/32 of it: at a free target of 512
        // MiB the guests hold all the host's usable memory but that (16384 - 1024 - 512 MiB).
        CHECK(r.tag_reserve_peak_mib == Approx((16384 - 1024 - 512) / 32.0));
        CHECK(r.tag_reserve_mean_mib > 0);
    }
}
