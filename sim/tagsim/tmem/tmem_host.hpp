// The host of the virtio-tmem model (docs/tmem.md, "The model"): N guests, each giving memory
// back through one strategy (a virtio-tmem device, a virtio-balloon, or virtio-mem onlined to
// ZONE_MOVABLE or ZONE_NORMAL), and a free-memory target that moves over time. At each change
// of the target the host grants each guest an equal share of what the target leaves (its
// requested size, or balloon target); when the target jumps by at least `sudden_mib`, a tmem
// host also discards the pages it wants back at once. Reported: the host's free memory and the
// guests' hit ratio over time, the time and guest work to return `report_mib`, how much of each
// requested shrink was met, failures, and the tag storage KVM must reserve with MTE on.
// Hosted.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tmem_guests.hpp"
#include "virtio_mem_guest.hpp"

namespace tagcache::sim {

enum class tmem_strategy { tmem, balloon, virtio_mem_movable, virtio_mem_normal };
inline constexpr tmem_strategy tmem_strategies[] = {tmem_strategy::tmem, tmem_strategy::balloon,
                                                    tmem_strategy::virtio_mem_movable,
                                                    tmem_strategy::virtio_mem_normal};

inline const char* strategy_name(tmem_strategy s) {
    switch (s) {
    case tmem_strategy::tmem:
        return "virtio-tmem";
    case tmem_strategy::balloon:
        return "virtio-balloon";
    case tmem_strategy::virtio_mem_movable:
        return "virtio-mem (movable)";
    case tmem_strategy::virtio_mem_normal:
        return "virtio-mem (normal)";
    }
    return "?";
}

struct tmem_sample {
    double time_s = 0;
    double target_free_mib = 0;
    double host_free_mib = 0; // host memory less its own use and the guests' footprints
    double hit_ratio = 0;     // page cache + tmem, reads since the previous sample
    double tag_reserve_mib = 0;
};

struct tmem_result {
    tmem_strategy strategy = tmem_strategy::tmem;
    std::vector<tmem_sample> samples;
    // The first shrink (after boot) asking at least report_mib: how long and how much guest CPU
    // until the host had report_mib back; `returned` false if it never did.
    bool returned = false;
    double return_s = 0, return_cpu_ms = 0;
    uint64_t return_pages_touched = 0; // dropped + reclaimed + swapped out + migrated
    // All shrinks after boot: what the host asked for, and what it got before its next change.
    double shrink_requested_mib = 0, shrink_met_mib = 0;
    memory_return_work work; // summed over the guests
    read_counts reads;
    double min_host_free_mib = 0;
    double seconds_below_target = 0;
    double tag_reserve_peak_mib = 0, tag_reserve_mean_mib = 0;
    // virtio-tmem only: the same if the region were mapped without tag access (an assumption:
    // the guest never maps it as tagged memory, so KVM need not back it with tag storage).
    double tag_reserve_untagged_region_mib = 0;
    uint64_t unpluggable_blocks = 0; // virtio-mem (normal): blocks with unmovable pages
};

namespace detail {

inline void add_work(memory_return_work& to, const memory_return_work& w) {
    to.cpu_us += w.cpu_us;
    to.refault_us += w.refault_us;
    to.dropped += w.dropped;
    to.reclaimed += w.reclaimed;
    to.swapped_out += w.swapped_out;
    to.swapped_in += w.swapped_in;
    to.migrated += w.migrated;
    to.requests += w.requests;
    to.failures += w.failures;
    to.host_discarded += w.host_discarded;
    to.discards_learnt += w.discards_learnt;
}

inline uint64_t pages_touched(const memory_return_work& w) {
    return w.dropped + w.reclaimed + w.swapped_out + w.migrated;
}

// The free target at `t` (a step function; before the first point, the first point's).
inline double target_at(const std::vector<pressure_point>& points, double t) {
    double target = points.empty() ? 0 : points.front().free_target_mib;
    for (const pressure_point& p : points)
        if (p.time_s <= t)
            target = p.free_target_mib;
    return target;
}

template <class Guest>
tmem_result run_guests(const tmem_params& p, tmem_strategy strategy, std::vector<Guest>& guests) {
    tmem_result r;
    r.strategy = strategy;
    const auto n = static_cast<double>(guests.size());
    const auto footprint = [&] {
        uint64_t pages = 0;
        for (const Guest& g : guests)
            pages += g.footprint_pages();
        return pages;
    };
    const auto work = [&] {
        memory_return_work w;
        for (const Guest& g : guests)
            detail::add_work(w, g.work());
        return w;
    };
    uint64_t boot_pages = 0, flexible_pages = 0;
    for (const Guest& g : guests) {
        boot_pages += g.boot_pages();
        flexible_pages += g.flexible_pages();
    }
    const double usable_mib = p.host_mib - p.host_reserved_mib;
    size_t next_point = 0;
    double last_target = -1;

    // Each guest's share of what the free target leaves of the host, beyond boot memory.
    const auto grant_pages = [&](double target) {
        const double flexible_mib =
            usable_mib - target - static_cast<double>(boot_pages) / pages_per_mib;
        return static_cast<uint64_t>(std::max(0.0, flexible_mib / n) * pages_per_mib);
    };

    // The shrink being watched for report_mib, and the one whose outcome is pending.
    bool watching = false;
    uint64_t watch_from_pages = 0;
    double watch_from_s = 0;
    memory_return_work watch_from_work;
    bool shrink_open = false;
    uint64_t shrink_from_pages = 0, shrink_goal_pages = 0;
    const auto close_shrink = [&] {
        if (!shrink_open)
            return;
        const uint64_t now = footprint();
        const uint64_t asked = shrink_from_pages - shrink_goal_pages;
        const uint64_t got = now < shrink_from_pages ? shrink_from_pages - now : 0;
        r.shrink_requested_mib += static_cast<double>(asked) / pages_per_mib;
        r.shrink_met_mib += static_cast<double>(std::min(asked, got)) / pages_per_mib;
        shrink_open = false;
    };

    const auto ticks = static_cast<uint64_t>(std::llround(p.duration_s / p.tick_s));
    const auto ticks_per_sample =
        std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(1.0 / p.tick_s)));
    read_counts window_start;
    double tag_sum = 0;
    r.min_host_free_mib = usable_mib;
    // Boot: the guests start with what the target at time 0 grants them (nothing to give back
    // yet): the last point at or before 0, or the first point when it comes later, since the
    // target holds before the first point as from it (target_at; docs/tmem.md).
    if (!p.pressure.empty()) {
        last_target = p.pressure.front().free_target_mib;
        for (; next_point < p.pressure.size() && p.pressure[next_point].time_s <= 0; ++next_point)
            last_target = p.pressure[next_point].free_target_mib;
        const uint64_t grant = grant_pages(last_target);
        for (Guest& g : guests)
            g.boot(std::min(grant, g.flexible_pages()));
    }
    for (uint64_t tick = 0; tick < ticks; ++tick) {
        const double now = static_cast<double>(tick) * p.tick_s;
        // The host's decision at each point of the trace.
        while (next_point < p.pressure.size() && p.pressure[next_point].time_s <= now) {
            const double target = p.pressure[next_point++].free_target_mib;
            const uint64_t grant = grant_pages(target);
            close_shrink();
            const uint64_t before = footprint();
            const memory_return_work work_before = work(); // the host's discards count in
            uint64_t goal = boot_pages;
            for (Guest& g : guests) {
                g.set_target(std::min(grant, g.flexible_pages()));
                goal += std::min(grant, g.flexible_pages());
            }
            if (p.pressure.size() > 0 && last_target >= 0 && target - last_target >= p.sudden_mib)
                for (Guest& g : guests)
                    g.host_discard();
            if (now > 0 && before > goal) {
                shrink_open = true;
                shrink_from_pages = before;
                shrink_goal_pages = goal;
                if (!watching && !r.returned &&
                    static_cast<double>(before - goal) / pages_per_mib >= p.report_mib) {
                    watching = true;
                    watch_from_pages = before;
                    watch_from_s = now;
                    watch_from_work = work_before;
                }
            }
            last_target = target;
        }
        for (Guest& g : guests)
            g.step(now, p.tick_s);
        const uint64_t pages = footprint();
        if (watching && watch_from_pages > pages &&
            static_cast<double>(watch_from_pages - pages) / pages_per_mib >= p.report_mib) {
            watching = false;
            r.returned = true;
            r.return_s = now + p.tick_s - watch_from_s;
            const memory_return_work w = work();
            r.return_cpu_ms = (w.cpu_us - watch_from_work.cpu_us) / 1000;
            r.return_pages_touched = pages_touched(w) - pages_touched(watch_from_work);
        }
        const double target = target_at(p.pressure, now);
        const double free_mib = usable_mib - static_cast<double>(pages) / pages_per_mib;
        r.min_host_free_mib = std::min(r.min_host_free_mib, free_mib);
        if (free_mib < target)
            r.seconds_below_target += p.tick_s;
        // A sample a second of model time, and one at the end of a run that is not a whole
        // number of seconds: a run shorter than a second is measured too.
        if ((tick + 1) % ticks_per_sample == 0 || tick + 1 == ticks) {
            read_counts reads;
            for (const Guest& g : guests) {
                reads.reads += g.reads().reads;
                reads.page_cache_hits += g.reads().page_cache_hits;
                reads.second_level_hits += g.reads().second_level_hits;
            }
            const uint64_t window = reads.reads - window_start.reads;
            const uint64_t hits = reads.page_cache_hits + reads.second_level_hits -
                                  window_start.page_cache_hits - window_start.second_level_hits;
            window_start = reads;
            tmem_sample s;
            s.time_s = now + p.tick_s;
            s.target_free_mib = target;
            s.host_free_mib = free_mib;
            s.hit_ratio = window == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(window);
            // KVM must back all guest memory with tag storage: 1/32 of it (4 bits per 16 bytes).
            s.tag_reserve_mib = static_cast<double>(pages) / pages_per_mib / 32;
            tag_sum += s.tag_reserve_mib;
            r.tag_reserve_peak_mib = std::max(r.tag_reserve_peak_mib, s.tag_reserve_mib);
            r.samples.push_back(s);
        }
    }
    close_shrink();
    r.work = work();
    for (const Guest& g : guests) {
        r.reads.reads += g.reads().reads;
        r.reads.page_cache_hits += g.reads().page_cache_hits;
        r.reads.second_level_hits += g.reads().second_level_hits;
    }
    r.tag_reserve_mean_mib =
        r.samples.empty() ? 0 : tag_sum / static_cast<double>(r.samples.size());
    r.tag_reserve_untagged_region_mib = static_cast<double>(boot_pages) / pages_per_mib / 32;
    (void)flexible_pages;
    return r;
}

} // namespace detail

