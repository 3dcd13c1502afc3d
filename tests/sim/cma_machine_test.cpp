// cma_machine, the tag_machine of the CMA-migration baseline: the CMA balance rule for movable
// pages, migrations out of tag storage, pinned pages, atomic failures, the fallback, and
// accounting under a random workload.
#include <tagsim/machines/cma_machine.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "cma_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::sim;
using namespace tagcache::test;

namespace {

snapshot take_snapshot(const cma_machine& m) {
    return tagcache::test::take_snapshot(m.storage(), m.normal(), m.allocations());
}

bool is_cma(const cma_machine& m, const allocation_report& report) {
    return m.in_tag_storage(report.pfn);
}

} // namespace

TEST_CASE("cma_machine is a tag_machine named cma", "[cma][machine]") {
    STATIC_REQUIRE(tag_machine<cma_machine>);
    const cma_machine m(one_region(2));
    CHECK(std::string_view(m.name()) == "cma");
}

TEST_CASE("cma_machine places movable pages by the CMA balance rule", "[cma][machine]") {
    cma_machine m(one_region(2)); // normal: 2,048 pages; CMA: 64
    CHECK(m.stats().usable_pages == 2048 + 64);

    SECTION("CMA first only while free CMA pages exceed half of all free pages") {
        const allocation_report first = m.allocate(0, allocation_kind::movable);
        REQUIRE(first.error == errc::ok);
        CHECK_FALSE(is_cma(m, first));
        REQUIRE(m.free(first.pfn, 0).has_value());
        for (const unsigned order : {10u, 9u, 8u, 7u, 6u})
            REQUIRE(m.allocate(order, allocation_kind::unmovable).error == errc::ok);
        REQUIRE(m.normal().free_pages() == 64);
        // (normal, CMA) free: (64, 64) -> normal; (63, 64) -> CMA; (63, 63) -> normal; ...
        for (int i = 0; i < 20; ++i) {
            CAPTURE(i);
            const uint64_t cma_free = m.storage().cma().free_pages();
            const bool expect_cma = cma_free > (m.normal().free_pages() + cma_free) / 2;
            CHECK(expect_cma == (i % 2 == 1));
            const allocation_report report = m.allocate(0, allocation_kind::movable);
            REQUIRE(report.error == errc::ok);
            CHECK(is_cma(m, report) == expect_cma);
        }
        CHECK(m.stats().tag_pages_movable == 10);
        CHECK(m.stats().usable_pages == 2048 + 64); // movable pages in CMA stay usable
        CHECK(m.storage().check_invariants() == nullptr);
    }
    SECTION("the other side when the preferred one has no room") {
        for (const unsigned order : {10u, 9u, 8u, 7u})
            REQUIRE(m.allocate(order, allocation_kind::unmovable).error == errc::ok);
        // 128 free normal pages, then every other one taken: 64 free, none of order 1.
        std::vector<pfn_t> pages;
        for (int i = 0; i < 128; ++i)
            pages.push_back(m.allocate(0, allocation_kind::unmovable).pfn);
        for (std::size_t i = 0; i < pages.size(); i += 2)
            REQUIRE(m.free(pages[i], 0).has_value());
        REQUIRE(m.normal().free_pages() == 64);
        const allocation_report pair = m.allocate(1, allocation_kind::movable);
        REQUIRE(pair.error == errc::ok); // normal preferred (64 is not > 64), but fragmented
        CHECK(is_cma(m, pair));
        CHECK(pair.pfn == m.map().region(0).tags.first);
        // Too large for either side.
        const allocation_report huge = m.allocate(7, allocation_kind::movable);
        CHECK(huge.error == cma_error::no_memory);
        CHECK(m.stats().allocation_failures == 1);
        // Unmovable and tagged pages never come from tag storage.
        const allocation_report unmovable = m.allocate(1, allocation_kind::unmovable);
        CHECK(unmovable.error == cma_error::no_memory);
    }
}

TEST_CASE("cma_machine: a tagged allocation migrates movable pages out of tag storage",
          "[cma][machine]") {
    cma_machine m(one_region(2));
    const allocation_report low = m.allocate(10, allocation_kind::unmovable);
    REQUIRE(m.allocate(10, allocation_kind::unmovable).error == errc::ok);
    const allocation_report movable = m.allocate(0, allocation_kind::movable); // normal is full
    REQUIRE(movable.error == errc::ok);
    REQUIRE(movable.pfn == m.map().region(0).tags.first);
    CHECK(m.stats().tag_pages_movable == 1);
    REQUIRE(m.free(low.pfn, 10).has_value());

    const allocation_report tagged = m.allocate(0, allocation_kind::tagged);
    REQUIRE(tagged.error == errc::ok);
    const pfn_t base = m.map().region(0).memory.first;
    CHECK(tagged.pfn == base); // block 0: tag pages 0 and 1
    CHECK(tagged.reservation.pages_migrated == 1);
    CHECK(tagged.reservation.bytes_copied == page_4k);
    CHECK(tagged.reservation.blocks_claimed == 1);
    CHECK(m.allocations().find(movable.pfn) == std::nullopt);
    REQUIRE(m.allocations().find(base + 1) != std::nullopt); // where the movable page went
    CHECK(m.allocations().find(base + 1)->kind == allocation_kind::movable);
    machine_stats s = m.stats();
    CHECK(s.reservations == 1);
    CHECK(s.pages_migrated == 1);
    CHECK(s.bytes_copied == page_4k);
    CHECK(s.tag_pages_movable == 0);
    CHECK(s.usable_pages == 2048 + 64 - 2); // block 0 holds tags
    CHECK(s.tag_pages_cached == 0);

    REQUIRE(m.free(base + 1, 0).has_value());
    REQUIRE(m.free(tagged.pfn, 0).has_value());
    s = m.stats();
    CHECK(s.usable_pages == 2048 + 64);
    CHECK(s.frees == 3);
    CHECK(m.storage().stats().blocks_returned == 1);
    CHECK(m.storage().check_invariants() == nullptr);
}

