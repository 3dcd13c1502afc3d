// The CMA-migration baseline (Linux RFC v3): claims that migrate movable pages, pinned pages
// defeating claims (retries, rollback, the folio-migrating fallback), atomic reservations,
// reference counts against a page-by-page reference model, every error path and the cost
// model. cma_machine: cma_machine_test.cpp.
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

TEST_CASE("cma cost model: straight lines through the GCMA RFC v2 averages", "[cma][cost]") {
    // CMA: b = (298,640 - 684) / 4,095, a = 684 - b; GCMA: b = (13,091 - 26) / 4,095.
    CHECK(near(cma_latency_fit.per_page_us, 72.760928, 1e-6));
    CHECK(near(cma_latency_fit.fixed_us, 611.239072, 1e-6));
    CHECK(near(gcma_latency_fit.per_page_us, 3.190476, 1e-6));
    CHECK(near(gcma_latency_fit.fixed_us, 22.809524, 1e-6));
    CHECK(near(cma_latency_fit(1), 684));
    CHECK(near(cma_latency_fit(4096), 298'640));
    CHECK(near(gcma_latency_fit(1), 26));
    CHECK(near(gcma_latency_fit(4096), 13'091));
    STATIC_REQUIRE(cma_latency_fit(2) > gcma_latency_fit(2));
    CHECK(near(cma_block_claim_cost(true, 3), cma_latency_fit(3)));
    CHECK(near(cma_block_claim_cost(false, 3), gcma_latency_fit(3)));
}

TEST_CASE("claiming a block migrates its movable pages", "[cma][migration]") {
    rig r(one_region(2)); // a block is tag pages {2b, 2b + 1}, serving data pages [64b, +64)
    const uint64_t normal_free = r.normal.free_pages();

    SECTION("to normal memory first: pages and bytes counted, owners' records updated") {
        r.movable_at(0, 0);
        r.movable_at(1, 0);
        r.movable_at(2, 0); // block 1: not touched
        const pfn_t pfn = r.tagged_at(0, 0);
        const reservation_report report = r.storage.reserve(pfn, 0);
        REQUIRE(report.error == errc::ok);
        CHECK(report.pfn == pfn); // the tagged folio's data pages stay where they are
        CHECK_FALSE(report.fell_back);
        CHECK(report.blocks_claimed == 1);
        CHECK(report.pages_migrated == 2);
        CHECK(report.bytes_copied == 2 * page_4k);
        CHECK(report.retries == 0);
        CHECK(near(report.modelled_us, cma_latency_fit(2)));
        CHECK(report.measured_ns >= 0);
        // The movable pages went to the lowest free normal pages, their records with them.
        CHECK(r.owners.find(r.tag(0)) == std::nullopt);
        CHECK(r.owners.find(r.tag(1)) == std::nullopt);
        REQUIRE(r.owners.find(r.mem(1)) != std::nullopt);
        REQUIRE(r.owners.find(r.mem(2)) != std::nullopt);
        CHECK(r.owners.find(r.mem(1))->kind == allocation_kind::movable);
        CHECK(r.owners.find(r.mem(2))->kind == allocation_kind::movable);
        CHECK(*r.owners.find(pfn) == allocation_record{pfn, 0, allocation_kind::tagged, 0});
        CHECK_FALSE(r.normal.is_free(pfn));
        CHECK(r.normal.free_pages() == normal_free - 3);
        CHECK(r.owners.find(r.tag(2)) != std::nullopt);
        CHECK(r.storage.state_of(r.tag(0)).value() == tag_page_state::tags);
        CHECK(r.storage.state_of(r.tag(1)).value() == tag_page_state::tags);
        CHECK(r.storage.state_of(r.tag(2)).value() == tag_page_state::movable);
        CHECK(r.storage.state_of(r.tag(3)).value() == tag_page_state::free);
        CHECK(r.storage.block_refs({0, 0}) == 1);
        CHECK(r.storage.is_reserved(pfn));
        CHECK(r.storage.tag_pages_movable() == 1);
        const cma_stats& s = r.storage.stats();
        CHECK(s.pages_migrated == 2);
        CHECK(s.bytes_copied == 2 * page_4k);
        CHECK(s.blocks_claimed == 1);
        CHECK(s.reservations == 1);
        CHECK(s.tag_pages_in_use == 2);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("a movable folio across two blocks moves whole") {
        r.movable_at(0, 2); // tag pages 0..3: blocks 0 and 1
        const pfn_t pfn = r.tagged_at(0, 0);
        const reservation_report report = r.storage.reserve(pfn, 0);
        REQUIRE(report.error == errc::ok);
        CHECK(report.pages_migrated == 4);
        CHECK(report.bytes_copied == 4 * page_4k);
        REQUIRE(r.owners.find(r.mem(4)) != std::nullopt); // the lowest free order-2 normal block
        CHECK(r.owners.find(r.mem(4))->order == 2);
        CHECK(r.storage.state_of(r.tag(2)).value() == tag_page_state::free);
        CHECK(r.storage.state_of(r.tag(3)).value() == tag_page_state::free);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("to tag storage outside the claimed blocks when normal memory is full") {
        r.movable_at(0, 0);
        const pfn_t pfn = r.tagged_at(0, 6); // tag pages 0, 1: block 0
        fill(r.normal);
        const reservation_report report = r.storage.reserve(pfn, 6);
        REQUIRE(report.error == errc::ok);
        CHECK(report.pages_migrated == 1);
        // Free CMA blocks were {1: order 0, 2: order 1, ...}; page 1 is in block 0.
        REQUIRE(r.owners.find(r.tag(2)) != std::nullopt);
        CHECK(r.storage.state_of(r.tag(2)).value() == tag_page_state::movable);
        CHECK(r.storage.block_refs({0, 0}) == 64);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("with nowhere to migrate to, the claim and the reservation fail") {
        r.movable_at(0, 0);
        const pfn_t pfn = r.tagged_at(0, 0);
        fill(r.normal);
        for (uint64_t t = 2; t < 64; ++t)
            r.movable_at(t, 0);
        const snapshot before = take_snapshot(r);
        const reservation_report report = r.storage.reserve(pfn, 0);
        CHECK(report.error == cma_error::no_tag_storage);
        CHECK(report.retries == 2);
        CHECK(report.pages_migrated == 0);
        CHECK(take_snapshot(r) == before);
        CHECK(r.storage.stats().failures == 1);
    }
}

TEST_CASE("a pinned page defeats the claim", "[cma][pin]") {
    SECTION("3 attempts, then the blocks claimed so far are rolled back exactly") {
        rig r(one_region(1), cma_options{3, false, 64}); // no fallback: observe the rollback
        r.movable_at(1, 0, 1);                           // block 1, pinned
        const pfn_t pfn = r.tagged_at(0, 6);             // tag pages 0, 1: blocks 0 and 1
        const snapshot before = take_snapshot(r);
        const reservation_report report = r.storage.reserve(pfn, 6);
        CHECK(report.error == cma_error::no_tag_storage);
        CHECK(report.retries == 2);
        CHECK(report.blocks_claimed == 0);
        CHECK(report.pages_migrated == 0);
        CHECK_FALSE(report.fell_back);
        // Block 0 (free) was claimed, then block 1 tried three times.
        CHECK(near(report.modelled_us, gcma_latency_fit(1) + 3 * cma_latency_fit(1)));
        CHECK(take_snapshot(r) == before);
        const cma_stats& s = r.storage.stats();
        CHECK(s.failures == 1);
        CHECK(s.retries == 2);
        CHECK(s.blocks_claimed == 0);
        CHECK(s.blocks_returned == 0);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("pages migrated before the pinned one stay where they went") {
        rig r(one_region(2), cma_options{3, false, 64});
        r.movable_at(0, 0);
        r.movable_at(1, 0, 1);
        const pfn_t pfn = r.tagged_at(0, 0);
        const snapshot before = take_snapshot(r);
        const reservation_report report = r.storage.reserve(pfn, 0);
        CHECK(report.error == cma_error::no_tag_storage);
        CHECK(report.retries == 2);
        CHECK(report.pages_migrated == 1); // once: the later attempts find the page free
        const snapshot after = take_snapshot(r);
        CHECK(after.reserved == before.reserved);
        CHECK(after.refs == before.refs);
        CHECK(r.owners.find(r.tag(0)) == std::nullopt);
        CHECK(r.owners.find(r.mem(1)) != std::nullopt);
        CHECK(r.storage.state_of(r.tag(0)).value() == tag_page_state::free);
        CHECK(r.storage.state_of(r.tag(1)).value() == tag_page_state::movable);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("the fallback migrates the tagged folio to memory whose blocks are free") {
        rig r(one_region(1));
        r.movable_at(0, 0, 1);
        const pfn_t pfn = r.tagged_at(0, 2); // block 0, whose only tag page is pinned
        const reservation_report report = r.storage.reserve(pfn, 2);
        REQUIRE(report.error == errc::ok);
        CHECK(report.fell_back);
        // Free normal blocks: order 2 at 4 (block 0 again), ..., order 5 at 32 (block 1).
        CHECK(report.pfn == r.mem(32));
        CHECK(report.retries == 2);
        CHECK(report.pages_migrated == 4);
        CHECK(report.bytes_copied == 4 * page_4k);
        CHECK(report.blocks_claimed == 1);
        CHECK(near(report.modelled_us,
                   3 * cma_latency_fit(1) + gcma_latency_fit(1) + cma_latency_fit(4)));
        CHECK(r.owners.find(pfn) == std::nullopt);
        REQUIRE(r.owners.find(r.mem(32)) != std::nullopt);
        CHECK(r.owners.find(r.mem(32))->kind == allocation_kind::tagged);
        CHECK(r.normal.is_free(pfn));
        CHECK_FALSE(r.normal.is_free(r.mem(32)));
        CHECK_FALSE(r.storage.is_reserved(pfn));
        for (uint64_t i = 0; i < 4; ++i)
            CHECK(r.storage.is_reserved(r.mem(32 + i)));
        CHECK(r.storage.block_refs({0, 0}) == 0);
        CHECK(r.storage.block_refs({0, 1}) == 4);
        CHECK(r.storage.state_of(r.tag(0)).value() == tag_page_state::movable);
        const cma_stats& s = r.storage.stats();
        CHECK(s.fallbacks == 1);
        CHECK(s.failures == 0);
        CHECK(s.reservations == 1);
        CHECK(r.storage.check_invariants() == nullptr);
        // The moved folio releases like any other.
        REQUIRE(r.storage.release(r.mem(32), 2).has_value());
        CHECK(r.storage.stats().blocks_returned == 1);
        CHECK(r.storage.check_invariants() == nullptr);
    }
    SECTION("with no fallback candidate the reservation fails and nothing changes") {
        rig r(one_region(1));
        r.movable_at(0, 6, 1); // every tag page, pinned
        const pfn_t pfn = r.tagged_at(0, 0);
        const snapshot before = take_snapshot(r);
        const reservation_report report = r.storage.reserve(pfn, 0);
        CHECK(report.error == cma_error::no_tag_storage);
        CHECK(report.retries == 2);
        CHECK_FALSE(report.fell_back);
        CHECK(report.pfn == pfn);
        CHECK(take_snapshot(r) == before);
        CHECK(r.storage.stats().failures == 1);
        CHECK(r.storage.stats().fallbacks == 0);
    }
}

TEST_CASE("the fallback examines at most 64 candidates", "[cma][pin]") {
    // bsp 1, 128 blocks. Block 0 (where the tagged folio is) holds a pinned page; every other
    // block holds a movable page except block `spare`. The candidates, counted once per
    // distinct set of blocks, are blocks 0, 1, 2, ... in address order: block k is the
    // (k + 1)-th.
    const uint64_t spare = GENERATE(uint64_t{63}, uint64_t{64});
    rig r(one_region(1, 128));
    r.movable_at(0, 0, 1);
    for (uint64_t t = 1; t < 128; ++t)
        if (t != spare)
            r.movable_at(t, 0);
    const pfn_t pfn = r.tagged_at(0, 0);
    const reservation_report report = r.storage.reserve(pfn, 0);
    CAPTURE(spare);
    if (spare == 63) {
        REQUIRE(report.error == errc::ok);
        CHECK(report.fell_back);
        CHECK(report.pfn == r.mem(63 * 32));
    } else {
        CHECK(report.error == cma_error::no_tag_storage);
        CHECK_FALSE(report.fell_back);
    }
    CHECK(r.storage.check_invariants() == nullptr);
}

TEST_CASE("atomic reservations cannot migrate", "[cma][atomic]") {
    rig r(one_region(2));
    r.movable_at(2, 0); // block 1
    const reserve_context atomic{true};

    const pfn_t a = r.tagged_at(0, 0);
    reservation_report report = r.storage.reserve(a, 0, atomic); // block 0: free
    REQUIRE(report.error == errc::ok);
    CHECK(report.blocks_claimed == 1);
    CHECK(near(report.modelled_us, gcma_latency_fit(2)));
    const pfn_t b = r.tagged_at(1, 0);
    report = r.storage.reserve(b, 0, atomic); // block 0: already holds tags
    REQUIRE(report.error == errc::ok);
    CHECK(report.blocks_claimed == 0);
    CHECK(report.modelled_us == 0);
    CHECK(r.storage.block_refs({0, 0}) == 2);

    const pfn_t c = r.tagged_at(64, 0); // block 1: holds a movable page
    const snapshot before = take_snapshot(r);
    report = r.storage.reserve(c, 0, atomic);
    CHECK(report.error == cma_error::would_sleep);
    CHECK(report.pages_migrated == 0);
    CHECK(report.retries == 0);
    CHECK_FALSE(report.fell_back); // the fallback would migrate too
    CHECK(report.modelled_us == 0);
    CHECK(take_snapshot(r) == before);
    CHECK(r.storage.stats().atomic_failures == 1);
    CHECK(r.storage.stats().failures == 1);

    // A folio across a free block (2) and one needing migration (3) fails as a whole.
    r.movable_at(6, 0);
    const pfn_t d = r.tagged_at(128, 7); // tag pages 4..7: blocks 2 and 3
    const snapshot before_d = take_snapshot(r);
    CHECK(r.storage.reserve(d, 7, atomic).error == cma_error::would_sleep);
    CHECK(take_snapshot(r) == before_d);
    CHECK(r.storage.stats().atomic_failures == 2);

    report = r.storage.reserve(c, 0); // may sleep: migrates
    REQUIRE(report.error == errc::ok);
    CHECK(report.pages_migrated == 1);
    report = r.storage.reserve(d, 7);
    REQUIRE(report.error == errc::ok);
    CHECK(report.pages_migrated == 1);
    CHECK(report.blocks_claimed == 2);
    CHECK(r.storage.block_refs({0, 2}) == 64);
    CHECK(r.storage.block_refs({0, 3}) == 64);
    CHECK(r.storage.check_invariants() == nullptr);
}

namespace {

// Two regions: bsp 2 (64 tag pages) and bsp 1 (32 tag pages).
tag_map two_regions() {
    const tag_region_desc descs[] = {
        region_at(0x8000'0000, 64 * 32 * page_4k, 0x9000'0000, 0x2000),
        region_at(0xA000'0000, 32 * 32 * page_4k, 0x9010'0000, 0x1000),
    };
    return tag_map::create(descs, page_size::size_4k).value();
}

// The reference: reserved pages in a set, and each block's count computed page by page from
// the definitions (tag page = (p - memory.first) / 32, block = tag page / bsp).
struct reference_model {
    const tag_map& map;
    std::set<pfn_t> reserved;
    std::map<std::pair<uint32_t, uint64_t>, uint32_t> refs;

    std::pair<uint32_t, uint64_t> block_of(pfn_t p) const {
        for (const tag_region& region : map.regions())
            if (region.memory.contains(p))
                return {region.index, (p - region.memory.first) / 32 / region.block_pages};
        INFO("pfn " << p << " is outside every region");
        REQUIRE(false);
        return {};
    }
    bool any(pfn_t pfn, unsigned order) const {
        for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p)
            if (reserved.count(p) != 0)
                return true;
        return false;
    }
    bool all(pfn_t pfn, unsigned order) const {
        for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p)
            if (reserved.count(p) == 0)
                return false;
        return true;
    }
    void reserve(pfn_t pfn, unsigned order) {
        for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p) {
            reserved.insert(p);
            ++refs[block_of(p)];
        }
    }
    void release(pfn_t pfn, unsigned order) {
        for (pfn_t p = pfn; p < pfn + (pfn_t{1} << order); ++p) {
            reserved.erase(p);
            --refs[block_of(p)];
        }
    }
    uint32_t refs_of(uint32_t region, uint64_t block) const {
        const auto it = refs.find({region, block});
        return it == refs.end() ? 0 : it->second;
    }
};

// The first disagreement between the baseline and the model, or "" (one assertion per call:
// per-element assertions would dominate the run time).
std::string disagreement(const cma_tag_storage& storage, const reference_model& model,
                         bool bitmap) {
    for (const tag_region& region : storage.map().regions()) {
        for (uint64_t b = 0; b < region.block_count(); ++b) {
            const uint32_t expected = model.refs_of(region.index, b);
            const auto state = storage.state_of(region.tags.first + b * region.block_pages);
            if (storage.block_refs({region.index, b}) != expected ||
                (state.value() == tag_page_state::tags) != (expected != 0))
                return "region " + std::to_string(region.index) + " block " + std::to_string(b) +
                       ": refs " + std::to_string(storage.block_refs({region.index, b})) +
                       ", model " + std::to_string(expected);
        }
        if (bitmap)
            for (pfn_t p = region.memory.first; p < region.memory.end(); ++p)
                if (storage.is_reserved(p) != (model.reserved.count(p) != 0))
                    return "reserved bit of pfn " + std::to_string(p);
    }
    if (storage.stats().pages_reserved != model.reserved.size())
        return "pages_reserved gauge";
    const char* broken = storage.check_invariants();
    return broken == nullptr ? "" : broken;
}
void check_against(const cma_tag_storage& storage, const reference_model& model, bool bitmap) {
    REQUIRE(disagreement(storage, model, bitmap) == "");
}

} // namespace

TEST_CASE("straddling folios count in every block they need, and release piecewise",
          "[cma][refs]") {
    SECTION("bsp 3, order 6 at offset 64: tag pages 2 and 3, blocks 0 and 1") {
        // v3's count, ceil(2 / 3) = 1 block from the first, would reserve block 0 only.
        rig r(one_region(3, 96));
        reference_model model{r.map, {}, {}};
        const pfn_t pfn = r.tagged_at(64, 6);
        const reservation_report report = r.storage.reserve(pfn, 6);
        REQUIRE(report.error == errc::ok);
        CHECK(report.blocks_claimed == 2);
        model.reserve(pfn, 6);
        CHECK(r.storage.block_refs({0, 0}) == 32);
        CHECK(r.storage.block_refs({0, 1}) == 32);
        check_against(r.storage, model, true);
        // Released page by page in a shuffled order: each block goes back at its last page.
        std::vector<pfn_t> pages;
        for (pfn_t p = pfn; p < pfn + 64; ++p)
            pages.push_back(p);
        std::mt19937_64 rng(7);
        std::shuffle(pages.begin(), pages.end(), rng);
        uint64_t returned = 0;
        for (const pfn_t p : pages) {
            REQUIRE(r.storage.release(p, 0).has_value());
            model.release(p, 0);
            returned += model.refs_of(0, model.block_of(p).second) == 0 ? 1u : 0u;
            CHECK(r.storage.stats().blocks_returned == returned);
            check_against(r.storage, model, false);
        }
        CHECK(returned == 2);
        CHECK(r.storage.state_of(r.tag(3)).value() == tag_page_state::free);
        CHECK(r.storage.release(pfn, 0).error() == errc::not_reserved);
    }
    SECTION("bsp 2, order 7 at offset 0: tag pages 0..3, blocks 0 and 1") {
        rig r(one_region(2));
        reference_model model{r.map, {}, {}};
        const pfn_t pfn = r.tagged_at(0, 7);
        REQUIRE(r.storage.reserve(pfn, 7).error == errc::ok);
        model.reserve(pfn, 7);
        CHECK(r.storage.block_refs({0, 0}) == 64);
        CHECK(r.storage.block_refs({0, 1}) == 64);
        check_against(r.storage, model, true);
        // Released in aligned parts of decreasing size.
        for (const auto& [offset, order] : std::vector<std::pair<uint64_t, unsigned>>{
                 {64, 6}, {0, 5}, {48, 4}, {32, 3}, {40, 3}}) {
            REQUIRE(r.storage.release(pfn + offset, order).has_value());
            model.release(pfn + offset, order);
            check_against(r.storage, model, true);
        }
        CHECK(r.storage.stats().blocks_returned == 2);
    }
}

TEST_CASE("reference counts and the bitmap follow a page-by-page model under random traffic",
          "[cma][refs][random]") {
    const int which = GENERATE(0, 1, 2);
    const tag_map map = which == 0   ? one_region(3, 96)
                        : which == 1 ? two_regions()
                                     : one_region(3, 48, page_size::size_16k); // bsp 3 at 16K
    CAPTURE(which);
    rig r(map);
    reference_model model{r.map, {}, {}};
    std::map<pfn_t, unsigned> folios; // live tagged folios
    std::mt19937_64 rng(0x7a9c'0000u + static_cast<unsigned>(which));
    const auto below = [&](uint64_t n) { return n == 0 ? 0 : rng() % n; };
    const uint64_t total = map.total_tagged_pages();
    uint64_t rejected = 0;

    for (int step = 0; step < 2500; ++step) {
        CAPTURE(step);
        const uint64_t op = below(100);
        const tag_region& region = map.region(static_cast<uint32_t>(below(map.region_count())));
        if (op < 40 && model.reserved.size() < total / 2) { // a new tagged folio
            const auto order = static_cast<unsigned>(below(7));
            const pfn_t pfn = region.memory.first + (below(region.memory.count >> order) << order);
            if (r.normal.allocate_at(pfn, order)) {
                REQUIRE(r.owners.insert({pfn, order, allocation_kind::tagged, 0}));
                const reservation_report report = r.storage.reserve(pfn, order);
                REQUIRE(report.error == errc::ok);
                REQUIRE(report.pfn == pfn);
                REQUIRE_FALSE(report.fell_back);
                model.reserve(pfn, order);
                folios[pfn] = order;
            } else if (model.any(pfn, order)) {
                REQUIRE(r.storage.reserve(pfn, order).error == errc::already_reserved);
                ++rejected;
            }
        } else if (op < 70 && !folios.empty()) { // release an aligned part of a folio
            auto it = folios.begin();
            std::advance(it, static_cast<long>(below(folios.size())));
            const auto [head, order] = *it;
            const auto part = static_cast<unsigned>(below(order + 1));
            const pfn_t pfn = head + (below(uint64_t{1} << (order - part)) << part);
            const auto released = r.storage.release(pfn, part);
            if (model.all(pfn, part)) {
                REQUIRE(released.has_value());
                model.release(pfn, part);
            } else {
                REQUIRE(released.error() == errc::not_reserved); // double free, whole or part
                ++rejected;
            }
            if (!model.any(head, order)) {
                r.normal.free(head, order);
                r.owners.erase(head);
                folios.erase(head);
            }
        } else if (op < 80) { // release of pages that are not all reserved
            const auto order = static_cast<unsigned>(below(4));
            const pfn_t pfn = region.memory.first + (below(region.memory.count >> order) << order);
            if (!model.all(pfn, order)) {
                REQUIRE(r.storage.release(pfn, order).error() == errc::not_reserved);
                ++rejected;
            }
        } else if (op < 90) { // movable traffic in tag storage
            if (below(2) == 0) {
                (void)r.storage.allocate_movable(static_cast<unsigned>(below(3)));
            } else {
                std::vector<allocation_record> movable;
                for (const allocation_record& record : r.owners.records())
                    if (record.kind == allocation_kind::movable)
                        movable.push_back(record);
                if (!movable.empty()) {
                    const allocation_record victim = movable[below(movable.size())];
                    if (r.storage.cma().owns(victim.pfn)) {
                        REQUIRE(r.storage.free_movable(victim.pfn).has_value());
                    } else { // migrated to normal memory earlier
                        r.normal.free(victim.pfn, victim.order);
                        r.owners.erase(victim.pfn);
                    }
                }
            }
        } else { // error paths
            REQUIRE(r.storage.reserve(region.tags.first + below(region.tags.count), 0).error ==
                    errc::tag_storage_not_taggable);
            REQUIRE(r.storage.release(region.tags.first, 0).error() ==
                    errc::tag_storage_not_taggable);
            REQUIRE(r.storage.reserve(0x10 + below(16), 0).error == errc::not_tagged_memory);
            REQUIRE(r.storage.reserve(region.memory.first + 1, 1).error == errc::folio_unaligned);
            rejected += 4;
        }
        check_against(r.storage, model, step % 25 == 0);
        REQUIRE(r.storage.stats().rejected == rejected);
        REQUIRE(r.storage.stats().failures == 0);
    }
    // Release everything: every block goes back to the CMA free lists.
    for (const auto& [head, order] : folios)
        for (pfn_t p = head; p < head + (pfn_t{1} << order); ++p)
            if (model.reserved.count(p) != 0) {
                REQUIRE(r.storage.release(p, 0).has_value());
                model.release(p, 0);
            }
    check_against(r.storage, model, true);
    const cma_stats& s = r.storage.stats();
    CHECK(s.blocks_in_use == 0);
    CHECK(s.blocks_claimed == s.blocks_returned);
    CHECK(s.pages_migrated > 0); // the traffic did make claims migrate
    CHECK(s.releases > 0);
    CHECK(rejected > 0);
    CHECK(s.tag_pages_in_use == 0);
    CHECK(r.storage.tag_pages_movable() ==
          r.storage.cma().total_pages() - r.storage.cma().free_pages());
}

TEST_CASE("every error path changes nothing", "[cma][errors]") {
    rig r(one_region(2));
    r.movable_at(4, 0);
    const pfn_t pfn = r.tagged_at(0, 2);
    REQUIRE(r.storage.reserve(pfn, 2).error == errc::ok);
    const snapshot before = take_snapshot(r);
    const uint64_t rejected = r.storage.stats().rejected;

    SECTION("tag storage cannot be tagged") {
        CHECK(r.storage.reserve(r.tag(4), 0).error == errc::tag_storage_not_taggable);
        CHECK(r.storage.reserve(r.tag(8), 3).error == errc::tag_storage_not_taggable);
        CHECK(r.storage.release(r.tag(0), 0).error() == errc::tag_storage_not_taggable);
        CHECK(r.storage.stats().rejected == rejected + 3);
    }
    SECTION("outside every region") {
        CHECK(r.storage.reserve(0x10, 0).error == errc::not_tagged_memory);
        CHECK(r.storage.release(0x10, 0).error() == errc::not_tagged_memory);
        // A folio running off the end of the tagged memory.
        CHECK(r.storage.reserve(r.mem(0), 12).error == errc::not_tagged_memory);
        CHECK(r.storage.stats().rejected == rejected + 3);
    }
    SECTION("already reserved, whole or in part") {
        CHECK(r.storage.reserve(pfn, 2).error == errc::already_reserved);
        CHECK(r.storage.reserve(pfn + 3, 0).error == errc::already_reserved);
        CHECK(r.storage.reserve(pfn, 3).error == errc::already_reserved);
        CHECK(r.storage.reserve(pfn, 3, reserve_context{true}).error == errc::already_reserved);
        CHECK(r.storage.stats().rejected == rejected + 4);
    }
    SECTION("unaligned") {
        CHECK(r.storage.reserve(pfn + 2, 2).error == errc::folio_unaligned);
        CHECK(r.storage.release(pfn + 1, 1).error() == errc::folio_unaligned);
    }
    SECTION("double free") {
        CHECK(r.storage.release(pfn + 4, 0).error() == errc::not_reserved);
        CHECK(r.storage.release(pfn, 3).error() == errc::not_reserved); // half reserved
        CHECK(take_snapshot(r) == before);
        REQUIRE(r.storage.release(pfn, 2).has_value());
        const snapshot released = take_snapshot(r);
        CHECK(r.storage.release(pfn, 2).error() == errc::not_reserved);
        CHECK(r.storage.release(pfn + 2, 1).error() == errc::not_reserved);
        CHECK(take_snapshot(r) == released);
        CHECK(r.storage.stats().rejected == rejected + 4);
        CHECK(r.storage.stats().releases == 1);
        return;
    }
    CHECK(take_snapshot(r) == before);
    CHECK(r.storage.stats().reservations == 1);
    CHECK(r.storage.check_invariants() == nullptr);
}

TEST_CASE("the FVP tree: both regions, tag storage refused", "[cma][fvp]") {
    const tag_map map = tag_map::create(fvp_regions, page_size::size_4k).value();
    rig r(map);
    // Region 1: memory from 0x8_8000_0000, tags from 0x8_fc00_0000, bsp 1.
    REQUIRE(r.mem(0, 1) == 0x8'8000'0000 / page_4k);
    r.movable_at(0, 0); // region 0's first tag page: fill it for region 0's first block
    REQUIRE(r.storage.allocate_movable_at(r.tag(0, 1), 0));
    const pfn_t one = r.tagged_at(0, 5, 1);   // 32 pages: one tag page, block (1, 0)
    const pfn_t zero = r.tagged_at(0, 10, 0); // 1,024 pages: 32 tag pages, blocks (0, 0..31)
    reservation_report report = r.storage.reserve(one, 5);
    REQUIRE(report.error == errc::ok);
    CHECK(report.pages_migrated == 1);
    CHECK(r.storage.block_refs({1, 0}) == 32);
    report = r.storage.reserve(zero, 10);
    REQUIRE(report.error == errc::ok);
    CHECK(report.blocks_claimed == 32);
    CHECK(report.pages_migrated == 1);
    for (uint64_t b = 0; b < 32; ++b)
        CHECK(r.storage.block_refs({0, b}) == 32);
    CHECK(r.storage.block_refs({0, 32}) == 0);
    // Memory 1 ends where region 0's tag storage begins: that page is not taggable.
    CHECK(r.storage.reserve(0x8'f800'0000 / page_4k, 0).error == errc::tag_storage_not_taggable);
    CHECK(r.storage.reserve(0x8'fc00'0000 / page_4k, 0).error == errc::tag_storage_not_taggable);
    CHECK(r.storage.reserve(0x1'0000'0000 / page_4k, 0).error == errc::not_tagged_memory);
    CHECK(r.storage.check_invariants() == nullptr);
    REQUIRE(r.storage.release(zero, 10).has_value());
    REQUIRE(r.storage.release(one, 5).has_value());
    CHECK(r.storage.stats().blocks_returned == 33);
    CHECK(r.storage.cma().free_pages() == r.storage.cma().total_pages());
    CHECK(r.storage.check_invariants() == nullptr);
}
