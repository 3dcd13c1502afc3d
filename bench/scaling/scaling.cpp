// tagcache_scaling: throughput and take-back latency of a pool used by T threads at once, the
// single-lock pool (cleancache_pool) against the sharded one (sharded_pool, --shards of 16, 64
// or 256; 64 by default).
//
// Each thread runs a page-cache-like mix on inodes of its own: 45 % restores, 45 % stores of
// order-0 pages (4 KiB copied in or out, as a kernel cleancache does), 10 % take-back of a
// donor page followed by its donation. Thread t takes back only pfns p with p % T == t, so two
// threads never race for one page (the pool allows it; the benchmark measures the common case).
// Each (configuration, T) point runs for --seconds after an untimed fill; rounds interleave
// every point, and the table gives the median of the rounds: operations per second, its ratio
// to one thread of the same configuration, and take-back p50/p99 (steady_clock around each
// take-back, its own cost included). The pool's invariants are checked after every point and
// any error other than no_space fails the run, so the CI smoke run also checks correctness.
#include <tagcache/tagcache.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

using namespace tagcache;

namespace {

struct data_config : default_pool_config {
    using lock = spin_then_park_lock;
    using page_memory = arena_page_memory;
};
struct metadata_config : default_pool_config {
    using lock = spin_then_park_lock;
};

struct options {
    std::vector<unsigned> threads{1, 2};
    double seconds = 0.5;
    unsigned rounds = 5;
    uint32_t slots = 16384;
    uint32_t shards = 64;
    bool metadata_only = false;
    bool pin = true;
    bool json = false;
};

struct point {
    double ops_per_second = 0, hit_ratio = 0;
    uint64_t take_back_p50_ns = 0, take_back_p99_ns = 0;
};

struct alignas(64) thread_result {
    uint64_t operations = 0, hits = 0, restores = 0, errors = 0;
    std::vector<uint32_t> take_back_ns;
    std::string first_error;
};

unsigned usable_cpus() {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return static_cast<unsigned>(CPU_COUNT(&set));
#endif
    return std::thread::hardware_concurrency();
}

void pin_to(unsigned index) {
#ifdef __linux__
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    unsigned seen = 0;
    for (unsigned cpu = 0; cpu < CPU_SETSIZE; ++cpu)
        if (CPU_ISSET(cpu, &allowed) && seen++ == index % usable_cpus()) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
            return;
        }
#else
    (void)index;
#endif
}

template <class Pool>
void worker(Pool& pool, fs_id fs, const pfn_range& range, unsigned id, unsigned threads,
            const options& opt, std::atomic<unsigned>& filled, const std::atomic<int>& phase,
            thread_result& out) {
    if (opt.pin)
        pin_to(id);
    std::mt19937_64 random(0x5CA1E + id);
    std::vector<unsigned char> page(4096, static_cast<unsigned char>(id));
    // All threads together address twice the pool, whatever their number, so that the hit
    // ratio (and the copies it implies) stays the same from one thread count to the next.
    const uint64_t inodes = 64, pages_per_inode = std::max<uint64_t>(1, opt.slots / 32 / threads);
    auto key = [&] {
        return page_key{fs, uint64_t{id} * 4096 + random() % inodes, random() % pages_per_inode};
    };
    auto error = [&](errc e, const char* what) {
        if (e == errc::no_space)
            return;
        if (out.errors++ == 0)
            out.first_error = std::string(what) + ": " + error_message(e);
    };
    // Untimed fill: this thread's share of the pool.
    for (uint64_t i = 0; i < opt.slots / threads; ++i)
        if (const auto r = pool.store(key(), 0, page.data()); !r)
            error(r.error(), "store");
    filled.fetch_add(1, std::memory_order_release);
    while (phase.load(std::memory_order_acquire) == 0) {
    }
    const uint64_t my_pages = (range.count - id + threads - 1) / threads;
    while (phase.load(std::memory_order_relaxed) == 1) {
        const unsigned dice = static_cast<unsigned>(random() % 100);
        if (dice < 45) {
            const auto r = pool.restore(key(), 0, page.data());
            ++out.restores;
            if (!r)
                error(r.error(), "restore");
            else
                out.hits += r->count();
        } else if (dice < 90) {
            if (const auto r = pool.store(key(), 0, page.data()); !r)
                error(r.error(), "store");
        } else {
            const pfn_t pfn = range.first + id + (random() % my_pages) * threads;
            const auto start = std::chrono::steady_clock::now();
            const auto taken = pool.take_back(0, pfn);
            const auto took = std::chrono::steady_clock::now() - start;
            if (!taken)
                error(taken.error(), "take_back");
            out.take_back_ns.push_back(static_cast<uint32_t>(
                std::chrono::duration_cast<std::chrono::nanoseconds>(took).count()));
            if (const auto r = pool.donate(0, pfn); !r)
                error(r.error(), "donate");
        }
        ++out.operations;
    }
}