TEST_CASE("cma_machine: pinned pages, atomic failures and the fallback", "[cma][machine][pin]") {
    cma_machine m(one_region(1));
    const allocation_report low = m.allocate(10, allocation_kind::unmovable);
    const allocation_report high = m.allocate(10, allocation_kind::unmovable);
    const allocation_report movable = m.allocate(0, allocation_kind::movable);
    REQUIRE(movable.pfn == m.map().region(0).tags.first); // tag page 0 = block 0
    REQUIRE(m.pin(movable.pfn).has_value());
    REQUIRE(m.free(low.pfn, 10).has_value());
    const pfn_t base = m.map().region(0).memory.first;

    SECTION("an atomic tagged allocation that needs migration fails and is undone") {
        const snapshot before = take_snapshot(m);
        const allocation_report tagged =
            m.allocate(0, allocation_kind::tagged, reserve_context{true});
        CHECK(tagged.error == cma_error::would_sleep);
        CHECK(tagged.reservation.error == cma_error::would_sleep);
        CHECK(take_snapshot(m) == before);
        const machine_stats s = m.stats();
        CHECK(s.allocation_failures == 1);
        CHECK(s.reservation_failures == 1);
        CHECK(s.atomic_failures == 1);
        CHECK(s.fallbacks == 0);
    }
    SECTION("a sleeping one falls back: the tagged folio moves, the report says where") {
        const allocation_report tagged = m.allocate(2, allocation_kind::tagged);
        REQUIRE(tagged.error == errc::ok);
        CHECK(tagged.reservation.fell_back);
        CHECK(tagged.reservation.retries == 2);
        CHECK(tagged.reservation.pages_migrated == 4);
        CHECK(tagged.pfn == base + 32); // block 1
        CHECK(tagged.pfn == tagged.reservation.pfn);
        REQUIRE(m.allocations().find(base + 32) != std::nullopt);
        CHECK(m.allocations().find(base + 32)->kind == allocation_kind::tagged);
        CHECK(m.allocations().find(base) == std::nullopt);
        CHECK(m.normal().is_free(base));
        const machine_stats s = m.stats();
        CHECK(s.fallbacks == 1);
        CHECK(s.retries == 2);
        CHECK(s.reservations == 1);
        CHECK(s.reservation_failures == 0);
        REQUIRE(m.free(tagged.pfn, 2).has_value());
        CHECK(m.storage().check_invariants() == nullptr);
    }
    SECTION("pin, unpin and free errors") {
        CHECK(m.free(movable.pfn, 0).error() == cma_error::pinned);
        const allocation_report tagged = m.allocate(0, allocation_kind::tagged);
        REQUIRE(tagged.error == errc::ok);
        CHECK(m.pin(tagged.pfn).error() == cma_error::not_allocated);   // tagged
        CHECK(m.pin(high.pfn + 5).error() == cma_error::not_allocated); // unmovable
        CHECK(m.pin(base + 100).error() == cma_error::not_allocated);   // free
        REQUIRE(m.unpin(movable.pfn).has_value());
        CHECK(m.unpin(movable.pfn).error() == cma_error::not_allocated); // not pinned
        CHECK(m.free(high.pfn, 9).error() == cma_error::not_allocated);  // wrong order
        CHECK(m.free(high.pfn + 1, 0).error() == cma_error::not_allocated);
        REQUIRE(m.free(movable.pfn, 0).has_value());
        CHECK(m.free(movable.pfn, 0).error() == cma_error::not_allocated); // double free
        REQUIRE(m.free(tagged.pfn, 0).has_value());
        CHECK(m.free(tagged.pfn, 0).error() == cma_error::not_allocated);
        CHECK(m.storage().stats().pages_reserved == 0);
        CHECK(m.storage().check_invariants() == nullptr);
    }
}

TEST_CASE("cma_machine has no cleancache: file pages always miss", "[cma][machine]") {
    cma_machine m(one_region(2));
    const page_key key{0, 42, 7};
    CHECK_FALSE(m.store_file_page(key));
    CHECK_FALSE(m.restore_file_page(key));
    CHECK_FALSE(m.restore_file_page(key));
    const machine_stats s = m.stats();
    CHECK(s.file_stores == 0);
    CHECK(s.file_hits == 0);
    CHECK(s.file_misses == 2);
    CHECK(s.tag_pages_cached == 0);
}

