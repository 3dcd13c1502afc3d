// What the guests of the virtio-tmem model share whatever mechanism returns their memory: the
// file-read workload, the page cache (an LRU whose capacity follows free memory), anonymous
// memory and swap, and the guest's reclaim, which frees a page the way Linux would for a
// balloon or an unplug: free memory first, then the least recently used clean page-cache page,
// then an anonymous page written to swap. Hosted.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

#include "resizable_page_cache.hpp"
#include "tmem_params.hpp"

namespace tagcache::sim {

inline constexpr uint64_t tmem_page_bytes = 4096;
inline constexpr double pages_per_mib = 1048576.0 / tmem_page_bytes;

inline uint64_t mib_to_pages(double mib) {
    return static_cast<uint64_t>(mib * pages_per_mib + 0.5);
}

// What a guest did to give memory back (or take it again), and what it cost it.
struct memory_return_work {
    double cpu_us = 0;        // guest CPU time spent on it
    double refault_us = 0;    // swap-ins of pages it had swapped out (lost performance)
    uint64_t dropped = 0;     // cached pages dropped by a tmem take-back
    uint64_t reclaimed = 0;   // page-cache pages reclaimed
    uint64_t swapped_out = 0; // anonymous pages written to swap
    uint64_t swapped_in = 0;
    uint64_t migrated = 0;        // pages migrated out of a block being unplugged
    uint64_t requests = 0;        // requests to the device
    uint64_t failures = 0;        // balloon "out of puff", virtio-mem blocks that would not go
    uint64_t host_discarded = 0;  // tmem: pages the host discarded directly
    uint64_t discards_learnt = 0; // tmem: of those holding data, those the pool learnt of
};

struct read_counts {
    uint64_t reads = 0, page_cache_hits = 0, second_level_hits = 0;
};

class tmem_guest_base {
public:
    tmem_guest_base(const tmem_params& params, const tmem_guest_params& guest, uint32_t index)
        : p_(params)
        , g_(guest)
        , boot_pages_(mib_to_pages(guest.boot_mib))
        , flexible_pages_(mib_to_pages(guest.flexible_mib))
        , kernel_pages_(mib_to_pages(guest.kernel_mib))
        , anon_resident_(mib_to_pages(guest.anon_mib))
        , swap_pages_(mib_to_pages(guest.swap_mib))
        , reserve_pages_(mib_to_pages(params.guest_reserve_mib))
        , floor_pages_(mib_to_pages(params.page_cache_floor_mib))
        , file_pages_(std::max<uint64_t>(mib_to_pages(guest.file_set_mib), 1))
        , hot_pages_(std::min(mib_to_pages(guest.hot_set_mib), file_pages_))
        , pages_per_file_(std::max<uint64_t>(mib_to_pages(guest.file_mib), 1))
        , random_(params.seed * 0x9E3779B97F4A7C15ull + index)
        , cache_(file_pages_, static_cast<uint32_t>(boot_pages_ + flexible_pages_))
        , stream_at_(hot_pages_) {}

    const read_counts& reads() const noexcept { return reads_; }
    const memory_return_work& work() const noexcept { return work_; }
    uint64_t boot_pages() const noexcept { return boot_pages_; }
    uint64_t flexible_pages() const noexcept { return flexible_pages_; }
    uint64_t files() const noexcept { return files_of(g_); }
    // A guest's files: its file set in files of file-mib (at least one page each).
    static uint64_t files_of(const tmem_guest_params& guest) noexcept {
        const uint64_t pages = std::max<uint64_t>(mib_to_pages(guest.file_set_mib), 1);
        const uint64_t per_file = std::max<uint64_t>(mib_to_pages(guest.file_mib), 1);
        return (pages + per_file - 1) / per_file;
    }
    // What every guest allocates, whatever its mechanism: its page cache.
    static uint64_t required_bytes(const tmem_guest_params& guest) noexcept {
        return resizable_page_cache::required_bytes(
            std::max<uint64_t>(mib_to_pages(guest.file_set_mib), 1),
            mib_to_pages(guest.boot_mib) + mib_to_pages(guest.flexible_mib));
    }
    uint64_t pages_per_file() const noexcept { return pages_per_file_; }

protected:
    // The guest's memory now: what its page cache can use is what kernel, anonymous memory and
    // the reserve leave of it.
    uint64_t page_cache_room(uint64_t memory_pages) const noexcept {
        const uint64_t taken = kernel_pages_ + anon_resident_ + reserve_pages_;
        return memory_pages > taken ? memory_pages - taken : 0;
    }
    uint64_t free_pages(uint64_t memory_pages) const noexcept {
        const uint64_t used = kernel_pages_ + anon_resident_ + cache_.size();
        return memory_pages > used ? memory_pages - used : 0;
    }

