// The three ways a guest of the virtio-tmem model gives the host memory back (docs/tmem.md):
//
//  - tmem_guest: the flexible memory is a virtio-tmem region, lent to a real cleancache_pool
//    (metadata only) through tmem_device; the page cache lives in boot memory and stores its
//    evicted pages in the pool. Shrinking takes blocks back (drops what they cache); under
//    sudden pressure the host discards the blocks' pages itself, at once.
//  - balloon_guest: the flexible memory is ordinary memory; a virtio-balloon inflates by
//    allocating pages, which the guest frees by reclaim (clean page cache, then swap), and may
//    fall short ("out of puff": Linux retries 200 ms later).
//  - virtio_mem_guest (virtio_mem_guest.hpp): the flexible memory is a virtio-mem region of
//    device blocks, onlined to ZONE_MOVABLE or ZONE_NORMAL; unplugging a block migrates its
//    pages away (after making room), and fails for a block with unmovable pages (ZONE_NORMAL)
//    or, rarely, for a moment.
//
// Each has set_target(flexible pages the host grants), host_discard() (the host's sudden
// reclaim: only tmem can), step(now, dt) and footprint_pages() (host memory it uses). Hosted.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include <tagcache/tagcache.hpp>

#include "../workload/limits.hpp"
#include "tmem_guest_base.hpp"

namespace tagcache::sim {

// ---- virtio-tmem ------------------------------------------------------------------------------

// The device region in the model: no bytes, one discard generation per page. The pool copies
// nothing and compares generations under its lock.
struct tmem_region_memory {
    static constexpr bool holds_data = false;
    const uint32_t* generations = nullptr;
    pfn_t first = 0;
    void* address(uint32_t, pfn_t) const noexcept { return nullptr; }
    uint32_t discard_generation(uint32_t, pfn_t pfn) const noexcept {
        return generations[pfn - first];
    }
};
struct tmem_model_config : default_pool_config {
    using page_memory = tmem_region_memory;
    // A second-level cache: a restored page moves to the page cache (old cleancache's private
    // pools and Xen tmem were exclusive in the same way).
    static constexpr restore_mode on_restore = restore_mode::exclusive;
};
using tmem_model_pool = cleancache_pool<tmem_model_config>;

class tmem_guest : public tmem_guest_base {
public:
    static constexpr pfn_t region_first = 0x100'0000; // any pfns: only the pool sees them

    tmem_guest(const tmem_params& params, const tmem_guest_params& guest, uint32_t index)
        : tmem_guest_base(params, guest, index)
        , block_pages_(mib_to_pages(params.block_mib))
        , generations_(flexible_pages_, 0)
        , discarded_block_(flexible_pages_ / block_pages_, false) {
        pool_ = std::make_unique<owned_pool<tmem_model_config>>(
            pool_geometry_for(params, guest),
            tmem_region_memory{generations_.data(), region_first});
        const pfn_range region{region_first, flexible_pages_};
        device_ = tmem_device<tmem_model_pool>::create(**pool_, "tmem", region,
                                                       block_pages_ * tmem_page_bytes)
                      .value();
        fs_ = (*pool_)->add_fs().value();
        fit_page_cache(boot_pages_, [](uint64_t) {});
    }

    // At boot the driver plugs the requested size at once (nothing is cached yet).
    void boot(uint64_t pages) {
        set_target(pages);
        (void)device_->adjust();
        tmem_model_pool& pool = **pool_;
        warm(device_->plugged_blocks() * block_pages_,
             [&](uint64_t page) { (void)pool.store(key(page), 0, nullptr); });
    }

    void set_target(uint64_t pages) {
        const uint64_t blocks = std::min<uint64_t>(pages / block_pages_, discarded_block_.size());
        (void)device_->request_size(blocks * block_pages_ * tmem_page_bytes);
        // A discarded block granted again before the driver unplugged it is the guest's again:
        // the host backs its pages as the pool reuses them (counted at once).
        for (uint64_t b = 0; b < blocks; ++b)
            if (discarded_block_[b])
                unmark_discarded(b);
    }

    // Sudden pressure: the host discards every page of the plugged blocks above the requested
    // size, now, and (with notification) tells the driver, whose pool drops their data.
    void host_discard() {
        const uint64_t requested =
            device_->config().requested_size / tmem_page_bytes / block_pages_;
        for (uint64_t b = requested; b < device_->plugged_blocks(); ++b) {
            if (discarded_block_[b])
                continue;
            const pfn_range pages = device_->block(b);
            for (uint64_t i = 0; i < pages.count; ++i)
                generations_[pages.first - region_first + i] += 2; // odd, then even: done
            discarded_block_[b] = true;
            discarded_pages_ += pages.count;
            work_.host_discarded += pages.count;
            if (p_.notify_discards) {
                const uint64_t dropped = device_->on_discarded(pages).value();
                work_.cpu_us += static_cast<double>(dropped) * p_.costs.drop_page_us;
                work_.dropped += dropped;
            }
        }
    }

