// tagcache_latency: per-operation latency percentiles (p50, p99, p99.9, max) of what bounds a
// tag-storage reservation: the pool's take-back and donate, the tag-storage manager's
// reserve-with-drop, and the CMA baseline's reserve with 0, 1 or all pages of a block migrating.
//
// Timing: each operation gets its own pair of cycle-counter reads (x86: lfence+rdtsc /
// rdtscp+lfence; aarch64: isb + cntvct_el0; elsewhere steady_clock), because p99.9 and max need
// per-operation samples, which batching would average away. The median cost of two
// back-to-back reads is subtracted from every sample (negative results clamp to 0), and ticks
// are converted to ns with a ratio calibrated against steady_clock over 100 ms.
//
// Every operation runs on many slots/blocks in a seeded pseudo-random order, in rounds: a batch
// of distinct pages is taken through the operation, then the pool is refilled untimed. So the
// metadata an operation touches is warm in the outer caches but not in L1 from the operation
// just before it on the same slot. One untimed warm-up round precedes each measured series.
#include <tagcache/tagcache.hpp>
#include <tagsim/machines/cma_baseline.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

using namespace tagcache;

namespace {

// ---- timer --------------------------------------------------------------------------------

#if defined(__x86_64__) || defined(__i386__)
constexpr const char* timer_name = "rdtsc (lfence+rdtsc / rdtscp+lfence), overhead subtracted";
// The fences keep the operation's instructions from moving before the start read or after the
// stop read (rdtsc alone is not ordered).
inline uint64_t read_start() noexcept {
    _mm_lfence();
    const uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}
inline uint64_t read_stop() noexcept {
    unsigned cpu;
    const uint64_t t = __rdtscp(&cpu);
    _mm_lfence();
    return t;
}
#elif defined(__aarch64__)
constexpr const char* timer_name = "cntvct_el0 with isb, overhead subtracted";
inline uint64_t read_counter() noexcept {
    uint64_t t;
    __asm__ __volatile__("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(t) : : "memory");
    return t;
}
inline uint64_t read_start() noexcept {
    return read_counter();
}
inline uint64_t read_stop() noexcept {
    return read_counter();
}
#else
constexpr const char* timer_name = "steady_clock, overhead subtracted";
inline uint64_t read_start() noexcept {
    return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}
inline uint64_t read_stop() noexcept {
    return read_start();
}
#endif

// Keeps the compiler from moving memory accesses across a timer read.
inline void compiler_barrier() noexcept {
    __asm__ __volatile__("" : : : "memory");
}

struct timer_calibration {
    double ns_per_tick = 1;
    uint64_t overhead_ticks = 0; // median of back-to-back start/stop pairs
};

timer_calibration calibrate_timer() {
    timer_calibration c;
    std::vector<uint64_t> pairs(20000);
    for (uint64_t& p : pairs) {
        const uint64_t start = read_start();
        compiler_barrier();
        p = read_stop() - start;
    }
    std::nth_element(pairs.begin(), pairs.begin() + std::ptrdiff_t(pairs.size() / 2), pairs.end());
    c.overhead_ticks = pairs[pairs.size() / 2];
    using clock = std::chrono::steady_clock;
    const auto wall_start = clock::now();
    const uint64_t ticks_start = read_start();
    while (clock::now() - wall_start < std::chrono::milliseconds(100)) {
    }
    const uint64_t ticks_end = read_stop();
    const double wall_ns =
        std::chrono::duration<double, std::nano>(clock::now() - wall_start).count();
    c.ns_per_tick = wall_ns / static_cast<double>(ticks_end - ticks_start);
    return c;
}

// One operation's samples, in raw ticks with the timer overhead still in.
struct series {
    const char* name;
    std::vector<uint64_t> ticks;
};

void require(bool ok, const char* what) {
    if (ok)
        return;
    std::fprintf(stderr, "tagcache_latency: %s\n", what);
    std::exit(1);
}

// Runs op() between two timer reads: {raw ticks, what op returned}.
template <class Op>
auto time_one(Op&& op) {
    const uint64_t start = read_start();
    compiler_barrier();
    auto value = op();
    compiler_barrier();
    const uint64_t stop = read_stop();
    return std::pair{stop - start, value};
}

// ---- set-up shared by the pool and manager experiments --------------------------------------

constexpr uint64_t page_size_bytes = 4096;
constexpr uint64_t block_bytes = 0x4000; // bsp 4: "one page" and "all pages" of a block differ
constexpr uint32_t block_pages = 4;

// The default configuration with the ticket spinlock, holding real page bytes in an arena.
struct bench_pool_config : default_pool_config {
    using lock = ticket_spinlock;
    using page_memory = arena_page_memory;
};
using bench_pool = owned_pool<bench_pool_config>;

struct bench_tag_config {
    using lock = ticket_spinlock;
    using maintenance = no_tag_maintenance;
    using pool = cleancache_pool<bench_pool_config>;
};
using bench_manager = tag_storage_manager<bench_tag_config>;

pool_geometry geometry_for(uint32_t slots) {
    pool_geometry g;
    g.slots = slots;
    g.max_block_pages = block_pages;
    return g;
}

// One region whose tag storage has `tag_pages` pages, right after its tagged memory.
tag_map tag_map_for(uint32_t tag_pages) {
    const uint64_t tagged_base = 0x1'0000'0000;
    const uint64_t tagged_bytes = uint64_t{tag_pages} * data_pages_per_tag_page * page_size_bytes;
    const tag_region_desc desc{{tagged_base, tagged_bytes},
                               {tagged_base + tagged_bytes, uint64_t{tag_pages} * page_size_bytes},
                               block_bytes};
    return tag_map::create(span<const tag_region_desc>(&desc, 1), page_size::size_4k).value();
}

// Stores fresh order-0 pages of 4 KiB real bytes; every key is new, so a store lands in a free
// slot and, with the pool otherwise full, in exactly the slot just lent back.
class page_filler {
public:
    explicit page_filler(cleancache_pool<bench_pool_config>& pool)
        : pool_(pool)
        , fs_(pool.add_fs().value())
        , source_(page_size_bytes, 0x5A) {}
    void store(uint64_t pages) {
        for (uint64_t i = 0; i < pages; ++i, ++stored_) {
            // 64 inodes, each a growing file: far below the interned-inode capacity.
            const page_key key{fs_, 1 + stored_ % 64, stored_ / 64};
            require(pool_.store(key, 0, source_.data()).has_value(), "refill store failed");
        }
    }

private:
    cleancache_pool<bench_pool_config>& pool_;
    fs_id fs_;
    std::vector<unsigned char> source_;
    uint64_t stored_ = 0;
};

// Yields batches of distinct indexes below `count`, from a reshuffled permutation.
class batch_picker {
public:
    batch_picker(uint64_t count, std::mt19937_64& random) : order_(count), random_(random) {
        std::iota(order_.begin(), order_.end(), uint64_t{0});
        std::shuffle(order_.begin(), order_.end(), random_);
    }
    std::vector<uint64_t> next(uint64_t size) {
        if (next_ + size > order_.size()) {
            std::shuffle(order_.begin(), order_.end(), random_);
            next_ = 0;
        }
        std::vector<uint64_t> batch(order_.begin() + std::ptrdiff_t(next_),
                                    order_.begin() + std::ptrdiff_t(next_ + size));
        next_ += size;
        return batch;
    }
    void shuffle(std::vector<uint64_t>& batch) {
        std::shuffle(batch.begin(), batch.end(), random_);
    }

private:
    std::vector<uint64_t> order_;
    std::mt19937_64& random_;
    uint64_t next_ = 0;
};

// ---- (1)-(3): pool take-back of a cached page, of a free page, and donate --------------------

// Start states, per round over a batch of distinct random pages of a full pool:
//  take_back_cached: the page holds an order-0 cached page stored at least one round earlier;
//  donate:           the page was taken back earlier in this round (batch order reshuffled);
//  take_back_free:   the page is donated and empty (donated earlier in this round, reshuffled).
// Then the pages are donated again and refilled by untimed stores.
void measure_pool(uint32_t slots, uint64_t samples, std::mt19937_64& random,
                  std::vector<series>& out) {
    bench_pool owned(geometry_for(slots));
    auto& pool = *owned;
    const pfn_range pages{0x100000, slots};
    const uint32_t donor =
        pool.register_donor("bench", span<const pfn_range>(&pages, 1), block_pages).value();
    require(pool.donate_range(donor, pages) == slots, "donating the pool's pages failed");
    page_filler filler(pool);
    filler.store(slots);
    require(pool.stats().cached == slots, "the pool did not fill");

    series cached{"take_back_cached", {}}, donated{"donate", {}}, empty{"take_back_free", {}};
    for (series* s : {&cached, &donated, &empty})
        s->ticks.reserve(samples);
    batch_picker picker(slots, random);
    const uint64_t batch_size = std::min<uint64_t>(4096, slots);
    for (bool warm_up = true; cached.ticks.size() < samples; warm_up = false) {
        std::vector<uint64_t> batch =
            picker.next(std::min(batch_size, samples - cached.ticks.size()));
        auto timed = [&](series& s, auto op, const char* what) {
            for (const uint64_t i : batch) {
                const auto [ticks, done] = time_one([&] { return op(pages.first + i); });
                require(done.has_value(), what);
                if (!warm_up)
                    s.ticks.push_back(ticks);
            }
            picker.shuffle(batch);
        };
        auto take = [&](pfn_t pfn) { return pool.take_back(donor, pfn); };
        auto give = [&](pfn_t pfn) { return pool.donate(donor, pfn); };
        timed(cached, take, "take_back of a cached page failed");
        timed(donated, give, "donate of a taken-back page failed");
        timed(empty, take, "take_back of a free page failed");
        for (const uint64_t i : batch)
            require(pool.donate(donor, pages.first + i).has_value(), "re-donate failed");
        filler.store(batch.size());
        require(pool.stats().cached == slots, "refill did not land in the lent-back pages");
    }
    out.push_back(std::move(cached));
    out.push_back(std::move(empty));
    out.push_back(std::move(donated));
}

// ---- (4): tag reserve that drops cached data ----------------------------------------------

// Start state: the pool is full of cached order-0 pages, so all 4 tag pages of the block hold
// cached data; reserve(pfn, 0) of a random data page served by a random free block takes the 4
// pages back (dropping them) and calls the (empty) maintenance hooks. Release and refill are
// untimed, after the whole batch.
void measure_reserve_with_drop(uint32_t slots, uint64_t samples, std::mt19937_64& random,
                               std::vector<series>& out) {
    const tag_map map = tag_map_for(slots);
    const tag_region& region = map.region(0);
    bench_pool owned(geometry_for(slots));
    auto& pool = *owned;
    const size_t bytes = bench_manager::required_bytes(map);
    std::unique_ptr<void, decltype(&std::free)> storage(
        std::aligned_alloc(64, (bytes + 63) & ~size_t{63}), &std::free);
    bench_manager& manager = *bench_manager::create(storage.get(), bytes, map, pool).value();
    page_filler filler(pool);
    filler.store(slots);
    require(pool.stats().cached == slots, "the pool did not fill");

    series reserve{"reserve_with_drop", {}};
    reserve.ticks.reserve(samples);
    batch_picker picker(region.block_count(), random);
    std::uniform_int_distribution<uint64_t> page_in_block(0, region.data_pages_per_block() - 1);
    const uint64_t batch_size = std::min<uint64_t>(1024, region.block_count());
    for (bool warm_up = true; reserve.ticks.size() < samples; warm_up = false) {
        const auto blocks = picker.next(std::min(batch_size, samples - reserve.ticks.size()));
        std::vector<pfn_t> reserved;
        for (const uint64_t b : blocks) {
            const pfn_t pfn = region.data_pages_of_block(b).first + page_in_block(random);
            const auto [ticks, done] = time_one([&] { return manager.reserve(pfn, 0); });
            require(done.has_value(), "reserve failed");
            if (!warm_up)
                reserve.ticks.push_back(ticks);
            reserved.push_back(pfn);
        }
        require(pool.stats().cached == slots - blocks.size() * block_pages,
                "reserve did not drop exactly the block's cached pages");
        for (const pfn_t pfn : reserved)
            require(manager.release(pfn, 0).has_value(), "release failed");
        filler.store(blocks.size() * block_pages);
        require(pool.stats().cached == slots, "refill did not land in the released blocks");
    }
    out.push_back(std::move(reserve));
}

// ---- (5): the CMA baseline's reserve -------------------------------------------------------

// Start state: a free order-0 tagged page allocated in normal memory at a random data page of
// a random block, whose 4 tag pages hold `movable` order-0 movable allocations (the first
// `movable` pages of the block) and are otherwise free in CMA. The reservation migrates those to
// normal memory (metadata only: the model counts the copy, it does not perform it). Everything
// is undone untimed after each sample. cma_tag_storage::reserve reads steady_clock twice itself
// (report.measured_ns), which is inside the timed span.
void measure_cma(uint32_t tag_pages, uint32_t movable, uint64_t samples, std::mt19937_64& random,
                 std::vector<series>& out, const char* name) {
    const tag_map map = tag_map_for(tag_pages);
    const tag_region& region = map.region(0);
    const pfn_range memory[] = {region.memory};
    sim::buddy_allocator normal(memory);
    sim::allocation_table owners;
    sim::cma_tag_storage storage(map, normal, owners);

    series reserve{name, {}};
    reserve.ticks.reserve(samples);
    batch_picker picker(region.block_count(), random);
    std::uniform_int_distribution<uint64_t> page_in_block(0, region.data_pages_per_block() - 1);
    for (bool warm_up = true; reserve.ticks.size() < samples; warm_up = false) {
        for (const uint64_t b : picker.next(std::min<uint64_t>(1024, region.block_count()))) {
            const pfn_t pfn = region.data_pages_of_block(b).first + page_in_block(random);
            require(normal.allocate_at(pfn, 0) &&
                        owners.insert({pfn, 0, sim::allocation_kind::tagged, 0}),
                    "placing the tagged page failed");
            const pfn_range tags = region.tag_pages_of_block(b);
            for (uint32_t i = 0; i < movable; ++i)
                require(storage.allocate_movable_at(tags.first + i, 0),
                        "placing a movable page failed");

            const auto [ticks, report] = time_one([&] { return storage.reserve(pfn, 0); });
            require(report.error == errc::ok && !report.fell_back &&
                        report.pages_migrated == movable,
                    "CMA reserve did not migrate exactly the block's movable pages");
            if (!warm_up && reserve.ticks.size() < samples)
                reserve.ticks.push_back(ticks);

            // Undo: release the tags, free the tagged page and the migrated movable pages.
            require(storage.release(pfn, 0).has_value(), "CMA release failed");
            for (const sim::allocation_record& record : owners.records()) { // a copy
                normal.free(record.pfn, record.order);
                owners.erase(record.pfn);
            }
        }
    }
    out.push_back(std::move(reserve));
}

// ---- report ----------------------------------------------------------------------------------

struct percentiles {
    const char* name;
    size_t samples;
    double p50, p99, p999, max;
};

percentiles summarize(series& s, const timer_calibration& timer) {
    std::sort(s.ticks.begin(), s.ticks.end());
    auto ns_at = [&](double fraction) {
        // Nearest rank: the smallest sample with at least `fraction` of the samples at or below.
        const size_t rank = static_cast<size_t>(std::ceil(fraction * double(s.ticks.size())));
        const uint64_t ticks = s.ticks[std::max<size_t>(rank, 1) - 1];
        const uint64_t net = ticks > timer.overhead_ticks ? ticks - timer.overhead_ticks : 0;
        return double(net) * timer.ns_per_tick;
    };
    return {s.name, s.ticks.size(), ns_at(0.50), ns_at(0.99), ns_at(0.999), ns_at(1.0)};
}

std::string cpu_model() {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("model name", 0) == 0 || line.rfind("Model", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos && colon + 2 <= line.size())
                return line.substr(colon + 2);
        }
    }
    return "unknown";
}

