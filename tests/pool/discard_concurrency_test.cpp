// The discard protocol under concurrency (run it under the tsan preset too): a virtio-tmem
// region (hosted/discardable_arena.hpp) lent to a pool through tmem_device. Worker threads
// store, restore and invalidate stamped folios of their own inode; a host thread discards
// random pages of the region with madvise(MADV_DONTNEED), at any moment, without the pool's
// lock; another host thread changes the device's requested size to random sizes, from nothing
// to the whole region and back, and the driver follows. Every page a restore reports filled
// must hold exactly the latest version its worker stored there: a zero page (a discard that got
// through), another version or anything else is a failure, and so is any ThreadSanitizer
// report (there are no suppressions: the discard is the kernel's, not a thread's write).
//
// The last case plants the bug of skipping the generation read after each copy and requires
// the same checks to find the zeroes it lets through. TAGCACHE_DISCARD_OPS sets the operations
// per worker (6000), TAGCACHE_CONCURRENCY_SEED the seed.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

struct tmem_park_config : default_pool_config {
    using lock = spin_then_park_lock;
    using page_memory = discardable_arena_page_memory;
};
struct tmem_split_exclusive_config : tmem_park_config {
    static constexpr partial_take on_partial_take = partial_take::split_folio;
    static constexpr restore_mode on_restore = restore_mode::exclusive;
    using placement = block_aligned_placement;
};

// The page the planted bug's last first read was of: the host aims its discards there, and the
// reader yields after that read, so that discards land inside copies often (a copy alone is
// too short a window to hit by chance on a machine of two CPUs, let alone under TSan).
std::atomic<pfn_t> planted_target{0};

// The planted bug: the generation read after a copy returns what the read before it did (per
// thread, per page), as if the pool skipped it.
struct second_read_skipped_memory {
    static constexpr bool holds_data = true;
    discardable_arena_page_memory real;
    void* address(uint32_t slot, pfn_t pfn) const noexcept { return real.address(slot, pfn); }
    uint32_t discard_generation(uint32_t slot, pfn_t pfn) const noexcept {
        struct memo {
            bool valid = false;
            pfn_t pfn = 0;
            uint32_t value = 0;
        };
        thread_local memo last;
        if (last.valid && last.pfn == pfn) {
            last.valid = false;
            return last.value;
        }
        const uint32_t value = real.discard_generation(slot, pfn);
        last = memo{true, pfn, value};
        planted_target.store(pfn, std::memory_order_relaxed);
        std::this_thread::yield();
        return value;
    }
};
struct planted_bug_config : tmem_park_config {
    using page_memory = second_read_skipped_memory;
};