template <class Config, uint32_t Shards>
point measure(unsigned threads, const options& opt) {
    pool_geometry geometry;
    geometry.slots = opt.slots;
    owned_pool<Config, Shards> owned(geometry);
    auto& pool = *owned;
    const pfn_range range{0x100000, opt.slots};
    const uint32_t donor = pool.register_donor("tag", span<const pfn_range>(&range, 1)).value();
    if (pool.donate_range(donor, range) != range.count)
        throw std::runtime_error("donation refused");
    const fs_id fs = pool.add_fs().value();

    std::vector<thread_result> results(threads);
    std::atomic<int> phase{0};
    std::atomic<unsigned> filled{0};
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back(
            [&, t] { worker(pool, fs, range, t, threads, opt, filled, phase, results[t]); });
    while (filled.load(std::memory_order_acquire) != threads)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto start = std::chrono::steady_clock::now();
    phase.store(1, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.seconds));
    phase.store(2, std::memory_order_release);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (std::thread& w : workers)
        w.join();

    point p;
    uint64_t operations = 0, hits = 0, restores = 0;
    std::vector<uint32_t> take_back_ns;
    for (const thread_result& r : results) {
        if (r.errors != 0)
            throw std::runtime_error(std::to_string(r.errors) + " errors; first: " + r.first_error);
        operations += r.operations;
        hits += r.hits;
        restores += r.restores;
        take_back_ns.insert(take_back_ns.end(), r.take_back_ns.begin(), r.take_back_ns.end());
    }
    if (const char* broken = pool.check_invariants())
        throw std::runtime_error(std::string("pool invariant broken: ") + broken);
    std::sort(take_back_ns.begin(), take_back_ns.end());
    auto at = [&](double q) {
        return take_back_ns.empty()
                   ? uint64_t{0}
                   : uint64_t{
                         take_back_ns[static_cast<size_t>(q * double(take_back_ns.size() - 1))]};
    };
    p.ops_per_second = double(operations) / elapsed;
    p.hit_ratio = restores == 0 ? 0 : double(hits) / double(restores);
    p.take_back_p50_ns = at(0.50);
    p.take_back_p99_ns = at(0.99);
    return p;
}

template <class Config>
point measure_config(bool sharded, unsigned threads, const options& opt) {
    if (!sharded)
        return measure<Config, 1>(threads, opt);
    switch (opt.shards) {
    case 16:
        return measure<Config, 16>(threads, opt);
    case 256:
        return measure<Config, 256>(threads, opt);
    default:
        return measure<Config, 64>(threads, opt);
    }
}

const char* usage =
    "Usage: tagcache_scaling [options]\n"
    "Throughput and take-back latency of the single-lock pool and the sharded pool under T\n"
    "threads: 45% restores, 45% stores, 10% take-back + donate.\n"
    "  --threads LIST   comma-separated thread counts (default 1,2)\n"
    "  --seconds S      measured time per point and round (default 0.5)\n"
    "  --rounds N       interleaved rounds; medians are reported (default 5)\n"
    "  --slots N        pool slots, in [1024, 4194304] (default 16384)\n"
    "  --shards N       shards of the sharded pool: 16, 64 or 256 (default 64); each shard\n"
    "                   evicts alone, so keep thousands of slots per shard\n"
    "  --metadata-only  no page memory: nothing copied (the lock's share is then largest)\n"
    "  --no-pin         do not pin thread i to the i-th allowed CPU\n"
    "  --json           one JSON object instead of a table\n";

[[noreturn]] void bad_option(const std::string& message) {
    std::fprintf(stderr, "tagcache_scaling: %s (see --help)\n", message.c_str());
    std::exit(2);
}

uint64_t number(const std::string& option, const std::string& text, uint64_t min, uint64_t max) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || text[0] == '-' || *end != '\0' || errno == ERANGE || value < min ||
        value > max)
        bad_option(option + ": '" + text + "' is not an integer in [" + std::to_string(min) + ", " +
                   std::to_string(max) + "]");
    return value;
}