TEST_CASE("cma_machine accounting holds under a random workload", "[cma][machine][random]") {
    // Normal memory is kept nearly full by unmovable ballast with one free page in 32, so that
    // movable pages go to CMA (the balance rule), tagged ones land in blocks that hold them,
    // and pins defeat some claims: every path of the baseline runs.
    const uint64_t seed = GENERATE(uint64_t{1}, uint64_t{2});
    cma_machine m(one_region(2));
    const pfn_t base = m.map().region(0).memory.first;
    std::set<pfn_t> ballast;
    for (int i = 0; i < 2048; ++i)
        ballast.insert(m.allocate(0, allocation_kind::unmovable).pfn);
    for (pfn_t p = base; p < base + 2048; p += 32) {
        REQUIRE(m.free(p, 0).has_value());
        ballast.erase(p);
    }
    std::mt19937_64 rng(seed);
    const auto below = [&](uint64_t n) { return rng() % n; };
    std::vector<pfn_t> mine; // the workload's allocations (refreshed: migration moves them)
    uint64_t attempts = 2048;
    for (int step = 0; step < 3000; ++step) {
        CAPTURE(seed, step);
        if (step % 64 == 0) {
            mine.clear();
            for (const allocation_record& record : m.allocations().records())
                if (ballast.count(record.pfn) == 0)
                    mine.push_back(record.pfn);
        }
        const uint64_t op = below(100);
        if (op < 45) {
            const auto kind = static_cast<allocation_kind>(below(3));
            const auto order = static_cast<unsigned>(below(4));
            const allocation_report report =
                m.allocate(order, kind, reserve_context{below(4) == 0});
            ++attempts;
            if (report.error == errc::ok) {
                REQUIRE(m.allocations().find(report.pfn) != std::nullopt);
                REQUIRE(m.allocations().find(report.pfn)->kind == kind);
                REQUIRE((kind == allocation_kind::movable || !m.in_tag_storage(report.pfn)));
                mine.push_back(report.pfn);
            } else {
                REQUIRE(m.allocations().find(report.pfn) == std::nullopt);
            }
        } else if (!mine.empty()) {
            const std::size_t i = below(mine.size());
            const std::optional<allocation_record> found = m.allocations().find(mine[i]);
            if (!found) { // it migrated since the last refresh
                mine[i] = mine.back();
                mine.pop_back();
                continue;
            }
            const allocation_record record = *found;
            if (op < 90) {
                REQUIRE(m.free(record.pfn, record.order).has_value() == (record.pins == 0));
                if (record.pins == 0) {
                    mine[i] = mine.back();
                    mine.pop_back();
                }
            } else {
                const pfn_t page = record.pfn + below(uint64_t{1} << record.order);
                const bool movable = record.kind == allocation_kind::movable;
                if (below(2) == 0)
                    REQUIRE(m.pin(page).has_value() == movable);
                else
                    REQUIRE(m.unpin(page).has_value() == (movable && record.pins != 0));
            }
        }
        // Conservation: every page is free, in one recorded allocation, or holds tags.
        const cma_stats& tags = m.storage().stats();
        uint64_t in_normal = 0, in_cma = 0, tagged = 0;
        bool kinds_in_place = true;
        for (const allocation_record& record : m.allocations().records()) {
            const pfn_t at = record.pfn;
            (m.in_tag_storage(at) ? in_cma : in_normal) += uint64_t{1} << record.order;
            tagged += record.kind == allocation_kind::tagged ? 1u : 0u;
            kinds_in_place =
                kinds_in_place &&
                (record.kind == allocation_kind::movable || !m.in_tag_storage(at)) &&
                (record.kind != allocation_kind::tagged || m.storage().is_reserved(at));
        }
        REQUIRE(kinds_in_place);
        REQUIRE(m.normal().free_pages() + in_normal == m.normal().total_pages());
        REQUIRE(m.storage().cma().free_pages() + in_cma + tags.tag_pages_in_use ==
                m.storage().cma().total_pages());
        const machine_stats s = m.stats();
        REQUIRE(s.tag_pages_movable == in_cma);
        REQUIRE(s.usable_pages == 2048 + 64 - tags.tag_pages_in_use);
        REQUIRE(s.allocations + s.allocation_failures == attempts);
        REQUIRE(s.allocations - s.frees == m.allocations().size());
        REQUIRE(s.reservations - tags.releases == tagged); // whole folios are freed
        if (step % 16 == 0)
            REQUIRE(m.storage().check_invariants() == nullptr);
    }
    REQUIRE(m.storage().check_invariants() == nullptr);
    const machine_stats s = m.stats();
    CHECK(s.pages_migrated > 0);
    CHECK(s.atomic_failures > 0);
    CHECK(s.fallbacks > 0);
    CHECK(s.retries > 0);
}
