// The old cleancache coherency rules and the per-page folio semantics, over several policy
// combinations (each with page contents, so that the bytes are checked too).
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

// A pool with one donor of 256 pages, one filesystem, and folio buffers.
template <class Config>
struct frontend {
    pool_with_donors<Config> pool{1, 256, 4};
    fs_id fs = pool->add_fs().value();
    std::vector<unsigned char> buffer = std::vector<unsigned char>(16 * test_page_bytes);

    page_key key(uint64_t inode, uint64_t index) const { return {fs, inode, index}; }

    result<void> store(uint64_t inode, uint64_t index, unsigned order, uint64_t version,
                       bool workingset = true) {
        for (uint32_t i = 0; i < (1u << order); ++i)
            stamp_page(buffer.data() + i * test_page_bytes, key(inode, index + i), version);
        return pool->store(key(inode, index), order, buffer.data(), workingset);
    }
    // Restores and returns, per page, the version found (0 when not filled).
    std::vector<uint64_t> restore(uint64_t inode, uint64_t index, unsigned order,
                                  const std::vector<uint64_t>& candidates = {1, 2, 3, 4, 5}) {
        std::fill(buffer.begin(), buffer.end(), 0);
        const auto filled = pool->restore(key(inode, index), order, buffer.data());
        REQUIRE(filled.has_value());
        std::vector<uint64_t> versions;
        for (uint32_t i = 0; i < (1u << order); ++i) {
            uint64_t found = 0;
            if (filled->test(i)) {
                for (uint64_t v : candidates)
                    if (page_matches(buffer.data() + i * test_page_bytes, key(inode, index + i), v))
                        found = v;
                REQUIRE(found != 0); // filled, but with bytes of no store of this page
            }
            versions.push_back(found);
        }
        return versions;
    }
};

using v = std::vector<uint64_t>;

} // namespace

