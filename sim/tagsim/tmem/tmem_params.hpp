// The virtio-tmem model's parameters (docs/tmem.md, "The model"): a host with N guests whose
// memory it takes back and gives again as its own free-memory target moves, through one of
// three mechanisms: a virtio-tmem device (a cleancache the host shrinks and may discard), a
// virtio-balloon, or a virtio-mem device (its memory onlined to ZONE_MOVABLE or ZONE_NORMAL).
// Every constant is cited or labelled an assumption. Hosted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tagcache::sim {

// One guest: memory it always has, memory the host may take back, and what it runs.
struct tmem_guest_params {
    double boot_mib = 2048;     // boot memory, ZONE_NORMAL; never taken back
    double flexible_mib = 2048; // what the host lends and takes back: the tmem region, the
                                // balloon's range, the virtio-mem region
    double anon_mib = 1024;     // anonymous memory in use (constant over the run)
    double kernel_mib = 128;    // unmovable kernel memory (slab, page tables). Assumption.
    double swap_mib = 1024;     // swap space. Assumption.
    double reads_per_s = 10000; // file page reads (through the page cache)
    double file_set_mib = 8192; // the files read: a hot set, and a stream over the rest
    double hot_set_mib = 2560;
    double hot_share = 0.9; // share of reads from the hot set (uniformly)
    double file_mib = 4;    // size of each file (the pool keys pages by file and index)
};

// The host's free-memory target over time: a step function through these points (the target
// holds from each point's time to the next one's). Read from the scenario, or from a trace
// file of lines "TIME_S FREE_TARGET_MIB" (docs/tmem.md, "Host pressure traces").
struct pressure_point {
    double time_s = 0;
    double free_target_mib = 0;
};

// Per-page and per-request costs of giving memory back, in microseconds of guest CPU time.
struct tmem_costs {
    // Dropping a clean cached page (tmem take-back of a page holding data; the balloon's and
    // virtio-mem's reclaim of a clean page-cache page): GCMA's per-page cost, the slope of
    // its allocation-latency fit (GCMA RFC v2, Feb 2015; sim/tagsim/machines/cost_model.hpp). The
    // balloon's and virtio-mem's reclaim priced the same is an assumption: both drop clean
    // pages, through the page allocator's reclaim rather than a cleancache.
    double drop_page_us = 3.190476;
    // Migrating a page (virtio-mem unplug of a block in use: alloc_contig_range): CMA's
    // per-page cost, the slope of its fit in the same RFC (cost_model.hpp's cma_latency_fit).
    double migrate_page_us = 72.760928;
    // Writing an anonymous page to swap: 4 KiB at 400 MB/s. Assumption.
    double swap_out_page_us = 10;
    // Reading it back on a fault (a random 4 KiB read from an SSD). Assumption.
    double swap_in_page_us = 100;
    // One request to the device through its virtqueue, answered (tmem and virtio-mem: per
    // block; the balloon: per 256 pages, VIRTIO_BALLOON_ARRAY_PFNS_MAX in Linux's
    // drivers/virtio/virtio_balloon.c). Assumption.
    double request_us = 20;
};

struct tmem_params {
    std::string name = "tmem";
    uint64_t seed = 1;
    double duration_s = 300;
    double tick_s = 0.01; // the model's step: the host decides, guests read and reclaim
    double host_mib = 16384;
    double host_reserved_mib = 1024; // the host's own use (hypervisor, host processes)
    std::vector<tmem_guest_params> guests;
    std::vector<pressure_point> pressure;
    // A rise of the free target by at least this much at once is sudden: the tmem host then
    // discards the pages it wants back directly, without waiting for the guests.
    double sudden_mib = 1024;
    // Time and work to return this much are reported (the first shrink asking at least this).
    double report_mib = 1024;
    // Device block size of virtio-mem and of the tmem device: 2 MiB, QEMU's default for
    // virtio-mem on x86-64 and arm64 (the THP size; hw/virtio/virtio-mem.c).
    double block_mib = 2;
    // The tmem driver learns of discards by notification (true) or only by detection.
    bool notify_discards = true;
    tmem_costs costs;
    // Share of one vCPU a guest spends returning memory while it has to. Assumption.
    double guest_cpu_share = 1.0;
    // Free memory a guest keeps (Linux's watermarks); reclaim works to keep it. Assumption.
    double guest_reserve_mib = 64;
    // The page cache a guest keeps before it swaps anonymous memory out. Assumption.
    double page_cache_floor_mib = 64;
    // Share of a guest's swapped-out pages it faults back in each second. Assumption.
    double swap_in_share_per_s = 0.02;
    // Linux's balloon sleeps this long when a page cannot be had ("Out of puff!", msleep(200)
    // in fill_balloon(), drivers/virtio/virtio_balloon.c).
    double balloon_retry_s = 0.2;
    // virtio-mem retries an unplug that fell short (-EBUSY) after a timer of 50 s doubling to
    // 300 s (VIRTIO_MEM_RETRY_TIMER_MIN_MS/_MAX_MS, drivers/virtio/virtio_mem.c).
    double virtio_mem_retry_min_s = 50;
    double virtio_mem_retry_max_s = 300;
    // ZONE_NORMAL: unmovable allocations are grouped in pageblocks (2 MiB, one device block)
    // filled to this share, spread over the guest's memory in proportion. Assumption.
    double unmovable_pageblock_fill = 0.5;
    // Chance that one block's unplug fails for a moment (a short-term pin, e.g. O_DIRECT I/O in
    // flight; Hildenbrand, lore.kernel.org/all/4e7a4054-092c-4e34-ae00-0105d7c9343c@redhat.com).
    // Assumption.
    double transient_unplug_failure = 0.02;
};

// The default tmem scenario (sim/scenarios/tmem.json holds the same values): a 16 GiB host,
// four guests of 2 GiB boot and 2 GiB flexible memory with 0.6 to 1.8 GiB of anonymous memory,
// their page caches warm, and a free target that jumps from 512 MiB to 7 GiB at 60 s (sudden:
// the host wants almost all flexible memory back), falls to 1 GiB at 150 s, climbs to 3 GiB
// in 512 MiB steps from 200 s (gradual) and falls back to 512 MiB at 260 s.
inline tmem_params default_tmem_params() {
    tmem_params p;
    p.name = "tmem";
    const double anon[] = {614, 1024, 1434, 1850};
    for (const double a : anon) {
        tmem_guest_params g;
        g.anon_mib = a;
        p.guests.push_back(g);
    }
    p.pressure = {{0, 512},    {60, 7168},  {150, 1024}, {200, 1536},
                  {205, 2048}, {210, 2560}, {215, 3072}, {260, 512}};
    return p;
}

} // namespace tagcache::sim