// Host memory the model needs for `p`, about: the guests of one strategy live at a time, and
// a virtio-tmem guest allocates the most (tmem_guest::required_bytes). Measured (-O2, four
// booted tmem guests, peak RSS growth): 192 MiB for the default scenario's, estimated 188;
// 1,512 MiB for guests of 16 + 16 GiB with 64 GiB file sets, estimated 1,506.
inline uint64_t tmem_required_bytes(const tmem_params& p) {
    uint64_t bytes = 0;
    for (const tmem_guest_params& g : p.guests)
        bytes += tmem_guest::required_bytes(p, g);
    return bytes;
}

inline tmem_result run_tmem_strategy(const tmem_params& p, tmem_strategy strategy) {
    const auto count = static_cast<uint32_t>(p.guests.size());
    switch (strategy) {
    case tmem_strategy::tmem: {
        std::vector<tmem_guest> guests;
        guests.reserve(count);
        for (uint32_t i = 0; i < count; ++i)
            guests.emplace_back(p, p.guests[i], i);
        return detail::run_guests(p, strategy, guests);
    }
    case tmem_strategy::balloon: {
        std::vector<balloon_guest> guests;
        guests.reserve(count);
        for (uint32_t i = 0; i < count; ++i)
            guests.emplace_back(p, p.guests[i], i);
        return detail::run_guests(p, strategy, guests);
    }
    case tmem_strategy::virtio_mem_movable:
    case tmem_strategy::virtio_mem_normal: {
        const bool movable = strategy == tmem_strategy::virtio_mem_movable;
        std::vector<virtio_mem_guest> guests;
        guests.reserve(count);
        for (uint32_t i = 0; i < count; ++i)
            guests.emplace_back(p, p.guests[i], i, movable);
        tmem_result r = detail::run_guests(p, strategy, guests);
        for (const virtio_mem_guest& g : guests)
            r.unpluggable_blocks += g.unpluggable_blocks();
        return r;
    }
    }
    return {};
}

} // namespace tagcache::sim
