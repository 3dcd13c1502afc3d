// Donor choice: new pages come from donors in the configured proportion, and quotas hold.
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {
struct proportional_config : default_pool_config {
    using donor_choice = proportional_donors;
};
struct round_robin_config : default_pool_config {
    using donor_choice = round_robin_donors;
};

template <class Config>
owned_pool<Config>* two_donor_pool(std::unique_ptr<owned_pool<Config>>& holder,
                                          uint64_t quota0, uint64_t quota1) {
    pool_geometry g;
    g.slots = 2048;
    holder = std::make_unique<owned_pool<Config>>(g);
    const pfn_range a{0x1000, 1024};
    const pfn_range b{0x9000, 1024};
    REQUIRE((*holder)->register_donor("a", span<const pfn_range>(&a, 1), 1, quota0).value() == 0);
    REQUIRE((*holder)->register_donor("b", span<const pfn_range>(&b, 1), 1, quota1).value() == 1);
    REQUIRE((*holder)->donate_range(0, a) == 1024);
    REQUIRE((*holder)->donate_range(1, b) == 1024);
    return holder.get();
}
} // namespace

TEST_CASE("proportional donor choice follows the quotas", "[pool][donors]") {
    std::unique_ptr<owned_pool<proportional_config>> holder;
    auto& pool = **two_donor_pool(holder, 200, 600);
    const fs_id fs = pool.add_fs().value();
    for (uint64_t i = 0; i < 400; ++i) {
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
        const uint64_t a = pool.donor_info(0)->cached;
        const uint64_t b = pool.donor_info(1)->cached;
        // After every store, the split is 1:3 to within one page.
        REQUIRE(a + b == i + 1);
        REQUIRE(a * 3 <= b + 3);
        REQUIRE(b <= a * 3 + 3);
    }
    // Quotas are ceilings: 800 pages fit, the 801st store must evict.
    for (uint64_t i = 400; i < 800; ++i)
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
    REQUIRE(pool.donor_info(0)->cached == 200);
    REQUIRE(pool.donor_info(1)->cached == 600);
    REQUIRE(pool.stats().reclaimed == 0);
    REQUIRE(pool.store({fs, 1, 800}, 3, nullptr));
    REQUIRE(pool.stats().reclaimed == 8);
    REQUIRE(pool.donor_info(0)->cached <= 200);
    REQUIRE(pool.donor_info(1)->cached <= 600);
    REQUIRE(pool.check_invariants() == nullptr);
}

TEST_CASE("proportional donor choice without quotas follows donated sizes", "[pool][donors]") {
    std::unique_ptr<owned_pool<proportional_config>> holder;
    auto& pool = **two_donor_pool(holder, 0, 0);
    // Donor 0 takes back three quarters of its pages: sizes 256 and 1024, so 1:4.
    REQUIRE(pool.take_back_range(0, {0x1000 + 256, 768}) == 768);
    const fs_id fs = pool.add_fs().value();
    for (uint64_t i = 0; i < 500; ++i)
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
    const uint64_t a = pool.donor_info(0)->cached;
    const uint64_t b = pool.donor_info(1)->cached;
    REQUIRE(a + b == 500);
    REQUIRE(a >= 99);
    REQUIRE(a <= 101);
}

TEST_CASE("round-robin donor choice alternates", "[pool][donors]") {
    std::unique_ptr<owned_pool<round_robin_config>> holder;
    auto& pool = **two_donor_pool(holder, 0, 0);
    const fs_id fs = pool.add_fs().value();
    for (uint64_t i = 0; i < 301; ++i)
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
    REQUIRE(pool.donor_info(0)->cached == 151);
    REQUIRE(pool.donor_info(1)->cached == 150);
    // A donor with no free page is skipped, not waited for.
    REQUIRE(pool.take_back_range(1, {0x9000, 1024}) == 1024);
    for (uint64_t i = 301; i < 401; ++i)
        REQUIRE(pool.store({fs, 1, i}, 0, nullptr));
    REQUIRE(pool.donor_info(0)->cached == 251);
    REQUIRE(pool.check_invariants() == nullptr);
}
