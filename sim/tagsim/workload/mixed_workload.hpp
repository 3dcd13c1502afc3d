// The simulator's workload: one seeded stream of workload_events (workload.hpp) mixing
//   - file reads through a page cache of limited size (lru_page_cache): a hot set read at
//     random and a sequential stream over a file set larger than memory; a miss looks the page
//     up in the cleancache and allocates a movable page for it, an eviction stores the clean
//     page in the cleancache and frees its page;
//   - tagged-allocation churn of orders 0..tagged_max_order around a target of live tagged
//     pages, a share of it from atomic context (tagged slab, copy_highpage, swap-in);
//   - untagged movable churn around a target of live movable pages (applications);
//   - a process that pins a share of the movable allocations (vmsplice, long O_DIRECT) and
//     holds at most a bounded number of pins, releasing the oldest first.
// The stream depends only on the parameters, never on what a machine does with it, so both
// strategies see the same events. Hosted.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <stdexcept>
#include <vector>

#include "page_cache.hpp"
#include "workload.hpp"

namespace tagcache::sim {

struct mixed_workload_params {
    uint64_t seed = 1;
    double duration_s = 10; // model time: events = duration_s x the sum of the rates

    // File reads. Pages are numbered 0..file_set_pages-1; the hot set is the first
    // hot_set_pages of them, the stream runs over the rest and wraps.
    double file_reads_per_s = 100'000;
    uint64_t page_cache_pages = 1024;
    uint64_t file_set_pages = 1u << 20;
    uint64_t hot_set_pages = 2048;
    double hot_share = 0.8;         // of reads, from the hot set
    uint64_t pages_per_file = 4096; // page p is index p % this of inode 1 + p / this

    // Tagged churn: each operation allocates with probability target / (target + live) (so
    // live pages revert to the target) and otherwise frees a random live tagged allocation.
    double tagged_ops_per_s = 10'000;
    uint64_t tagged_live_pages = 1024;
    unsigned tagged_max_order = 4; // orders uniform in 0..max
    double atomic_share = 0.3;     // of tagged allocations

    // Untagged movable churn, the same way, orders uniform in 0..movable_max_order; memory
    // is first filled to the target.
    double movable_ops_per_s = 10'000;
    uint64_t movable_live_pages = 4096;
    unsigned movable_max_order = 2;

    // The pinning process: pins this share of new movable allocations, holding at most
    // pin_limit of them (the oldest is unpinned first, and may then be freed).
    double pin_share = 0.05;
    uint64_t pin_limit = 1024;

    friend bool operator==(const mixed_workload_params&, const mixed_workload_params&) = default;

    // Files the reads touch (page p is in file 1 + p / pages_per_file), rounded up.
    uint64_t files() const noexcept { return file_set_pages / pages_per_file + 2; }

    double total_rate() const noexcept {
        return file_reads_per_s + tagged_ops_per_s + movable_ops_per_s;
    }
    // Steps after the fill: one file read, tagged operation or movable operation each.
    uint64_t steps() const noexcept {
        return static_cast<uint64_t>(duration_s * total_rate() + 0.5);
    }
};

class mixed_workload {
public:
    explicit mixed_workload(const mixed_workload_params& params)
        : params_(params)
        , rng_(params.seed)
        , cache_(params.page_cache_pages) {
        if (params.page_cache_pages == 0 || params.file_set_pages <= params.hot_set_pages ||
            params.pages_per_file == 0 || params.total_rate() <= 0 ||
            (params.hot_set_pages == 0 && params.hot_share > 0))
            throw std::invalid_argument("mixed_workload: inconsistent parameters");
    }

    // The fill: movable allocations up to the movable target (with their pins).
    template <class Sink>
    void fill(Sink&& sink) {
        while (movable_pages_ < params_.movable_live_pages)
            allocate_movable(sink);
    }

    // One step of the steady state: emits 1 to 4 events.
    template <class Sink>
    void step(Sink&& sink) {
        const double pick = uniform() * params_.total_rate();
        if (pick < params_.file_reads_per_s)
            read(sink);
        else if (pick < params_.file_reads_per_s + params_.tagged_ops_per_s)
            tagged_op(sink);
        else
            movable_op(sink);
    }