constexpr pfn_range region{0x80'0000, 128};
constexpr uint32_t block_pages = 4;
constexpr uint64_t pages_per_worker = 32;
constexpr uint64_t default_operations = 6000;

uint64_t operations_per_worker() {
    if (const char* text = std::getenv("TAGCACHE_DISCARD_OPS"))
        return std::strtoull(text, nullptr, 10);
    return default_operations;
}
uint64_t base_seed() {
    if (const char* text = std::getenv("TAGCACHE_CONCURRENCY_SEED"))
        return std::strtoull(text, nullptr, 0);
    return 0xD15C'A4D5ull;
}
unsigned worker_count() {
    return std::max(4u, 2 * std::max(1u, std::thread::hardware_concurrency()));
}

struct alignas(64) worker_result {
    uint64_t operations = 0, restores = 0, hits = 0, misses = 0;
    uint64_t zeroes = 0, wrong_version = 0, garbage = 0, errors = 0;
    std::string first_failure;
    uint64_t failures() const { return zeroes + wrong_version + garbage + errors; }
};

template <class Pool>
class worker {
public:
    worker(Pool& pool, fs_id fs, uint64_t inode, uint64_t seed, bool restores_mostly,
           worker_result& out)
        : pool_(pool)
        , fs_(fs)
        , inode_(inode)
        , random_(seed)
        , restores_mostly_(restores_mostly)
        , out_(out)
        , latest_(pages_per_worker, 0)
        , buffer_(16 * test_page_bytes) {}

    // Stops after `operations`, or once `stop` is set; with `stop_at_failure`, sets `stop` at
    // its own first failure (the planted bug: one is enough).
    void run(uint64_t operations, std::atomic<bool>& stop, bool stop_at_failure) {
        for (uint64_t op = 0; op < operations && !stop.load(std::memory_order_relaxed); ++op) {
            const unsigned dice = static_cast<unsigned>(random_() % 100);
            if (dice < (restores_mostly_ ? 20u : 40u))
                store(random_order());
            else if (dice < 95)
                check_restore(random_key(random_order()));
            else
                invalidate();
            ++out_.operations;
            if (stop_at_failure && out_.failures() != 0)
                stop.store(true, std::memory_order_relaxed);
        }
    }
    void final_check() {
        for (uint64_t index = 0; index < pages_per_worker; ++index)
            check_restore({index, 0});
    }

private:
    struct folio {
        uint64_t index;
        unsigned order;
    };
    unsigned random_order() {
        if (restores_mostly_)
            return 4; // the widest copy windows, for the planted bug
        const unsigned dice = static_cast<unsigned>(random_() % 100);
        return dice < 40 ? 0 : dice < 60 ? 1 : dice < 75 ? 2 : dice < 90 ? 3 : 4;
    }
    folio random_key(unsigned order) {
        return {(random_() % pages_per_worker) & ~((uint64_t{1} << order) - 1), order};
    }
    page_key key(uint64_t index) const { return {fs_, inode_, index}; }

    void store(unsigned order) {
        const folio f = random_key(order);
        const uint64_t version = ++version_;
        for (uint32_t i = 0; i < (1u << order); ++i)
            stamp_page(buffer_.data() + i * test_page_bytes, key(f.index + i), version);
        const auto stored = pool_.store(key(f.index), order, buffer_.data());
        if (!stored && stored.error() != errc::no_space)
            fail(out_.errors, "store returned " + std::string(error_name(stored.error())));
        for (uint32_t i = 0; i < (1u << order); ++i)
            latest_[f.index + i] = stored ? version : 0;
    }

    void check_restore(folio f) {
        const uint32_t pages = 1u << f.order;
        std::memset(buffer_.data(), 0xA5, pages * test_page_bytes);
        ++out_.restores;
        const auto filled = pool_.restore(key(f.index), f.order, buffer_.data());
        if (!filled) {
            fail(out_.errors, "restore returned " + std::string(error_name(filled.error())));
            return;
        }
        for (uint32_t i = 0; i < pages; ++i) {
            if (!filled->test(i)) {
                ++out_.misses;
            } else {
                ++out_.hits;
                check_page(f.index + i, buffer_.data() + i * test_page_bytes);
            }
        }
        if constexpr (Pool::config::on_restore == restore_mode::exclusive)
            for (uint32_t i = 0; i < pages; ++i)
                latest_[f.index + i] = 0;
    }

    void check_page(uint64_t index, const unsigned char* data) {
        const uint64_t expected = latest_[index];
        if (expected != 0 && page_matches(data, key(index), expected))
            return;
        bool zero = true;
        for (uint64_t b = 0; b < test_page_bytes && zero; ++b)
            zero = data[b] == 0;
        uint64_t header[4];
        std::memcpy(header, data, sizeof header);
        const std::string where = "index " + std::to_string(index) + ", expected version " +
                                  std::to_string(expected) + ": ";
        if (zero)
            fail(out_.zeroes, where + "a discarded page's zeroes");
        else if (header[1] == inode_ && header[2] == index &&
                 page_matches(data, key(index), header[3]))
            fail(out_.wrong_version, where + "version " + std::to_string(header[3]));
        else
            fail(out_.garbage, where + "bytes of no version");
    }

    void invalidate() {
        const unsigned order = random_order();
        const folio f = random_key(order);
        if (!pool_.invalidate(key(f.index), order))
            fail(out_.errors, "invalidate refused");
        for (uint32_t i = 0; i < (1u << order); ++i)
            latest_[f.index + i] = 0;
    }

    void fail(uint64_t& counter, const std::string& what) {
        ++counter;
        if (out_.first_failure.empty())
            out_.first_failure = "inode " + std::to_string(inode_) + ": " + what;
    }

    Pool& pool_;
    fs_id fs_;
    uint64_t inode_;
    std::mt19937_64 random_;
    bool restores_mostly_;
    worker_result& out_;
    std::vector<uint64_t> latest_;
    std::vector<unsigned char> buffer_;
    uint64_t version_ = 0;
};

struct run_options {
    bool notify = false;      // the host also notifies the driver of each discard
    bool resize = true;       // the host changes the requested size under load
    bool planted_bug = false; // stop at the first failure instead of failing
};

struct run_totals {
    uint64_t operations = 0, hits = 0, misses = 0, failures = 0, zeroes = 0;
    uint64_t discards = 0, resizes = 0, discarded = 0;
    std::string first_failure;
    std::string host_failure; // written by the host threads (Catch2 asserts on the main one)
};

template <class Config>
run_totals run(const char* name, const run_options& options) {
    using pool_type = cleancache_pool<Config>;
    const uint64_t seed = base_seed();
    CAPTURE(seed);
    discardable_arena arena(region, test_page_bytes);
    pool_geometry geometry;
    geometry.slots = static_cast<uint32_t>(region.count);
    geometry.max_block_pages = block_pages;
    typename Config::page_memory memory{};
    if constexpr (std::is_same_v<typename Config::page_memory, second_read_skipped_memory>)
        memory.real = arena.page_memory();
    else
        memory = arena.page_memory();
    owned_pool<Config> owned(geometry, memory);
    pool_type& pool = *owned;
    auto device =
        tmem_device<pool_type>::create(pool, "tmem", region, block_pages * test_page_bytes);
    REQUIRE(device.has_value());
    REQUIRE(device->set_requested_size(region.count * test_page_bytes).has_value());
    const fs_id fs = pool.add_fs().value();

    const unsigned workers_wanted = worker_count();
    std::vector<worker_result> results(workers_wanted);
    std::vector<worker<pool_type>> workers;
    for (unsigned t = 0; t < workers_wanted; ++t)
        workers.emplace_back(pool, fs, uint64_t{t}, seed + 1 + t, options.planted_bug, results[t]);
    std::atomic<bool> go{false}, stop{false}, caught{false};
    std::atomic<unsigned> running{workers_wanted};
    run_totals totals;
    std::string host_failures[2]; // one per host thread
    const uint64_t operations =
        options.planted_bug ? 50 * operations_per_worker() : operations_per_worker();

    std::thread discarder([&] { // the host, discarding pages it wants back, at any moment
        std::mt19937_64 random(seed ^ 0xD15C);
        while (!go.load(std::memory_order_acquire))
            std::this_thread::yield();
        while (running.load(std::memory_order_acquire) != 0) {
            const pfn_t aimed = planted_target.load(std::memory_order_relaxed);
            const pfn_t pfn = options.planted_bug && aimed != 0 && random() % 2 == 0
                                  ? aimed
                                  : region.first + random() % region.count;
            arena.discard(pfn);
            ++totals.discards;
            if (options.notify && random() % 2 == 0 && !device->on_discarded({pfn, 1}))
                host_failures[0] = "on_discarded refused a page of the region";
            if (!options.planted_bug) // else as fast as it can: a discard inside each copy
                std::this_thread::yield();
        }
    });
    std::thread resizer([&] { // the host, changing the device's requested size
        std::mt19937_64 random(seed ^ 0x5125);
        while (!go.load(std::memory_order_acquire))
            std::this_thread::yield();
        const uint64_t blocks = region.count / block_pages;
        while (options.resize && running.load(std::memory_order_acquire) != 0) {
            const uint64_t dice = random() % 8;
            const uint64_t target = dice == 0 ? 0 : dice == 1 ? blocks : random() % (blocks + 1);
            const uint64_t bytes = target * block_pages * test_page_bytes;
            if (!device->set_requested_size(bytes) || device->config().plugged_size != bytes ||
                pool.donor_info(device->donor())->size != target * block_pages)
                host_failures[1] = "a resize to " + std::to_string(bytes) + " bytes fell short";
            ++totals.resizes;
            std::this_thread::yield();
        }
    });
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < workers_wanted; ++t)
        threads.emplace_back([&, t] {
            while (!go.load(std::memory_order_acquire))
                std::this_thread::yield();
            workers[t].run(operations, options.planted_bug ? caught : stop, options.planted_bug);
            if (options.planted_bug && results[t].failures() != 0)
                caught.store(true, std::memory_order_relaxed);
            running.fetch_sub(1, std::memory_order_acq_rel);
        });
    go.store(true, std::memory_order_release);
    for (std::thread& thread : threads)
        thread.join();
    discarder.join();
    resizer.join();

    // Every copy has ended: the pool is consistent; with the whole region plugged again, what
    // stayed cached is exact.
    REQUIRE(device->set_requested_size(region.count * test_page_bytes).has_value());
    const char* broken = pool.check_invariants();
    INFO("invariants: " << (broken ? broken : "ok"));
    REQUIRE(broken == nullptr);
    if (!options.planted_bug)
        for (auto& w : workers)
            w.final_check();
    for (const worker_result& r : results) {
        totals.operations += r.operations;
        totals.hits += r.hits;
        totals.misses += r.misses;
        totals.failures += r.failures();
        totals.zeroes += r.zeroes;
        if (totals.first_failure.empty())
            totals.first_failure = r.first_failure;
    }
    totals.discarded = pool.stats().discarded;
    totals.host_failure = host_failures[0] + host_failures[1];
    std::printf("discard concurrency %s: seed %#llx, %u workers: %llu operations, %llu hits, "
                "%llu misses, %llu host discards (%llu detected or notified), %llu resizes, "
                "%llu failures (%llu zero pages)\n",
                name, static_cast<unsigned long long>(seed), workers_wanted,
                static_cast<unsigned long long>(totals.operations),
                static_cast<unsigned long long>(totals.hits),
                static_cast<unsigned long long>(totals.misses),
                static_cast<unsigned long long>(totals.discards),
                static_cast<unsigned long long>(totals.discarded),
                static_cast<unsigned long long>(totals.resizes),
                static_cast<unsigned long long>(totals.failures),
                static_cast<unsigned long long>(totals.zeroes));
    return totals;
}

