// The same workload through both strategies: the tag-storage manager (cleancache_machine) and
// the CMA-migration baseline (cma_machine). With a process pinning pages and some reservations
// made in atomic context, the baseline fails or falls back; the manager fails none.
#include <tagcache/tagcache.hpp>
#include <tagsim/sim.hpp>

#include <random>
#include <vector>

#include "catch.hpp"
#include "mapping/machines.hpp"

using namespace tagcache;
using namespace tagcache::sim;
using namespace tagcache::test;

namespace {

constexpr uint64_t page_4k = 4096;

// 256 tag pages in blocks of 4 (block-size 0x4000), serving 8,192 tagged 4 KiB pages (32 MiB).
tag_map machine_map() {
    const tag_region_desc descs[] = {region_at(0x8000'0000, 8192 * page_4k, 0x9000'0000, 0x4000)};
    return tag_map::create(descs, page_size::size_4k).value();
}

struct workload_shape {
    uint64_t seed = 1;
    uint32_t movable_fill = 3'700; // movable allocations made up front (orders 0-2): memory full
    uint32_t free_every = 2;       // then one in this many of them is freed again
    uint32_t pin_every = 4;        // the adversary pins one movable allocation in this many
    uint32_t steps = 20'000;       // then: tagged churn, frees, file traffic
    double atomic_share = 0.3;     // of tagged allocations
};

// A seeded event stream: memory filled with movable pages (under CMA, many land in tag
// storage), a share of them pinned, then tagged allocations of orders 0-4 (some atomic) and
// frees mixed with clean file pages stored and looked up.
std::vector<workload_event> make_workload(const workload_shape& shape) {
    std::mt19937_64 rng(shape.seed);
    const auto below = [&](uint64_t n) {
        return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
    };
    std::vector<workload_event> events;
    uint64_t next_id = 0;
    // Under CMA's balance rule movable pages go to tag storage once normal memory runs short,
    // so fill memory, pin some, and free part of it again to make room for tagged churn.
    for (uint32_t i = 0; i < shape.movable_fill; ++i) {
        events.push_back(
            workload_event::allocate(allocation_kind::movable, static_cast<unsigned>(below(3))));
        if (below(shape.pin_every) == 0)
            events.push_back(workload_event::on(workload_op::pin, next_id));
        ++next_id;
    }
    for (uint64_t id = 0; id < shape.movable_fill; ++id)
        if (below(shape.free_every) == 0)
            events.push_back(workload_event::on(workload_op::free, id)); // pinned ones stay
    std::vector<uint64_t> tagged;
    for (uint32_t i = 0; i < shape.steps; ++i) {
        const uint64_t dice = below(100);
        if (dice < 20) {
            const bool atomic = std::bernoulli_distribution(shape.atomic_share)(rng);
            events.push_back(workload_event::allocate(allocation_kind::tagged,
                                                      static_cast<unsigned>(below(5)), atomic));
            tagged.push_back(next_id++);
        } else if (dice < 38 && !tagged.empty()) {
            const uint64_t pick = below(tagged.size());
            events.push_back(workload_event::on(workload_op::free, tagged[pick]));
            tagged[pick] = tagged.back();
            tagged.pop_back();
        } else if (dice < 70) {
            events.push_back(
                workload_event::file(workload_op::store_file, {0, below(64), below(512)}));
        } else {
            events.push_back(
                workload_event::file(workload_op::restore_file, {0, below(64), below(512)}));
        }
    }
    return events;
}

template <class Machine>
machine_stats run(Machine& machine, const std::vector<workload_event>& events) {
    workload_driver driver(machine);
    for (const workload_event& event : events)
        driver.apply(event);
    return machine.stats();
}

} // namespace

TEST_CASE("both strategies are tag_machines with their names", "[machines]") {
    STATIC_REQUIRE(tag_machine<cleancache_machine<>>);
    STATIC_REQUIRE(tag_machine<cma_machine>);
    const tag_map map = machine_map();
    cleancache_machine<> cleancache(map);
    cma_machine cma(map);
    CHECK(std::string(cleancache.name()) == "cleancache");
    CHECK(std::string(cma.name()) == "cma");
}