    const mixed_workload_params& params() const noexcept { return params_; }
    uint64_t file_reads() const noexcept { return reads_; }
    uint64_t page_cache_hits() const noexcept { return page_cache_hits_; }
    uint64_t page_cache_misses() const noexcept { return reads_ - page_cache_hits_; }

private:
    struct live_allocation {
        uint64_t id;
        unsigned order;
    };

    // mt19937_64's output is fixed by the standard, the distributions' are not: derive from it
    // directly, so a seed gives the same stream with every standard library.
    double uniform() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
    uint64_t below(uint64_t n) { return rng_() % n; } // n << 2^64: the bias is negligible
    page_key key_of(uint64_t page) const noexcept {
        return {0, 1 + page / params_.pages_per_file, page % params_.pages_per_file};
    }
    template <class Sink>
    uint64_t allocate(Sink& sink, allocation_kind kind, unsigned order, bool atomic = false) {
        sink(workload_event::allocate(kind, order, atomic));
        return next_id_++;
    }
    // Whether a churn operation allocates: probability target / (target + live).
    bool churn_allocates(uint64_t live, uint64_t target) {
        return uniform() * static_cast<double>(target + live) < static_cast<double>(target);
    }
    template <class Sink>
    void free_random(Sink& sink, std::vector<live_allocation>& live, uint64_t& pages) {
        const uint64_t pick = below(live.size());
        sink(workload_event::on(workload_op::free, live[pick].id));
        pages -= uint64_t{1} << live[pick].order;
        live[pick] = live.back();
        live.pop_back();
    }

    template <class Sink>
    void read(Sink& sink) {
        ++reads_;
        uint64_t page;
        if (uniform() < params_.hot_share) {
            page = below(params_.hot_set_pages);
        } else {
            page = params_.hot_set_pages + stream_;
            stream_ = (stream_ + 1) % (params_.file_set_pages - params_.hot_set_pages);
        }
        if (cache_.touch(page)) {
            ++page_cache_hits_;
            return;
        }
        if (const auto victim = cache_.evict_if_full()) {
            sink(workload_event::file(workload_op::store_file, key_of(victim->page)));
            sink(workload_event::on(workload_op::free, victim->allocation));
        }
        sink(workload_event::file(workload_op::restore_file, key_of(page)));
        cache_.insert(page, allocate(sink, allocation_kind::movable, 0));
    }

    template <class Sink>
    void tagged_op(Sink& sink) {
        if (tagged_.empty() || churn_allocates(tagged_pages_, params_.tagged_live_pages)) {
            const auto order = static_cast<unsigned>(below(params_.tagged_max_order + 1));
            const bool atomic = uniform() < params_.atomic_share;
            tagged_.push_back({allocate(sink, allocation_kind::tagged, order, atomic), order});
            tagged_pages_ += uint64_t{1} << order;
        } else {
            free_random(sink, tagged_, tagged_pages_);
        }
    }

    template <class Sink>
    void movable_op(Sink& sink) {
        if (movable_.empty() || churn_allocates(movable_pages_, params_.movable_live_pages))
            allocate_movable(sink);
        else
            free_random(sink, movable_, movable_pages_);
    }
    template <class Sink>
    void allocate_movable(Sink& sink) {
        const auto order = static_cast<unsigned>(below(params_.movable_max_order + 1));
        const uint64_t id = allocate(sink, allocation_kind::movable, order);
        movable_pages_ += uint64_t{1} << order;
        if (params_.pin_limit != 0 && uniform() < params_.pin_share) {
            // Pinned allocations are held by the pinning process, not freed by the churn.
            sink(workload_event::on(workload_op::pin, id));
            pinned_.push_back({id, order});
            if (pinned_.size() > params_.pin_limit) {
                const live_allocation oldest = pinned_.front();
                pinned_.pop_front();
                sink(workload_event::on(workload_op::unpin, oldest.id));
                movable_.push_back(oldest);
            }
            return;
        }
        movable_.push_back({id, order});
    }

    mixed_workload_params params_;
    std::mt19937_64 rng_;
    lru_page_cache cache_;
    std::vector<live_allocation> tagged_, movable_; // freeable
    std::deque<live_allocation> pinned_;            // oldest first
    uint64_t next_id_ = 0, tagged_pages_ = 0, movable_pages_ = 0;
    uint64_t stream_ = 0, reads_ = 0, page_cache_hits_ = 0;
};

} // namespace tagcache::sim