    void step(double, double dt) {
        tmem_model_pool& pool = **pool_;
        read_files(
            dt,
            [&](uint64_t page) {
                const auto filled = pool.restore(key(page), 0, nullptr);
                return filled && filled->test(0);
            },
            [&](uint64_t page) { (void)pool.store(key(page), 0, nullptr); });
        // The driver follows the requested size: a block at a time, within its CPU budget.
        double budget = budget_for(dt);
        const auto requested = device_->config().requested_size / tmem_page_bytes / block_pages_;
        while (device_->plugged_blocks() != requested &&
               (device_->plugged_blocks() < requested || budget > 0)) {
            const uint64_t top = device_->plugged_blocks();
            const tmem_resize done = device_->adjust(1);
            double cost = p_.costs.request_us;
            if (done.blocks_unplugged != 0) {
                cost += static_cast<double>(done.pages_dropped) * p_.costs.drop_page_us;
                work_.dropped += done.pages_dropped;
                if (discarded_block_[top - 1])
                    unmark_discarded(top - 1);
            }
            ++work_.requests;
            work_.cpu_us += cost;
            budget -= cost;
        }
        settle_budget(budget);
        work_.discards_learnt = pool.stats().discarded;
    }

    uint64_t footprint_pages() const {
        return boot_pages_ + device_->plugged_blocks() * block_pages_ - discarded_pages_;
    }
    uint64_t flexible_footprint_pages() const { return footprint_pages() - boot_pages_; }

    // What a tmem guest allocates: the page cache, the device's generations and discard
    // marks, and the pool. A balloon or virtio-mem guest allocates less (the page cache and a
    // few bits a block), so this bounds the model's memory for every strategy.
    static uint64_t required_bytes(const tmem_params& params, const tmem_guest_params& guest) {
        const uint64_t flexible = mib_to_pages(guest.flexible_mib);
        return tmem_guest_base::required_bytes(guest) + flexible * sizeof(uint32_t) +
               flexible / mib_to_pages(params.block_mib) / 8 +
               tmem_model_pool::required_bytes(pool_geometry_for(params, guest));
    }

private:
    static pool_geometry pool_geometry_for(const tmem_params& params,
                                           const tmem_guest_params& guest) {
        pool_geometry g;
        g.slots = static_cast<uint32_t>(mib_to_pages(guest.flexible_mib));
        g.max_block_pages = static_cast<uint32_t>(mib_to_pages(params.block_mib));
        g.inodes = inode_capacity_for(files_of(guest));
        return g;
    }
    page_key key(uint64_t page) const {
        return {fs_, page / pages_per_file(), page % pages_per_file()};
    }
    void unmark_discarded(uint64_t block) {
        discarded_block_[block] = false;
        discarded_pages_ -= block_pages_;
    }

    uint64_t block_pages_;
    std::vector<uint32_t> generations_; // the device's, one per region page
    std::vector<bool> discarded_block_; // plugged blocks the host has discarded
    uint64_t discarded_pages_ = 0;      // their pages: back with the host already
    std::unique_ptr<owned_pool<tmem_model_config>> pool_;
    std::optional<tmem_device<tmem_model_pool>> device_;
    fs_id fs_ = 0;
};

// ---- virtio-balloon -----------------------------------------------------------------------------

class balloon_guest : public tmem_guest_base {
public:
    balloon_guest(const tmem_params& params, const tmem_guest_params& guest, uint32_t index)
        : tmem_guest_base(params, guest, index) {
        fit_page_cache(memory_pages(), [](uint64_t) {});
    }

    // At boot the balloon starts inflated to its target (the memory is free then).
    void boot(uint64_t pages) {
        set_target(pages);
        balloon_ = target_balloon_;
        fit_page_cache(memory_pages(), [](uint64_t) {});
        warm(0, [](uint64_t) {});
    }
    void set_target(uint64_t pages) {
        target_balloon_ = flexible_pages_ - std::min(pages, flexible_pages_);
    }
    void host_discard() {} // the host cannot take a balloon guest's memory without it

    void step(double now, double dt) {
        const auto none = [](uint64_t) {};
        read_files(
            dt, [](uint64_t) { return false; }, none);
        fault_swapped_pages(dt, memory_pages(), none);
        double budget = budget_for(dt);
        // Inflate: each page the balloon takes, the guest must free; 256 pages per request.
        while (balloon_ < target_balloon_ && budget > 0 && now >= paused_until_) {
            double cost = 0;
            if (!free_one_page(memory_pages(), cost, none)) {
                ++work_.failures; // "Out of puff! Can't get 1 pages"
                paused_until_ = now + p_.balloon_retry_s;
                break;
            }
            ++balloon_;
            if (++pages_in_request_ == 256) {
                pages_in_request_ = 0;
                cost += p_.costs.request_us;
                ++work_.requests;
            }
            work_.cpu_us += cost;
            budget -= cost;
        }
        settle_budget(budget);
        // Deflate: the pages come back to the guest at once (one request per 256).
        if (balloon_ > target_balloon_) {
            const uint64_t pages = balloon_ - target_balloon_;
            const uint64_t requests = (pages + 255) / 256;
            work_.requests += requests;
            work_.cpu_us += static_cast<double>(requests) * p_.costs.request_us;
            balloon_ = target_balloon_;
        }
        fit_page_cache(memory_pages(), none);
    }

    uint64_t footprint_pages() const { return memory_pages(); }
    uint64_t flexible_footprint_pages() const { return flexible_pages_ - balloon_; }

private:
    uint64_t memory_pages() const { return boot_pages_ + flexible_pages_ - balloon_; }

    uint64_t balloon_ = 0, target_balloon_ = 0;
    uint32_t pages_in_request_ = 0;
    double paused_until_ = 0;
};

} // namespace tagcache::sim