TEMPLATE_TEST_CASE("put-put-get returns the latest put", "[pool][coherency]", data_config,
                   split_exclusive_config, workingset_spinlock_config, drop_exclusive_config) {
    frontend<TestType> f;
    REQUIRE(f.store(1, 8, 0, 1));
    REQUIRE(f.store(1, 8, 0, 2));
    REQUIRE(f.restore(1, 8, 0) == v{2});
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("after a failed get, gets fail until a new put", "[pool][coherency]",
                   data_config, split_exclusive_config, workingset_spinlock_config,
                   drop_exclusive_config) {
    frontend<TestType> f;
    REQUIRE(f.store(1, 8, 0, 1));
    REQUIRE(f.pool->invalidate(f.key(1, 8), 0));
    REQUIRE(f.restore(1, 8, 0) == v{0});
    REQUIRE(f.restore(1, 8, 0) == v{0});
    REQUIRE(f.store(1, 8, 0, 3));
    REQUIRE(f.restore(1, 8, 0) == v{3});
}

TEMPLATE_TEST_CASE("exclusive restores take the page, inclusive ones keep it", "[pool][coherency]",
                   data_config, split_exclusive_config, workingset_spinlock_config,
                   drop_exclusive_config) {
    frontend<TestType> f;
    REQUIRE(f.store(1, 0, 2, 1));
    REQUIRE(f.restore(1, 0, 2) == v{1, 1, 1, 1});
    if constexpr (TestType::on_restore == restore_mode::exclusive) {
        REQUIRE(f.restore(1, 0, 2) == v{0, 0, 0, 0});
        REQUIRE(f.pool->stats().cached == 0);
    } else {
        REQUIRE(f.restore(1, 0, 2) == v{1, 1, 1, 1});
        REQUIRE(f.pool->stats().cached == 4);
    }
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("folio semantics are per page", "[pool][coherency][folio]", data_config,
                   split_exclusive_config, workingset_spinlock_config, drop_exclusive_config) {
    frontend<TestType> f;
    SECTION("a smaller store replaces only the pages it covers") {
        REQUIRE(f.store(1, 0, 2, 1)); // pages 0-3, version 1
        REQUIRE(f.store(1, 2, 0, 2)); // page 2, version 2
        REQUIRE(f.restore(1, 0, 2) == v{1, 1, 2, 1});
    }
    SECTION("a larger store replaces every page it overlaps") {
        REQUIRE(f.store(1, 2, 0, 1));
        REQUIRE(f.store(1, 4, 2, 1));
        REQUIRE(f.store(1, 0, 3, 3)); // pages 0-7
        REQUIRE(f.restore(1, 0, 3) == v{3, 3, 3, 3, 3, 3, 3, 3});
        REQUIRE(f.pool->stats().cached ==
                ((TestType::on_restore == restore_mode::exclusive) ? 0u : 8u));
    }
    SECTION("a restore reports exactly the pages it filled") {
        REQUIRE(f.store(1, 8, 0, 1));
        REQUIRE(f.store(1, 10, 0, 2));
        const auto filled = f.pool->restore(f.key(1, 8), 2, f.buffer.data());
        REQUIRE(filled->word() == 0b0101);
        REQUIRE_FALSE(filled->all(2));
        REQUIRE(filled->count() == 2);
    }
    SECTION("invalidating part of a folio keeps the rest") {
        REQUIRE(f.store(1, 16, 3, 1));
        REQUIRE(f.pool->invalidate(f.key(1, 20), 1));
        REQUIRE(f.restore(1, 16, 3) == v{1, 1, 1, 1, 0, 0, 1, 1});
    }
    SECTION("the same index in other inodes and filesystems is another page") {
        const fs_id other_fs = f.pool->add_fs().value();
        REQUIRE(f.store(1, 0, 0, 1));
        REQUIRE(f.store(2, 0, 0, 2));
        std::vector<unsigned char> page(test_page_bytes);
        stamp_page(page.data(), {other_fs, 1, 0}, 3);
        REQUIRE(f.pool->store({other_fs, 1, 0}, 0, page.data()));
        REQUIRE(f.restore(1, 0, 0) == v{1});
        REQUIRE(f.restore(2, 0, 0) == v{2});
    }
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("inode and filesystem invalidation", "[pool][coherency]", data_config,
                   split_exclusive_config, drop_exclusive_config) {
    frontend<TestType> f;
    REQUIRE(f.store(1, 0, 2, 1));
    REQUIRE(f.store(2, 0, 2, 1));
    REQUIRE(f.pool->invalidate_inode(f.fs, 1));
    REQUIRE(f.pool->stats().cached == 4);
    REQUIRE(f.pool->stats().stale == 4);
    REQUIRE(f.restore(1, 0, 2) == v{0, 0, 0, 0});
    REQUIRE(f.pool->check_invariants() == nullptr);
    // A new store of the inode is a new page; the invalidated ones are reclaimed lazily.
    REQUIRE(f.store(1, 0, 0, 2));
    REQUIRE(f.restore(1, 0, 1) == v{2, 0});
    f.pool->reclaim_stale(1024);
    REQUIRE(f.pool->stats().stale == 0);
    REQUIRE(f.pool->check_invariants() == nullptr);

    REQUIRE(f.pool->invalidate_fs(f.fs));
    REQUIRE(f.pool->stats().cached == 0);
    REQUIRE(f.restore(2, 0, 2) == v{0, 0, 0, 0});
    REQUIRE(f.store(2, 0, 0, 3)); // the filesystem still exists
    REQUIRE(f.restore(2, 0, 0) == v{3});
    REQUIRE(f.pool->check_invariants() == nullptr);

    REQUIRE(f.pool->remove_fs(f.fs));
    REQUIRE(f.pool->store(f.key(2, 0), 0, f.buffer.data()).error() == errc::unknown_filesystem);
    REQUIRE(f.pool->restore(f.key(2, 0), 0, f.buffer.data()).error() == errc::unknown_filesystem);
    REQUIRE(f.pool->invalidate_inode(f.fs, 2).error() == errc::unknown_filesystem);
    // A filesystem that reuses the id sees none of the old pages.
    const fs_id again = f.pool->add_fs().value();
    REQUIRE(again == f.fs);
    REQUIRE(f.restore(2, 0, 0) == v{0});
    REQUIRE(f.pool->check_invariants() == nullptr);
}

TEMPLATE_TEST_CASE("the readahead walk stops at the first miss", "[pool][coherency]", data_config,
                   split_exclusive_config) {
    frontend<TestType> f;
    REQUIRE(f.store(1, 0, 2, 1)); // 0-3
    REQUIRE(f.store(1, 5, 0, 1)); // 5, after a hole at 4
    std::vector<unsigned char> pages(8 * test_page_bytes);
    const auto restored = f.pool->restore_run(f.fs, 1, 0, 8, [&](uint64_t index) noexcept {
        return static_cast<void*>(pages.data() + index * test_page_bytes);
    });
    REQUIRE(restored.value() == 4);
    for (uint64_t i = 0; i < 4; ++i)
        REQUIRE(page_matches(pages.data() + i * test_page_bytes, f.key(1, i), 1));
    // An inode with nothing cached: its first page stops the walk, one miss.
    const auto before = f.pool->stats().missed;
    REQUIRE(f.pool->restore_run(f.fs, 9, 0, 8, [&](uint64_t) noexcept { return pages.data(); })
                .value() == 0);
    REQUIRE(f.pool->stats().missed == before + 1);
}

TEST_CASE("working-set admission keeps only working-set folios, and drops the old copy",
          "[pool][admission]") {
    frontend<workingset_spinlock_config> f;
    REQUIRE(f.store(1, 0, 0, 1, true));
    REQUIRE(f.store(1, 0, 0, 2, false).error() == errc::not_admitted);
    REQUIRE(f.restore(1, 0, 0) == v{0}); // never the stale version 1
    REQUIRE(f.pool->stats().skipped == 1);
}

TEST_CASE("bad folios and keys are refused by name", "[pool][errors]") {
    frontend<data_config> f;
    REQUIRE(f.pool->store(f.key(1, 0), 5, f.buffer.data()).error() == errc::order_too_large);
    REQUIRE(f.pool->store(f.key(1, 2), 2, f.buffer.data()).error() == errc::folio_unaligned);
    REQUIRE(f.pool->restore(f.key(1, 1), 1, f.buffer.data()).error() == errc::folio_unaligned);
    REQUIRE(f.pool->store(f.key(1, max_page_index + 1), 0, f.buffer.data()).error() ==
            errc::index_too_large);
    REQUIRE(f.pool->store(f.key(1, max_page_index), 0, f.buffer.data()));
    REQUIRE(f.pool->invalidate(f.key(1, max_page_index - 1), 1)); // ends at the last index
    REQUIRE(f.pool->restore(f.key(1, max_page_index + 1), 1, f.buffer.data()).error() ==
            errc::index_too_large);
    REQUIRE(f.pool->store({f.fs + 1, 1, 0}, 0, f.buffer.data()).error() ==
            errc::unknown_filesystem);
    REQUIRE(f.pool->invalidate_fs(99).error() == errc::unknown_filesystem);
    REQUIRE(f.pool->check_invariants() == nullptr);
}