TEST_CASE("a pinning adversary and atomic reservations: the baseline fails or falls back, "
          "the tag-storage manager fails none",
          "[machines][pin]") {
    const tag_map map = machine_map();
    for (const uint64_t seed : {uint64_t{1}, uint64_t{2}, uint64_t{3}}) {
        workload_shape shape;
        shape.seed = seed;
        const std::vector<workload_event> events = make_workload(shape);
        cleancache_machine<> cleancache(map);
        cma_machine cma(map);
        const machine_stats c = run(cleancache, events);
        const machine_stats m = run(cma, events);
        INFO("seed " << seed);
        INFO("cma: reservations " << m.reservations << ", failures " << m.reservation_failures
                                  << ", atomic " << m.atomic_failures << ", fallbacks "
                                  << m.fallbacks << ", migrated " << m.pages_migrated);
        INFO("cleancache: reservations " << c.reservations << ", dropped " << c.pages_dropped
                                         << ", hits " << c.file_hits << ", cached "
                                         << c.tag_pages_cached);

        // The baseline: tag storage held movable pages, some pinned; reservations migrated,
        // and some had to fall back or fail, atomic ones among the failures.
        CHECK(m.reservations > 1'000);
        CHECK(m.pages_migrated > 0);
        CHECK(m.bytes_copied == m.pages_migrated * page_4k);
        CHECK(m.atomic_failures > 0);
        CHECK(m.fallbacks + m.reservation_failures > m.atomic_failures);
        CHECK(cma.storage().check_invariants() == nullptr);

        // The manager: every reservation succeeded at once, nothing migrated or copied; the
        // blocks it needed were taken back from the pool by dropping cached pages.
        CHECK(c.reservations > 1'000);
        CHECK(c.reservation_failures == 0);
        CHECK(c.atomic_failures == 0);
        CHECK(c.fallbacks == 0);
        CHECK(c.pages_migrated == 0);
        CHECK(c.bytes_copied == 0);
        CHECK(c.retries == 0);
        CHECK(c.pages_dropped > 0);
        CHECK(c.file_hits > 0);
        CHECK(c.tag_pages_cached > 0);
        CHECK(c.tag_pages_movable == 0);
        CHECK(cleancache.manager().check_invariants() == nullptr);
        CHECK(cleancache.pool().check_invariants() == nullptr);

        // The baseline has no cleancache: every lookup misses.
        CHECK(m.file_hits == 0);
        CHECK(m.tag_pages_cached == 0);
    }
}

TEST_CASE("tagged allocations that fail under CMA succeed under the manager", "[machines]") {
    // Event by event: every tagged allocation the baseline made, the manager made too, unless
    // the manager ran out of memory (it lends none of its tag storage to movable pages).
    const tag_map map = machine_map();
    const std::vector<workload_event> events = make_workload({});
    cleancache_machine<> cleancache(map);
    cma_machine cma(map);
    workload_driver on_cleancache(cleancache);
    workload_driver on_cma(cma);
    uint64_t cma_failed = 0, cleancache_failed_reservations = 0;
    for (const workload_event& event : events) {
        const allocation_report c = on_cleancache.apply(event);
        const allocation_report m = on_cma.apply(event);
        if (event.op != workload_op::allocate || event.kind != allocation_kind::tagged)
            continue;
        if (c.error != errc::ok && c.error != errc::no_space)
            ++cleancache_failed_reservations;
        if (m.error != errc::ok && m.error != errc::no_space)
            ++cma_failed;
        if (c.error == errc::ok) {
            CHECK(c.reservation.error == errc::ok);
            CHECK_FALSE(c.reservation.fell_back);
            CHECK(c.reservation.pages_migrated == 0);
            CHECK(c.reservation.modelled_us >= 0);
        }
    }
    CHECK(cleancache_failed_reservations == 0);
    CHECK(cma_failed > 0);
}

TEST_CASE("the same seed gives the same figures", "[machines]") {
    const tag_map map = machine_map();
    workload_shape shape;
    shape.steps = 5'000;
    const std::vector<workload_event> events = make_workload(shape);
    CHECK(events == make_workload(shape));
    const auto same = [](const machine_stats& a, const machine_stats& b) {
        return a.allocations == b.allocations && a.reservations == b.reservations &&
               a.reservation_failures == b.reservation_failures && a.fallbacks == b.fallbacks &&
               a.pages_migrated == b.pages_migrated && a.pages_dropped == b.pages_dropped &&
               a.file_hits == b.file_hits && a.tag_pages_cached == b.tag_pages_cached;
    };
    cleancache_machine<> c1(map), c2(map);
    CHECK(same(run(c1, events), run(c2, events)));
    cma_machine m1(map), m2(map);
    CHECK(same(run(m1, events), run(m2, events)));
}

TEST_CASE("workload_driver: ids follow allocations, events on missing ones are skipped",
          "[machines]") {
    const tag_map map = machine_map();
    cma_machine cma(map);
    workload_driver driver(cma);
    const allocation_report first =
        driver.apply(workload_event::allocate(allocation_kind::movable, 0));
    REQUIRE(first.error == errc::ok);
    CHECK(driver.is_live(0));
    CHECK(driver.apply(workload_event::allocate(allocation_kind::tagged, 20)).error != errc::ok);
    CHECK_FALSE(driver.is_live(1)); // order 20 cannot be allocated
    CHECK(driver.apply(workload_event::on(workload_op::free, 1)).error == errc::ok);
    CHECK(driver.skipped() == 1);
    CHECK(driver.apply(workload_event::on(workload_op::pin, 0)).error == errc::ok);
    CHECK(driver.apply(workload_event::on(workload_op::free, 0)).error == errc::page_pinned);
    CHECK(driver.is_live(0));
    CHECK(driver.apply(workload_event::on(workload_op::unpin, 0)).error == errc::ok);
    CHECK(driver.apply(workload_event::on(workload_op::unpin, 0)).error == errc::not_allocated);
    CHECK(driver.apply(workload_event::on(workload_op::free, 0)).error == errc::ok);
    CHECK_FALSE(driver.is_live(0));
    CHECK(driver.apply(workload_event::on(workload_op::free, 0)).error == errc::ok);
    CHECK(driver.skipped() == 2);
    CHECK(driver.allocations_attempted() == 2);
    CHECK(driver.live_allocations() == 0);
}