void require_exact(const run_totals& totals) {
    INFO("first failure: " << totals.first_failure << "; host: " << totals.host_failure);
    CHECK(totals.host_failure.empty());
    CHECK(totals.failures == 0);
    CHECK(totals.hits > 0);      // otherwise nothing was checked
    CHECK(totals.discards > 0);  // otherwise nothing raced the copies
    CHECK(totals.discarded > 0); // and the pool learnt of some
}

} // namespace

TEST_CASE("restores never return a discarded page while the host discards and resizes "
          "(detection only)",
          "[pool][concurrency][discard]") {
    require_exact(run<tmem_park_config>("detection, drop/inclusive", {false, true, false}));
}

TEST_CASE("restores never return a discarded page while the host discards and resizes "
          "(with notification, split/exclusive)",
          "[pool][concurrency][discard]") {
    require_exact(
        run<tmem_split_exclusive_config>("notification, split/exclusive", {true, true, false}));
}

// The checks above must be able to fail: with the second generation read skipped, a discard
// landing inside a restore's copy goes through, and the workers find its zeroes.
TEST_CASE("planted bug: skipping the read after the copy lets discarded zeroes through",
          "[pool][concurrency][discard][planted]") {
    const run_totals totals =
        run<planted_bug_config>("planted bug (second read skipped)", {false, false, true});
    INFO("first failure: " << totals.first_failure);
    REQUIRE(totals.zeroes > 0);
}
