// The simulator's flat structures against the node-based ones they replaced
// (reference_models.hpp): the same random operations on both, every answer compared. The
// simulator's figures depend on these choices (which free block, which victim), so they must
// agree exactly, not just be valid.
#include <tagsim/machines/hierarchical_bitmap.hpp>
#include <tagsim/sim.hpp>
#include <tagsim/workload/id_map.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "catch.hpp"
#include "reference_models.hpp"

using namespace tagcache;
using namespace tagcache::sim;

namespace {

// splitmix64: the same stream for both sides of a comparison.
struct splitmix {
    uint64_t state;
    uint64_t operator()() {
        uint64_t z = (state += 0x9E37'79B9'7F4A'7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
        return z ^ (z >> 31);
    }
};

uint64_t set_next(const std::set<uint64_t>& s, uint64_t from) {
    const auto it = s.lower_bound(from);
    return it == s.end() ? hierarchical_bitmap::npos : *it;
}
uint64_t set_prev(const std::set<uint64_t>& s, uint64_t from) {
    auto it = s.upper_bound(from);
    return it == s.begin() ? hierarchical_bitmap::npos : *--it;
}

std::vector<pfn_t> as_vector(const std::set<pfn_t>& s) {
    return {s.begin(), s.end()};
}

} // namespace

TEST_CASE("hierarchical bitmap: ordered searches agree with a std::set", "[sim][structures]") {
    for (const uint64_t size :
         {1ull, 2ull, 63ull, 64ull, 65ull, 4095ull, 4096ull, 4097ull, 262'145ull, 300'000ull}) {
        std::mt19937_64 rng(size);
        const auto below = [&](uint64_t n) { return rng() % n; };
        hierarchical_bitmap bits(size);
        std::set<uint64_t> model;
        // Dense and sparse phases: runs of sets, then runs of resets.
        for (int step = 0; step < 20'000; ++step) {
            CAPTURE(size, step);
            const bool setting = (step / 2000) % 2 == 0 ? below(4) != 0 : below(4) == 0;
            // Near an existing index half of the time, so words fill and empty.
            uint64_t index = below(size);
            if (!model.empty() && below(2) == 0)
                index = std::min(size - 1, *model.begin() + below(130));
            if (setting) {
                bits.set(index);
                model.insert(index);
            } else {
                bits.reset(index);
                model.erase(index);
            }
            const uint64_t probe = below(size + 70);
            REQUIRE(bits.test(index) == model.contains(index));
            REQUIRE(bits.none() == model.empty());
            REQUIRE(bits.find_next(probe) == set_next(model, probe));
            REQUIRE(bits.find_prev(probe) == set_prev(model, probe));
            REQUIRE(bits.find_first() == set_next(model, 0));
            REQUIRE(bits.find_last() == set_prev(model, size));
        }
    }
}

TEST_CASE("buddy allocator: the bitmap free lists choose as the std::set ones did",
          "[sim][structures]") {
    for (uint64_t seed = 1; seed <= 24; ++seed) {
        std::mt19937_64 rng(seed);
        const auto below = [&](uint64_t n) { return rng() % n; };
        const unsigned max_order = static_cast<unsigned>(below(11));
        // One to three ranges, unaligned, apart, given in any order; one far above 2^40.
        std::vector<pfn_range> ranges;
        pfn_t at = below(5000);
        for (uint64_t r = 0, n = 1 + below(3); r < n; ++r) {
            const uint64_t count = 1 + below(6000);
            ranges.push_back({at, count});
            at += count + below(3000);
            if (below(4) == 0)
                at += pfn_t{1} << 41;
        }
        std::shuffle(ranges.begin(), ranges.end(), rng);
        buddy_allocator flat(ranges, max_order);
        test::reference_buddy_allocator tree(ranges, max_order);
        REQUIRE(flat.total_pages() == tree.total_pages());
        splitmix flat_random{seed}, tree_random{seed};
        std::vector<std::pair<pfn_t, unsigned>> live;
        for (int step = 0; step < 6000; ++step) {
            CAPTURE(seed, max_order, step);
            const uint64_t op = below(100);
            const auto order = static_cast<unsigned>(below(max_order + 2)); // may exceed max
            std::optional<pfn_t> a, b;
            if (op < 25) {
                a = flat.allocate(order);
                b = tree.allocate(order);
            } else if (op < 35) {
                a = flat.allocate_highest(order);
                b = tree.allocate_highest(order);
            } else if (op < 50) {
                const auto attempts = static_cast<unsigned>(below(3));
                a = flat.allocate_random(order, flat_random, attempts);
                b = tree.allocate_random(order, tree_random, attempts);
            } else if (op < 60) {
                const pfn_range& r = ranges[below(ranges.size())];
                const pfn_t pfn = (r.first + below(r.count)) & ~((pfn_t{1} << order) - 1);
                const bool fa = order <= max_order && flat.allocate_at(pfn, order);
                const bool fb = order <= max_order && tree.allocate_at(pfn, order);
                REQUIRE(fa == fb);
                if (fa)
                    a = b = pfn;
            } else if (!live.empty()) {
                const size_t i = below(live.size());
                flat.free(live[i].first, live[i].second);
                tree.free(live[i].first, live[i].second);
                live[i] = live.back();
                live.pop_back();
            }
            REQUIRE(a == b);
            if (a)
                live.emplace_back(*a, order);
            REQUIRE(flat.free_pages() == tree.free_pages());
            const pfn_range& r = ranges[below(ranges.size())];
            const pfn_t probe = r.first + below(r.count);
            REQUIRE(flat.is_free(probe) == tree.is_free(probe));
            REQUIRE(flat.owns(probe + r.count) == tree.owns(probe + r.count));
            const auto o = static_cast<unsigned>(below(max_order + 1));
            if (step % 64 == 0)
                for (unsigned k = 0; k <= max_order; ++k)
                    REQUIRE(flat.free_blocks(k) == as_vector(tree.free_blocks(k)));
            const auto next = tree.free_blocks(o).lower_bound(probe);
            REQUIRE(flat.next_free_block(o, probe) ==
                    (next == tree.free_blocks(o).end() ? std::nullopt : std::optional(*next)));
        }
    }
}

TEST_CASE("allocation table: the flat table answers as the std::map did", "[sim][structures]") {
    using test::reference_allocation_table;
    for (uint64_t seed = 1; seed <= 8; ++seed) {
        std::mt19937_64 rng(seed);
        const auto below = [&](uint64_t n) { return rng() % n; };
        // Pages in three areas: around a segment boundary, further up, and above 2^40.
        const pfn_t areas[] = {(pfn_t{1} << 16) - 3000, pfn_t{5} << 20, (pfn_t{1} << 41) + 77};
        const auto random_pfn = [&] { return areas[below(3)] + below(6000); };
        allocation_table flat;
        reference_allocation_table tree;
        const auto overlaps = [&](pfn_t first, uint64_t pages) {
            for (pfn_t p = first; p < first + pages; ++p)
                if (tree.containing(p))
                    return true;
            return false;
        };
        for (int step = 0; step < 8000; ++step) {
            CAPTURE(seed, step);
            const uint64_t op = below(100);
            const std::vector<allocation_record> live = tree.records();
            const auto some_head = [&] { return live[below(live.size())].pfn; };
            if (op < 40) {
                // Now and then a record over two segments (2^17 pages, 64 Ki per segment).
                const auto order = static_cast<unsigned>(below(400) == 0 ? 17 : below(5));
                const pfn_t pfn = random_pfn() & ~((pfn_t{1} << order) - 1);
                const allocation_record record{pfn, order, static_cast<allocation_kind>(below(3)),
                                               static_cast<uint32_t>(below(2))};
                // The flat table refuses overlapping records; the map only a taken head, and
                // the machines never insert either.
                const bool expected = !overlaps(pfn, uint64_t{1} << order);
                REQUIRE(flat.insert(record) == expected);
                if (expected)
                    REQUIRE(tree.insert(record));
            } else if (op < 60 && !live.empty()) {
                const pfn_t head = below(4) == 0 ? random_pfn() : some_head();
                REQUIRE(flat.erase(head) == tree.erase(head));
            } else if (op < 70 && !live.empty()) {
                const allocation_record from = tree.find(some_head()).value();
                const pfn_t to = random_pfn() & ~((pfn_t{1} << from.order) - 1);
                tree.erase(from.pfn);
                const bool free = !overlaps(to, uint64_t{1} << from.order);
                tree.insert(from);
                if (free) {
                    flat.move(from.pfn, to);
                    tree.move(from.pfn, to);
                }
            } else if (op < 85) {
                const pfn_t pfn =
                    below(2) == 0 || live.empty() ? random_pfn() : some_head() + below(16);
                if (below(2) == 0)
                    REQUIRE(flat.pin(pfn).has_value() == tree.pin(pfn).has_value());
                else
                    REQUIRE(flat.unpin(pfn).has_value() == tree.unpin(pfn).has_value());
            }
            const pfn_t probe =
                below(2) == 0 || live.empty() ? random_pfn() : some_head() + below(16);
            REQUIRE(flat.find(probe) == tree.find(probe));
            REQUIRE(flat.containing(probe) == tree.containing(probe));
            REQUIRE(flat.contains(probe) == tree.find(probe).has_value());
            REQUIRE(flat.size() == tree.size());
            if (step % 128 == 0)
                REQUIRE(flat.records() == tree.records());
        }
    }
}

TEST_CASE("lru page cache: the flat cache evicts as the std::list one did", "[sim][structures]") {
    for (const uint64_t capacity : {1ull, 2ull, 7ull, 64ull, 1000ull}) {
        std::mt19937_64 rng(capacity);
        const auto below = [&](uint64_t n) { return rng() % n; };
        lru_page_cache flat(capacity);
        test::reference_lru_page_cache tree(capacity);
        uint64_t next_allocation = 0;
        for (int step = 0; step < 50'000; ++step) {
            CAPTURE(capacity, step);
            // A hot set and a wide range, so hits, misses and evictions all happen.
            const uint64_t page = below(3) == 0 ? below(capacity + 3) : below(4 * capacity + 50);
            const bool hit = flat.touch(page);
            REQUIRE(hit == tree.touch(page));
            if (!hit) {
                const auto a = flat.evict_if_full();
                const auto b = tree.evict_if_full();
                REQUIRE(a.has_value() == b.has_value());
                if (a) {
                    REQUIRE(a->page == b->page);
                    REQUIRE(a->allocation == b->allocation);
                }
                flat.insert(page, next_allocation);
                tree.insert(page, next_allocation++);
            }
            REQUIRE(flat.size() == tree.size());
        }
    }
}

TEST_CASE("id map: agrees with an unordered_map and frees dead chunks' ids", "[sim][structures]") {
    std::mt19937_64 rng(5);
    const auto below = [&](uint64_t n) { return rng() % n; };
    id_map flat;
    std::unordered_map<uint64_t, uint64_t> model;
    std::vector<uint64_t> live;
    uint64_t next_id = 0;
    for (int step = 0; step < 400'000; ++step) {
        CAPTURE(step);
        if (below(100) < 52 || live.empty()) {
            const uint64_t id = next_id++;
            if (below(5) == 0)
                continue; // a failed allocation: its id is never mapped
            const uint64_t value = rng() >> 1;
            flat.insert(id, value);
            model.emplace(id, value);
            live.push_back(id);
        } else {
            // Mostly the oldest live ids (as a page cache frees), sometimes any.
            const size_t i =
                below(3) == 0 ? below(live.size()) : below(std::min<size_t>(live.size(), 8));
            REQUIRE(flat.erase(live[i]));
            model.erase(live[i]);
            live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
        }
        const uint64_t probe = below(next_id + 10);
        const auto it = model.find(probe);
        REQUIRE(flat.find(probe) == (it == model.end() ? std::nullopt : std::optional(it->second)));
        REQUIRE(flat.size() == model.size());
        if (it == model.end())
            REQUIRE_FALSE(flat.erase(probe));
    }
}