std::string json_string(const std::string& text) {
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            quoted += c;
    }
    return quoted + "\"";
}

// ---- command line ----------------------------------------------------------------------------

struct options {
    uint64_t samples = 200000;
    uint64_t cma_samples = 0; // 0: samples / 4 (a CMA sample's set-up costs far more)
    uint64_t slots = 65536;
    uint64_t seed = 1;
    bool json = false;
};

constexpr const char* usage =
    "usage: tagcache_latency [--samples N] [--cma-samples N] [--slots N] [--seed N] [--json]\n"
    "Per-operation latency (p50, p99, p99.9, max in ns) of pool take-back and donate, the tag\n"
    "manager's reserve-with-drop and the CMA baseline's reserve.\n"
    "  --samples N      samples per pool/manager operation (default 200000)\n"
    "  --cma-samples N  samples per CMA reservation kind (default samples / 4)\n"
    "  --slots N        pool slots = tag pages, a multiple of 4 in [64, 1048576] (default 65536)\n"
    "  --seed N         seed of the pseudo-random page order (default 1)\n"
    "  --json           print one JSON object instead of a table\n";

[[noreturn]] void bad_option(const std::string& message) {
    std::fprintf(stderr, "tagcache_latency: %s (see --help)\n", message.c_str());
    std::exit(2);
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto number = [&](uint64_t min, uint64_t max) {
            if (i + 1 >= argc)
                bad_option(arg + " needs a value");
            const std::string text = argv[++i];
            char* end = nullptr;
            errno = 0;
            const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
            if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE || value < min ||
                value > max)
                bad_option(arg + ": '" + text + "' is not an integer in [" + std::to_string(min) +
                           ", " + std::to_string(max) + "]");
            return uint64_t{value};
        };
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (arg == "--json") {
            o.json = true;
        } else if (arg == "--samples") {
            o.samples = number(1, uint64_t{1} << 32);
        } else if (arg == "--cma-samples") {
            o.cma_samples = number(1, uint64_t{1} << 32);
        } else if (arg == "--slots") {
            o.slots = number(64, uint64_t{1} << 20);
            if (o.slots % block_pages != 0)
                bad_option("--slots: must be a multiple of 4 (whole blocks of 4 tag pages)");
        } else if (arg == "--seed") {
            o.seed = number(0, UINT64_MAX);
        } else {
            bad_option("unknown option '" + arg + "'");
        }
    }
    if (o.cma_samples == 0)
        o.cma_samples = std::max<uint64_t>(1, o.samples / 4);
    return o;
}

} // namespace