options parse(int argc, char** argv) {
    options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc)
                bad_option(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--help" || arg == "-h") {
            std::fputs(usage, stdout);
            std::exit(0);
        } else if (arg == "--threads") {
            o.threads.clear();
            const std::string list = value();
            size_t at = 0;
            while (at <= list.size()) {
                const size_t comma = std::min(list.find(',', at), list.size());
                o.threads.push_back(
                    static_cast<unsigned>(number(arg, list.substr(at, comma - at), 1, 256)));
                at = comma + 1;
            }
        } else if (arg == "--seconds") {
            const std::string text = value();
            char* end = nullptr;
            o.seconds = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !(o.seconds >= 0.01 && o.seconds <= 60))
                bad_option("--seconds: '" + text + "' is not a number in [0.01, 60]");
        } else if (arg == "--rounds") {
            o.rounds = static_cast<unsigned>(number(arg, value(), 1, 100));
        } else if (arg == "--slots") {
            o.slots = static_cast<uint32_t>(number(arg, value(), 1024, uint64_t{1} << 22));
        } else if (arg == "--shards") {
            o.shards = static_cast<uint32_t>(number(arg, value(), 16, 256));
            if (o.shards != 16 && o.shards != 64 && o.shards != 256)
                bad_option("--shards: 16, 64 or 256");
        } else if (arg == "--metadata-only") {
            o.metadata_only = true;
        } else if (arg == "--no-pin") {
            o.pin = false;
        } else if (arg == "--json") {
            o.json = true;
        } else {
            bad_option("unknown option '" + arg + "'");
        }
    }
    return o;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) try {
    const options opt = parse(argc, argv);
    const size_t points = opt.threads.size() * 2;
    std::vector<std::vector<point>> rounds(points); // [config * threads + t][round]
    for (unsigned round = 0; round < opt.rounds; ++round)
        for (size_t t = 0; t < opt.threads.size(); ++t)
            for (int sharded = 0; sharded < 2; ++sharded) {
                const point p = opt.metadata_only
                                    ? measure_config<metadata_config>(sharded, opt.threads[t], opt)
                                    : measure_config<data_config>(sharded, opt.threads[t], opt);
                rounds[size_t(sharded) * opt.threads.size() + t].push_back(p);
            }
    auto med = [&](size_t i, auto field) {
        std::vector<double> v;
        for (const point& p : rounds[i])
            v.push_back(double(field(p)));
        return median(v);
    };
    const std::string sharded_name = std::to_string(opt.shards) + " shards";
    const char* names[2] = {"single lock", sharded_name.c_str()};
    if (opt.json)
        std::printf("{\"cpus\": %u, \"copies\": %s, \"points\": [", usable_cpus(),
                    opt.metadata_only ? "false" : "true");
    else
        std::printf("%u CPUs, %u slots, %s, %.2f s per point, median of %u rounds\n"
                    "%-12s %7s %14s %9s %12s %12s %9s\n",
                    usable_cpus(), opt.slots, opt.metadata_only ? "metadata only" : "4 KiB copies",
                    opt.seconds, opt.rounds, "pool", "threads", "ops/s", "x 1 thr", "take p50 ns",
                    "take p99 ns", "hit %");
    for (int sharded = 0; sharded < 2; ++sharded)
        for (size_t t = 0; t < opt.threads.size(); ++t) {
            const size_t i = size_t(sharded) * opt.threads.size() + t;
            const double ops = med(i, [](const point& p) { return p.ops_per_second; });
            size_t one = i;
            for (size_t u = 0; u < opt.threads.size(); ++u)
                if (opt.threads[u] == 1)
                    one = size_t(sharded) * opt.threads.size() + u;
            const double speedup = ops / med(one, [](const point& p) { return p.ops_per_second; });
            const double p50 = med(i, [](const point& p) { return p.take_back_p50_ns; });
            const double p99 = med(i, [](const point& p) { return p.take_back_p99_ns; });
            const double hits = 100 * med(i, [](const point& p) { return p.hit_ratio; });
            if (opt.json)
                std::printf("%s{\"pool\": \"%s\", \"threads\": %u, \"ops_per_second\": %.0f, "
                            "\"speedup\": %.3f, \"take_back_p50_ns\": %.0f, "
                            "\"take_back_p99_ns\": %.0f, \"hit_percent\": %.2f}",
                            i == 0 ? "" : ", ", names[sharded], opt.threads[t], ops, speedup, p50,
                            p99, hits);
            else
                std::printf("%-12s %7u %14.0f %9.2f %12.0f %12.0f %9.2f\n", names[sharded],
                            opt.threads[t], ops, speedup, p50, p99, hits);
        }
    if (opt.json)
        std::printf("]}\n");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "tagcache_scaling: %s\n", e.what());
    return 1;
}
