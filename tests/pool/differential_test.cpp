// Randomized differential test of the pool against reference_cleancache: stores, restores,
// invalidations (folio, inode, filesystem), donations and take-backs, and the host's discards
// (with discardable page memory), orders 0-4, with page contents stamped with key and version.
// Zero divergences allowed; the seed is printed on failure. TAGCACHE_DIFFERENTIAL_OPS scales
// the run (default 120000 operations per seed and configuration: 2.4 million in all).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "catch.hpp"
#include "differential_engine.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

uint64_t operations_per_seed() {
    if (const char* text = std::getenv("TAGCACHE_DIFFERENTIAL_OPS"))
        return std::strtoull(text, nullptr, 10);
    return 120'000;
}

// Decisions from a seeded generator; a broken expectation is a Catch2 failure.
struct seeded_driver {
    std::mt19937_64 random;
    uint64_t draw() { return random(); }
    void fail(const std::string& what) { FAIL(what); }
};

} // namespace

TEMPLATE_TEST_CASE("the pool never diverges from the reference cleancache", "[pool][differential]",
                   data_config, split_exclusive_config, workingset_spinlock_config,
                   drop_exclusive_config, metadata_only_config, sharded_data_config,
                   sharded_split_exclusive_config, discard_config, discard_split_exclusive_config,
                   discard_metadata_config, one_donor_data_config, one_donor_split_config) {
    const uint64_t seed = GENERATE(0x7A6C1ull, 0xC0FFEEull);
    CAPTURE(seed);
    seeded_driver driver{std::mt19937_64(seed)};
    differential_run<TestType, seeded_driver> run(driver);
    run.run(operations_per_seed());
    std::printf("differential: seed %#llx: %llu operations, %llu hits, %llu allowed misses, "
                "%llu host discards\n",
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(operations_per_seed()),
                static_cast<unsigned long long>(run.hits()),
                static_cast<unsigned long long>(run.allowed_misses()),
                static_cast<unsigned long long>(run.discards()));
    if constexpr (differential_run<TestType, seeded_driver>::discardable)
        REQUIRE(run.discards() > 0);
}