int main(int argc, char** argv) {
    const options opt = parse(argc, argv);
    const auto slots = static_cast<uint32_t>(opt.slots);
    const timer_calibration timer = calibrate_timer();
    std::mt19937_64 random(opt.seed);

    std::vector<series> results;
    measure_pool(slots, opt.samples, random, results);
    measure_reserve_with_drop(slots, opt.samples, random, results);
    measure_cma(slots, 0, opt.cma_samples, random, results, "cma_reserve_migrate_0");
    measure_cma(slots, 1, opt.cma_samples, random, results, "cma_reserve_migrate_1");
    measure_cma(slots, block_pages, opt.cma_samples, random, results, "cma_reserve_migrate_all");

    std::vector<percentiles> rows;
    for (series& s : results)
        rows.push_back(summarize(s, timer));
    const double overhead_ns = double(timer.overhead_ticks) * timer.ns_per_tick;
    const std::string cpu = cpu_model();
    // The pool and the manager copy real 4 KiB pages on store; the CMA model copies nothing.
    const char* mode = "data (pool pages hold 4 KiB of real bytes; CMA model is metadata-only)";

    if (opt.json) {
        std::printf("{\"cpu\": %s, \"timer\": %s, \"timer_overhead_ns\": %.2f, \"mode\": %s, "
                    "\"slots\": %u, \"seed\": %" PRIu64 ", \"operations\": [",
                    json_string(cpu).c_str(), json_string(timer_name).c_str(), overhead_ns,
                    json_string(mode).c_str(), slots, opt.seed);
        for (size_t i = 0; i < rows.size(); ++i) {
            const percentiles& r = rows[i];
            std::printf(
                "%s{\"name\": \"%s\", \"samples\": %zu, \"p50_ns\": %.1f, \"p99_ns\": %.1f, "
                "\"p999_ns\": %.1f, \"max_ns\": %.1f}",
                i == 0 ? "" : ", ", r.name, r.samples, r.p50, r.p99, r.p999, r.max);
        }
        std::printf("]}\n");
        return 0;
    }
    std::printf(
        "cpu:   %s\ntimer: %s; overhead %.2f ns, %.4f ns/tick\nmode:  %s\n"
        "pool:  %u slots, ticket_spinlock, LRU; tag blocks of 4 pages (0x4000); seed %" PRIu64
        "\n\n",
        cpu.c_str(), timer_name, overhead_ns, timer.ns_per_tick, mode, slots, opt.seed);
    std::printf("%-24s %9s %10s %10s %10s %12s\n", "operation", "samples", "p50 ns", "p99 ns",
                "p99.9 ns", "max ns");
    for (const percentiles& r : rows)
        std::printf("%-24s %9zu %10.1f %10.1f %10.1f %12.1f\n", r.name, r.samples, r.p50, r.p99,
                    r.p999, r.max);
    return 0;
}
