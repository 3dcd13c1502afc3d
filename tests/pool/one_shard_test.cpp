// One shard is the single pool, operation for operation and counter for counter
// (docs/design.md): a randomized, seeded differential run of sharded_pool<C, 1> against
// cleancache_pool<C> over every public operation (filesystems, stores, restores, readahead
// walks, invalidations, donor registration, donations and take-backs one by one and by range,
// stale reclaim, the host's discards) and every observation (each result and error, restored bytes,
// every counter, every donor's figures, is_donated, the invariants). Zero divergences allowed; the
// seed and the operation are printed on failure.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "discard_fixtures.hpp"
#include "pool_fixtures.hpp"

using namespace tagcache;
using namespace tagcache::test;

namespace {

std::string describe(const pool_stats& s) {
    std::ostringstream out;
    for_each_counter(s,
                     [&](const char* name, uint64_t value) { out << name << '=' << value << ' '; });
    return out.str();
}

template <class T>
std::string describe(const result<T>& r) {
    if (!r)
        return std::string("error ") + error_name(r.error());
    if constexpr (std::is_same_v<T, void>)
        return "ok";
    else if constexpr (requires { r->word(); })
        return "filled " + std::to_string(r->word());
    else
        return "ok " + std::to_string(static_cast<uint64_t>(*r));
}

// The pfns donors may register: the two registered at the start, and a window the run's
// registrations wrap around in (a discardable device must know every page up front).
constexpr pfn_range start_donor_range(uint32_t d) {
    return {0x100'0000 + pfn_t{d} * 0x1'0000, 192};
}
constexpr pfn_range registration_window{0x1'0000, 0x1100};

// A discardable configuration gets one device per pool, discarded in step.
template <class Config>
inline constexpr bool discards = cleancache_pool<Config>::discardable;
template <class Config>
struct devices_of {
    test_discard_device single{{start_donor_range(0), start_donor_range(1), registration_window}};
    test_discard_device sharded{{start_donor_range(0), start_donor_range(1), registration_window}};
    typename Config::page_memory single_memory() { return {&single}; }
    typename Config::page_memory sharded_memory() { return {&sharded}; }
};
template <class Config>
requires(!discards<Config>) struct devices_of<Config> {
    typename Config::page_memory single_memory() { return {}; }
    typename Config::page_memory sharded_memory() { return {}; }
};

template <class Config>
class one_shard_run {
public:
    explicit one_shard_run(uint64_t seed)
        : random_(seed)
        , single_(geometry(), devices_.single_memory())
        , sharded_(geometry(), devices_.sharded_memory()) {}

    static pool_geometry geometry() {
        pool_geometry g;
        g.slots = 768;
        g.max_block_pages = 4;
        g.max_ranges = 16;
        g.filesystems = 4;
        g.inodes = 24; // small: stores of new inodes must evict for a handle
        return g;
    }

    void run(uint64_t operations) {
        // Two filesystems and two donors with every page donated to start from; the run then
        // registers, donates and takes back more.
        same("add_fs", single_->add_fs(), sharded_->add_fs());
        same("add_fs", single_->add_fs(), sharded_->add_fs());
        for (uint32_t d = 0; d < 2; ++d) {
            const pfn_range range = start_donor_range(d);
            const span<const pfn_range> s(&range, 1);
            same("register_donor", single_->register_donor("start", s, 4u >> d),
                 sharded_->register_donor("start", s, 4u >> d));
            check("donate_range",
                  single_->donate_range(d, range) == sharded_->donate_range(d, range));
            donors_.push_back(range);
        }
        for (step_ = 0; step_ < operations; ++step_) {
            one_operation();
            if (step_ % 64 == 0)
                compare_observations();
        }
        compare_observations();
        check("invariants",
              single_->check_invariants() == nullptr && sharded_->check_invariants() == nullptr);
    }

    uint64_t hits() const { return hits_; }
    uint64_t walked() const { return walked_; }
    const pool_stats& final_stats() const { return final_; }

private:
    uint64_t draw(uint64_t bound) { return random_() % bound; }

    void check(const std::string& what, bool agreed) {
        if (!agreed)
            FAIL("step " << step_ << ": " << what);
    }
    template <class T>
    void same(const std::string& what, const result<T>& x, const result<T>& y) {
        bool agreed = x.has_value() == y.has_value();
        if (agreed && !x)
            agreed = x.error() == y.error();
        else if (agreed) {
            if constexpr (!std::is_same_v<T, void>)
                agreed = *x == *y;
        }
        check(what + ": single " + describe(x) + ", one shard " + describe(y), agreed);
    }

    fs_id any_fs() { return static_cast<fs_id>(draw(10) == 0 ? 2 + draw(6) : draw(2)); }
    uint32_t any_donor() { return static_cast<uint32_t>(draw(donors_.size() + 1)); }
    pfn_t any_pfn() {
        if (donors_.empty() || draw(20) == 0)
            return 0x9'0000 + draw(64); // nobody's
        const auto& r = donors_[draw(donors_.size())];
        return r.first + draw(r.count);
    }
    page_key any_key(unsigned order) {
        const uint64_t index =
            draw(50) == 0 ? max_page_index - draw(24) : draw(160); // crosses 64-page chunks
        return {any_fs(), draw(6), index & ~((uint64_t{1} << order) - 1)};
    }

    void one_operation() {
        const uint64_t dice = draw(1000);
        if (dice < 300)
            store();
        else if (dice < 600)
            restore();
        else if (dice < 720)
            restore_run();
        else if (dice < 780)
            invalidate();
        else if (dice < 800)
            invalidate_inode();
        else if (dice < 805)
            invalidate_fs();
        else if (dice < 810)
            add_or_remove_fs();
        else if (dice < 820)
            reclaim_stale();
        else if (dice < 825)
            register_donor();
        else if (dice < 920)
            donate_or_take_back();
        else if (dice < 950)
            by_range();
        else if (dice < 980 || !discards<Config>)
            observe_donor();
        else
            host_discards();
    }

    // The host discards a few pages of both devices alike, and sometimes says so.
    void host_discards() {
        if constexpr (discards<Config>) {
            const uint32_t donor = any_donor();
            const pfn_range range{any_pfn(), 1 + draw(8)};
            for (pfn_t pfn = range.first; pfn < range.end(); ++pfn)
                if (registration_window.contains(pfn) || start_donor_range(0).contains(pfn) ||
                    start_donor_range(1).contains(pfn)) {
                    devices_.single.discard(pfn);
                    devices_.sharded.discard(pfn);
                }
            if (draw(2) == 0)
                same("on_discarded", single_->on_discarded(donor, range),
                     sharded_->on_discarded(donor, range));
        }
    }

    void store() {
        const unsigned order = static_cast<unsigned>(draw(5));
        const page_key key = any_key(order);
        for (unsigned i = 0; i < (1u << order); ++i)
            stamp_page(page_.data() + i * test_page_bytes, {key.fs, key.inode, key.index + i},
                       step_);
        const bool workingset = draw(4) != 0;
        same("store", single_->store(key, order, page_.data(), workingset),
             sharded_->store(key, order, page_.data(), workingset));
    }
    void restore() {
        const unsigned order = static_cast<unsigned>(draw(5));
        const page_key key = any_key(order);
        const auto x = single_->restore(key, order, a_.data());
        const auto y = sharded_->restore(key, order, b_.data());
        same("restore", x, y);
        if (x && y) {
            for (unsigned i = 0; i < (1u << order); ++i) {
                check("restore: which pages", x->test(i) == y->test(i));
                if (x->test(i))
                    check("restore: bytes",
                          std::memcmp(a_.data() + i * test_page_bytes,
                                      b_.data() + i * test_page_bytes, test_page_bytes) == 0);
            }
            hits_ += x->count();
        }
    }
    void restore_run() {
        const page_key key = any_key(0);
        const uint64_t count = draw(8) == 0 ? 0 : 1 + draw(80);
        const auto into = [](std::vector<unsigned char>& pages, uint64_t first) {
            return [&pages, first](uint64_t index) noexcept {
                return static_cast<void*>(pages.data() + (index - first) % 16 * test_page_bytes);
            };
        };
        const auto x =
            single_->restore_run(key.fs, key.inode, key.index, count, into(a_, key.index));
        const auto y =
            sharded_->restore_run(key.fs, key.inode, key.index, count, into(b_, key.index));
        same("restore_run", x, y);
        if (x && y && *x == *y && *x != 0) {
            check("restore_run: bytes",
                  std::memcmp(a_.data(), b_.data(), (*x < 16 ? *x : 16) * test_page_bytes) == 0);
            walked_ += *x;
        }
    }
    void invalidate() {
        const unsigned order = static_cast<unsigned>(draw(5));
        const page_key key = any_key(order);
        same("invalidate", single_->invalidate(key, order), sharded_->invalidate(key, order));
    }
    void invalidate_inode() {
        const fs_id fs = any_fs();
        const uint64_t inode = draw(6);
        same("invalidate_inode", single_->invalidate_inode(fs, inode),
             sharded_->invalidate_inode(fs, inode));
    }
    void invalidate_fs() {
        const fs_id fs = any_fs();
        same("invalidate_fs", single_->invalidate_fs(fs), sharded_->invalidate_fs(fs));
    }
    void add_or_remove_fs() {
        if (draw(2) == 0) {
            same("add_fs", single_->add_fs(), sharded_->add_fs());
        } else {
            const fs_id fs = any_fs();
            same("remove_fs", single_->remove_fs(fs), sharded_->remove_fs(fs));
        }
    }
    void reclaim_stale() {
        const auto slots = static_cast<uint32_t>(draw(64));
        single_->reclaim_stale(slots);
        sharded_->reclaim_stale(slots);
    }
    void register_donor() {
        // One to three ranges of blocks of 1, 2 or 4 pages; sometimes ragged, overlapping or
        // too large, so that refusals are compared too.
        const uint32_t block = 1u << draw(3);
        std::vector<pfn_range> ranges;
        for (uint64_t i = 0, n = 1 + draw(3); i < n; ++i) {
            const pfn_t first = registration_window.first + next_pfn_ + draw(4) * 4;
            ranges.push_back({first, block * (1 + draw(24)) + (draw(12) == 0 ? 1u : 0u)});
            // Sometimes the next one overlaps; all of them within the window.
            next_pfn_ = (next_pfn_ + (draw(10) == 0 ? 0u : 0x100u)) % 0x1000u;
        }
        const uint64_t quota = draw(3) == 0 ? 1 + draw(64) : 0;
        const span<const pfn_range> s(ranges.data(), ranges.size());
        const auto x = single_->register_donor("d", s, block, quota);
        same("register_donor", x, sharded_->register_donor("d", s, block, quota));
        if (x)
            for (const pfn_range& r : ranges)
                donors_.push_back(r);
    }
    void donate_or_take_back() {
        const uint32_t donor = any_donor();
        const pfn_t pfn = any_pfn();
        if (draw(2) == 0)
            same("donate", single_->donate(donor, pfn), sharded_->donate(donor, pfn));
        else
            same("take_back", single_->take_back(donor, pfn), sharded_->take_back(donor, pfn));
    }
    void by_range() {
        const uint32_t donor = any_donor();
        const pfn_range range{any_pfn(), 1 + draw(40)};
        std::vector<std::pair<pfn_t, errc>> refused_x, refused_y;
        const bool donating = draw(2) == 0;
        const auto note = [](auto& list) {
            return [&list](pfn_t pfn, errc e) noexcept { list.emplace_back(pfn, e); };
        };
        const uint64_t x = donating ? single_->donate_range(donor, range, note(refused_x))
                                    : single_->take_back_range(donor, range, note(refused_x));
        const uint64_t y = donating ? sharded_->donate_range(donor, range, note(refused_y))
                                    : sharded_->take_back_range(donor, range, note(refused_y));
        check(std::string(donating ? "donate_range" : "take_back_range") + ": " +
                  std::to_string(x) + " vs " + std::to_string(y),
              x == y && refused_x == refused_y);
    }
    void observe_donor() {
        const uint32_t donor = any_donor();
        const pfn_t pfn = any_pfn();
        same("is_donated", single_->is_donated(donor, pfn), sharded_->is_donated(donor, pfn));
        const auto x = single_->donor_info(donor);
        const auto y = sharded_->donor_info(donor);
        check("donor_info: found", x.has_value() == y.has_value());
        if (x && y)
            check("donor_info " + std::to_string(donor),
                  std::string(x->name) == y->name && x->size == y->size && x->cached == y->cached &&
                      x->free == y->free && x->recalled == y->recalled);
    }

    void compare_observations() {
        const pool_stats x = single_->stats(), y = sharded_->stats();
        check("stats: single " + describe(x) + "/ one shard " + describe(y), x == y);
        check("donor_count", single_->donor_count() == sharded_->donor_count());
        for (uint32_t d = 0; d <= single_->donor_count(); ++d) {
            const auto dx = single_->donor_info(d);
            const auto dy = sharded_->donor_info(d);
            check("donor_info " + std::to_string(d),
                  dx.has_value() == dy.has_value() &&
                      (!dx || (dx->size == dy->size && dx->cached == dy->cached &&
                               dx->free == dy->free && dx->recalled == dy->recalled)));
        }
        final_ = x;
    }

    std::mt19937_64 random_;
    devices_of<Config> devices_; // before the pools, which keep pointers to them
    owned_pool<Config> single_;
    owned_sharded_pool<Config, 1> sharded_;
    std::vector<pfn_range> donors_; // every registered range, of any donor
    pfn_t next_pfn_ = 0;
    uint64_t step_ = 0, hits_ = 0, walked_ = 0;
    pool_stats final_;
    std::vector<unsigned char> page_ = std::vector<unsigned char>(16 * test_page_bytes),
                               a_ = std::vector<unsigned char>(16 * test_page_bytes),
                               b_ = std::vector<unsigned char>(16 * test_page_bytes);
};

// owned_pool<C, 1> is the single pool itself; the run below builds sharded_pool<C, 1> directly.
static_assert(std::is_same_v<owned_pool<data_config, 1>::pool_type, cleancache_pool<data_config>>);

} // namespace

TEMPLATE_TEST_CASE("one shard is the single pool, operation for operation and counter for counter",
                   "[pool][sharded][differential]", data_config, split_exclusive_config,
                   workingset_spinlock_config, discard_config, discard_split_exclusive_config) {
    const uint64_t seed = GENERATE(0x5EED1ull, 0xD1FFull);
    CAPTURE(seed);
    one_shard_run<TestType> run(seed);
    run.run(30'000);
    const pool_stats& s = run.final_stats();
    std::printf("one shard: seed %#llx: %s\n", static_cast<unsigned long long>(seed),
                describe(s).c_str());
    // The run reached what it compares: hits, walks, evictions, take-backs, invalidations
    // (skipped stores come from workingset_spinlock_config's admission).
    CHECK(run.hits() > 1000);
    CHECK(run.walked() > 100);
    CHECK(s.reclaimed > 0);
    CHECK(s.recalled > 0);
    CHECK(s.invalidated > 0);
    CHECK(s.missed > 0);
    if constexpr (discards<TestType>)
        CHECK(s.discarded > 0);
}