    // Warm start: the page cache (and `extra` pages beyond it, which it evicts into a second
    // level) filled as if the guest had run a while: the stream's pages least recent, the hot
    // set most recent. The model's runs are minutes, a guest's uptime is days.
    template <class Evicted>
    void warm(uint64_t extra, Evicted&& evicted) {
        const uint64_t want = std::min<uint64_t>(file_pages_, cache_.capacity() + extra);
        const uint64_t hot = std::min(want, hot_pages_);
        for (uint64_t i = 0; i < want - hot; ++i)
            cache_.insert(hot_pages_ + i, evicted);
        for (uint64_t i = 0; i < hot; ++i)
            cache_.insert(i, evicted);
        stream_at_ =
            hot_pages_ + (want - hot) < file_pages_ ? hot_pages_ + (want - hot) : hot_pages_;
    }

    // This tick's file reads. `second_level(page)`: a page-cache miss looks there (tmem);
    // `evicted(page)`: the page cache dropped a page (tmem stores it).
    template <class SecondLevel, class Evicted>
    void read_files(double dt, SecondLevel&& second_level, Evicted&& evicted) {
        read_carry_ += g_.reads_per_s * dt;
        const auto count = static_cast<uint64_t>(read_carry_);
        read_carry_ -= static_cast<double>(count);
        for (uint64_t i = 0; i < count; ++i) {
            const uint64_t page = next_page();
            ++reads_.reads;
            if (cache_.touch(page)) {
                ++reads_.page_cache_hits;
                continue;
            }
            if (second_level(page))
                ++reads_.second_level_hits;
            cache_.insert(page, evicted);
        }
    }

    // Swapped-out pages the guest touches again come back in, taking page-cache room.
    template <class Evicted>
    void fault_swapped_pages(double dt, uint64_t memory_pages, Evicted&& evicted) {
        swap_in_carry_ += static_cast<double>(swapped_) * p_.swap_in_share_per_s * dt;
        auto count = static_cast<uint64_t>(swap_in_carry_);
        swap_in_carry_ -= static_cast<double>(count);
        const uint64_t room =
            memory_pages > kernel_pages_ + anon_resident_ + reserve_pages_ + floor_pages_
                ? memory_pages - kernel_pages_ - anon_resident_ - reserve_pages_ - floor_pages_
                : 0;
        count = std::min({count, swapped_, room});
        swapped_ -= count;
        anon_resident_ += count;
        work_.swapped_in += count;
        work_.refault_us += static_cast<double>(count) * p_.costs.swap_in_page_us;
        fit_page_cache(memory_pages, evicted);
    }

    template <class Evicted>
    void fit_page_cache(uint64_t memory_pages, Evicted&& evicted) {
        cache_.set_capacity(static_cast<uint32_t>(page_cache_room(memory_pages)), evicted);
    }

    // Frees one page of a guest that has `memory_pages`, for a balloon or an unplug: a free
    // page above the reserve, else the page cache's least recent page (down to its floor),
    // else an anonymous page to swap. Adds its cost to `cost_us`; false when nothing can go.
    template <class Evicted>
    bool free_one_page(uint64_t memory_pages, double& cost_us, Evicted&& evicted) {
        if (free_pages(memory_pages) > reserve_pages_)
            return true;
        if (cache_.size() > floor_pages_) {
            cache_.set_capacity(cache_.size() - 1, evicted);
            ++work_.reclaimed;
            cost_us += p_.costs.drop_page_us;
            return true;
        }
        if (anon_resident_ > 0 && swapped_ < swap_pages_) {
            --anon_resident_;
            ++swapped_;
            ++work_.swapped_out;
            cost_us += p_.costs.swap_out_page_us;
            return true;
        }
        return false;
    }

    // The guest CPU time (us) this step may spend giving memory back: its share of the step,
    // less what earlier steps overspent (a block's migration can take longer than a step).
    double budget_for(double dt) const noexcept {
        return dt * p_.guest_cpu_share * 1e6 - overspent_us_;
    }
    void settle_budget(double left) noexcept { overspent_us_ = left < 0 ? -left : 0; }

    const tmem_params& p_;
    const tmem_guest_params& g_;
    uint64_t boot_pages_, flexible_pages_, kernel_pages_, anon_resident_, swap_pages_;
    uint64_t reserve_pages_, floor_pages_;
    uint64_t swapped_ = 0;
    memory_return_work work_;
    read_counts reads_;

private:
    // The hot set uniformly with probability hot_share, else the next page of a stream over
    // the rest of the file set (wrapping). Integer draws only, so that runs are reproducible.
    uint64_t next_page() {
        const uint64_t draw = random_();
        const double unit = static_cast<double>(draw >> 11) * 0x1.0p-53;
        if (hot_pages_ != 0 && (unit < g_.hot_share || hot_pages_ == file_pages_))
            return random_() % hot_pages_;
        const uint64_t page = stream_at_;
        stream_at_ = stream_at_ + 1 < file_pages_ ? stream_at_ + 1 : hot_pages_;
        return page;
    }

    uint64_t file_pages_, hot_pages_, pages_per_file_;
    std::mt19937_64 random_;

protected:
    resizable_page_cache cache_;

private:
    uint64_t stream_at_;
    double read_carry_ = 0, swap_in_carry_ = 0;
    double overspent_us_ = 0;
};

} // namespace tagcache::sim
