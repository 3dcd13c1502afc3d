// Donor take-back of a page in every state it can be in: free, holding an order-0 folio,
// holding one page of a large folio (under each partial-take policy), the next eviction
// victim, and with a store or restore copy in flight.
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
// The two partial-take modes as types, for the typed tests below.
using drop_whole = std::integral_constant<partial_take, partial_take::drop_whole_folio>;
using split = std::integral_constant<partial_take, partial_take::split_folio>;

struct drop_config : default_pool_config {
    using page_memory = arena_page_memory;
    static constexpr partial_take on_partial_take = partial_take::drop_whole_folio;
};
struct split_config : default_pool_config {
    using page_memory = arena_page_memory;
    static constexpr partial_take on_partial_take = partial_take::split_folio;
};

} // namespace

TEMPLATE_TEST_CASE("take-back of a free page", "[pool][take-back]", drop_config, split_config) {
    pool_with_donors<TestType> p(1, 64);
    const pfn_t pfn = p.ranges[0].first + 5;
    REQUIRE(p->take_back(0, pfn));
    REQUIRE(p->donor_info(0)->size == 63);
    REQUIRE(p->donor_info(0)->free == 63);
    REQUIRE(p->stats().recalled == 0); // it held no data
    REQUIRE(p->take_back(0, pfn).error() == errc::not_donated);
    REQUIRE(p->check_invariants() == nullptr);
    // The pool never hands the taken page out: fill the whole pool, the page stays free of data.
    const fs_id fs = p->add_fs().value();
    for (uint64_t i = 0; i < 200; ++i)
        REQUIRE(p->store({fs, 1, i}, 0, nullptr));
    REQUIRE(p->donor_info(0)->cached == 63);
    REQUIRE(p->donate(0, pfn));
    REQUIRE(p->donate(0, pfn).error() == errc::already_donated);
    REQUIRE(p->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("take-back refuses pages that are not the donor's", "[pool][take-back]",
                   drop_config) {
    pool_with_donors<TestType> p(2, 64);
    REQUIRE(p->take_back(0, p.ranges[1].first).error() == errc::not_donor_page);
    REQUIRE(p->take_back(0, p.ranges[0].first + 64).error() == errc::not_donor_page);
    REQUIRE(p->take_back(2, p.ranges[0].first).error() == errc::unknown_donor);
    REQUIRE(p->donate(1, p.ranges[0].first).error() == errc::not_donor_page);
    REQUIRE(p->donor_info(0)->size == 64);
    REQUIRE(p->donor_info(1)->size == 64);
}

TEMPLATE_TEST_CASE("take-back of a page holding an order-0 folio drops it without copying",
                   "[pool][take-back]", drop_config, split_config) {
    pool_with_donors<TestType> p(1, 8, 1);
    const fs_id fs = p->add_fs().value();
    std::vector<unsigned char> page(test_page_bytes);
    // Fill every page, so we know which pfn holds what: take each back in turn.
    for (uint64_t i = 0; i < 8; ++i) {
        stamp_page(page.data(), {fs, 1, i}, 1);
        REQUIRE(p->store({fs, 1, i}, 0, page.data()));
    }
    REQUIRE(p->donor_info(0)->free == 0);
    REQUIRE(p->take_back(0, p.ranges[0].first + 3));
    const auto stats = p->stats();
    REQUIRE(stats.recalled == 1);
    REQUIRE(stats.cached == 7);
    REQUIRE(stats.collateral_dropped == 0);
    // Nothing was moved elsewhere: the other pages are still all there, no page is free.
    REQUIRE(p->donor_info(0)->free == 0);
    REQUIRE(p->donor_info(0)->recalled == 1);
    uint32_t hits = 0;
    for (uint64_t i = 0; i < 8; ++i) {
        const auto filled = p->restore({fs, 1, i}, 0, page.data());
        if (filled->all(0)) {
            REQUIRE(page_matches(page.data(), {fs, 1, i}, 1));
            ++hits;
        }
    }
    REQUIRE(hits == 7);
    REQUIRE(p->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("take-back of one page of a large folio follows the partial-take policy",
                   "[pool][take-back][folio]", drop_config, split_config) {
    // Blocks of 16 pages and one donor of 16: the order-4 folio fills it exactly.
    pool_with_donors<TestType> p(1, 16, 16);
    const fs_id fs = p->add_fs().value();
    std::vector<unsigned char> folio(16 * test_page_bytes);
    for (uint64_t i = 0; i < 16; ++i)
        stamp_page(folio.data() + i * test_page_bytes, {fs, 1, i}, 1);
    REQUIRE(p->store({fs, 1, 0}, 4, folio.data()));
    REQUIRE(p->take_back(0, p.ranges[0].first + 6));
    const auto filled = p->restore({fs, 1, 0}, 4, folio.data());
    const auto stats = p->stats();
    REQUIRE(stats.recalled == 1);
    if constexpr (TestType::on_partial_take == partial_take::drop_whole_folio) {
        REQUIRE(filled->none());
        REQUIRE(stats.collateral_dropped == 15);
        REQUIRE(p->donor_info(0)->free == 15);
    } else {
        REQUIRE(filled->count() == 15);
        // Which page was taken depends on placement; every other page is restorable, intact.
        for (uint32_t i = 0; i < 16; ++i)
            if (filled->test(i))
                REQUIRE(page_matches(folio.data() + i * test_page_bytes, {fs, 1, i}, 1));
        REQUIRE(stats.collateral_dropped == 0);
    }
    REQUIRE(p->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("take-back of the next eviction victim", "[pool][take-back]", drop_config,
                   split_config) {
    pool_with_donors<TestType> p(1, 4, 1);
    const fs_id fs = p->add_fs().value();
    // first_free hands out the most recently donated slot first: donate_range pushed pfns
    // first..first+3 in order, so page i lands on pfn first + 3 - i, and page 0 is the LRU
    // victim.
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(p->store({fs, 1, i}, 0, nullptr));
    REQUIRE(p->take_back(0, p.ranges[0].first + 3));
    REQUIRE(p->check_invariants() == nullptr);
    // No slot is free: the next store evicts the next victim, page 1, not the taken page.
    REQUIRE(p->store({fs, 1, 9}, 0, nullptr));
    const auto stats = p->stats();
    REQUIRE(stats.recalled == 1);
    REQUIRE(stats.reclaimed == 1);
    REQUIRE(p->restore({fs, 1, 0}, 0, nullptr)->none());
    REQUIRE(p->restore({fs, 1, 1}, 0, nullptr)->none());
    REQUIRE(p->restore({fs, 1, 2}, 0, nullptr)->all(0));
    REQUIRE(p->restore({fs, 1, 3}, 0, nullptr)->all(0));
    REQUIRE(p->restore({fs, 1, 9}, 0, nullptr)->all(0));
    REQUIRE(p->check_invariants() == nullptr);
}

namespace {
// Page memory whose address() lets a test act in the middle of a copy: the pool calls it
// outside its lock, just before copying the page.
struct hooked_memory {
    static constexpr bool holds_data = true;
    unsigned char* base = nullptr;
    std::function<void(uint32_t)>* hook = nullptr;
    void* address(uint32_t slot, pfn_t) const noexcept {
        if (hook != nullptr && *hook)
            (*hook)(slot);
        return base + slot * test_page_bytes;
    }
};
template <class PartialTake>
struct hooked_config : default_pool_config {
    using lock = ticket_spinlock;
    using page_memory = hooked_memory;
    static constexpr partial_take on_partial_take = PartialTake::value;
};

// While the copy of a page is in flight, another thread takes that page back. It must mark
// the page taken at once, then wait until the copy has left before returning.
template <class Config>
struct in_flight_fixture {
    std::vector<unsigned char> arena = std::vector<unsigned char>(16 * test_page_bytes);
    std::function<void(uint32_t)> hook;
    pool_geometry geometry = [] {
        pool_geometry g;
        g.slots = 16;
        g.max_block_pages = 16;
        return g;
    }();
    owned_pool<Config> pool{geometry, hooked_memory{arena.data(), &hook}};
    pfn_range range{0x1000, 16};
    fs_id fs = 0;
    std::atomic<bool> take_returned{false};
    bool returned_during_copy = true;
    bool take_succeeded = false;
    std::thread taker;

    in_flight_fixture() {
        REQUIRE(pool->register_donor("d", span<const pfn_range>(&range, 1), 16));
        pool->donate_range(0, range);
        fs = pool->add_fs().value();
    }
    // On the next page copy, takes that page back from another thread.
    void take_during_next_copy() {
        hook = [this](uint32_t slot) {
            if (taker.joinable())
                return;
            const uint64_t size_before = pool->donor_info(0)->size;
            taker = std::thread([this, slot] {
                take_succeeded = pool->take_back(0, range.first + slot).has_value();
                take_returned = true;
            });
            // Wait until the taker has marked the page (the donor's size drops) ...
            while (pool->donor_info(0)->size == size_before)
                std::this_thread::yield();
            // ... then give it time: it must still be waiting for this copy.
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            returned_during_copy = take_returned.load();
        };
    }
    void finish() {
        if (taker.joinable())
            taker.join();
        hook = nullptr; // later copies run undisturbed
    }
    ~in_flight_fixture() { finish(); }
};
} // namespace

TEMPLATE_TEST_CASE("take-back of a page with a store copy in flight", "[pool][take-back][copy]",
                   drop_whole, split) {
    in_flight_fixture<hooked_config<TestType>> f;
    std::vector<unsigned char> folio(4 * test_page_bytes);
    for (uint64_t i = 0; i < 4; ++i)
        stamp_page(folio.data() + i * test_page_bytes, {f.fs, 1, i}, 1);
    f.take_during_next_copy(); // the page of index 0, the first copied
    const auto stored = f.pool->store({f.fs, 1, 0}, 2, folio.data());
    f.finish();
    REQUIRE(stored.has_value());
    REQUIRE_FALSE(f.returned_during_copy);
    REQUIRE(f.take_succeeded);
    const auto filled = f.pool->restore({f.fs, 1, 0}, 2, folio.data());
    if constexpr (TestType::value == partial_take::drop_whole_folio)
        REQUIRE(filled->none());
    else
        REQUIRE(filled->word() == 0b1110); // all but the page taken during its copy
    for (uint32_t i = 0; i < 4; ++i)
        if (filled->test(i))
            REQUIRE(page_matches(folio.data() + i * test_page_bytes, {f.fs, 1, i}, 1));
    REQUIRE(f.pool->donor_info(0)->size == 15);
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("take-back of a page with a restore copy in flight", "[pool][take-back][copy]",
                   drop_whole, split) {
    in_flight_fixture<hooked_config<TestType>> f;
    std::vector<unsigned char> page(test_page_bytes);
    stamp_page(page.data(), {f.fs, 1, 0}, 1);
    REQUIRE(f.pool->store({f.fs, 1, 0}, 0, page.data()));
    f.take_during_next_copy();
    std::fill(page.begin(), page.end(), 0);
    const auto filled = f.pool->restore({f.fs, 1, 0}, 0, page.data());
    f.finish();
    REQUIRE(filled->none()); // the copy overlapped the take-back: not reported as restored
    REQUIRE_FALSE(f.returned_during_copy);
    REQUIRE(f.take_succeeded);
    REQUIRE(f.pool->stats().recalled == 1);
    REQUIRE(f.pool->restore({f.fs, 1, 0}, 0, page.data())->none());
    REQUIRE(f.pool->check_invariants() == nullptr);
}
