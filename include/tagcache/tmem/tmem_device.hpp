// virtio-tmem, the driver's side: a region of memory the hypervisor lends the guest through a
// virtio device, used only as a cleancache (D. Hildenbrand, linux-arch, February 2024;
// docs/tmem.md). The region is one pool donor, plugged (donated) and unplugged (taken back) in
// device blocks. The host changes the device's requested size, as it does a virtio-mem
// device's; the driver follows by donating blocks, or by taking blocks back, which only drops
// the clean pages they cache: it always succeeds, in bounded time per page, where a balloon's
// inflation or a virtio-mem unplug must free or migrate the guest's own pages and may fall
// short. Freestanding; the device's state is a few integers (no allocation).
//
// Sizes are reported as the fields of virtio-mem's configuration space (struct
// virtio_mem_config, include/uapi/linux/virtio_mem.h; the virtio specification 1.2, 5.15):
// block_size, addr, region_size, usable_region_size, plugged_size, requested_size, in bytes.
//
// Threads: request_size(), adjust() and set_requested_size() are the driver's config-change
// work, called by one thread at a time (Linux runs a virtio-mem device's work in one work item);
// config() may be read from any thread; on_discarded() may run beside them (it touches only the
// pool), as may the pool's frontend.
#pragma once

#include <stdint.h>

#include "../base/base.hpp"
#include "../pool/pool.hpp"

namespace tagcache {

// virtio_mem_config's fields, as the driver reads them.
struct tmem_config_space {
    uint64_t block_size = 0;         // the unit of plug and unplug, bytes
    uint64_t addr = 0;               // start of the region (guest physical address)
    uint64_t region_size = 0;        // the most that can be plugged
    uint64_t usable_region_size = 0; // equals region_size: a tmem region does not grow
    uint64_t plugged_size = 0;       // lent to the pool now
    uint64_t requested_size = 0;     // what the host asks to have lent
};

// What one adjustment did.
struct tmem_resize {
    uint64_t blocks_plugged = 0;   // donated to the pool
    uint64_t blocks_unplugged = 0; // taken back and given to the host
    uint64_t pages_dropped = 0;    // cached pages the take-backs dropped
};

template <class Pool>
class tmem_device {
public:
    using pool_type = Pool;

    // Registers `region` (a whole number of device blocks of `block_bytes`) as a donor of
    // `pool`, nothing plugged, requested size 0. Errors: device_block_size_invalid, and what
    // the pool's register_donor() refuses (range_not_block_multiple, invalid_block_pages when
    // a block is larger than the pool's max_block_pages, not_enough_slots, ...).
    static result<tmem_device> create(Pool& pool, const char* name, pfn_range region,
                                      uint64_t block_bytes) noexcept {
        const uint64_t page = page_bytes(pool.geometry().page);
        if (block_bytes == 0 || block_bytes % page != 0 || block_bytes / page > 0xFFFF'FFFFu)
            return errc::device_block_size_invalid;
        const auto block_pages = static_cast<uint32_t>(block_bytes / page);
        const auto donor =
            pool.register_donor(name, span<const pfn_range>(&region, 1), block_pages);
        if (!donor)
            return donor.error();
        tmem_device device;
        device.pool_ = &pool;
        device.donor_ = *donor;
        device.region_ = region;
        device.page_bytes_ = page;
        device.block_pages_ = block_pages;
        return device;
    }

    // The host's config change: the size it asks the driver to have plugged. Refused, with
    // nothing changed, when above the region (size_above_region) or not a whole number of
    // blocks (size_not_block_aligned). The driver follows in adjust().
    result<void> request_size(uint64_t bytes) noexcept {
        if (bytes > region_.count * page_bytes_)
            return errc::size_above_region;
        if (bytes % block_bytes() != 0)
            return errc::size_not_block_aligned;
        __atomic_store_n(&requested_blocks_, bytes / block_bytes(), __ATOMIC_RELAXED);
        return {};
    }

    // The driver's work: plugs or unplugs at most `max_blocks` blocks toward the requested
    // size. Unplugging takes the highest plugged block back first, as Linux's virtio-mem
    // unplugs in reverse order, so the plugged blocks are always the region's first ones; each
    // page is one take-back, which always succeeds and is bounded in time.
    tmem_resize adjust(uint64_t max_blocks = ~uint64_t{0}) noexcept {
        tmem_resize done;
        const uint64_t target = __atomic_load_n(&requested_blocks_, __ATOMIC_RELAXED);
        const uint64_t recalled_before = recalled();
        uint64_t plugged = plugged_blocks();
        for (; plugged < target && done.blocks_plugged < max_blocks; ++plugged) {
            const uint64_t accepted = pool_->donate_range(donor_, block(plugged));
            TAGCACHE_ASSERT(accepted == block_pages_, "an unplugged tmem block was refused");
            ++done.blocks_plugged;
            set_plugged_blocks(plugged + 1);
        }
        for (; plugged > target && done.blocks_unplugged < max_blocks; --plugged) {
            const uint64_t taken = pool_->take_back_range(donor_, block(plugged - 1));
            TAGCACHE_ASSERT(taken == block_pages_, "a plugged tmem block was not all donated");
            ++done.blocks_unplugged;
            set_plugged_blocks(plugged - 1);
        }
        done.pages_dropped = recalled() - recalled_before;
        return done;
    }

    // request_size() then adjust() to completion.
    result<tmem_resize> set_requested_size(uint64_t bytes) noexcept {
        if (const result<void> accepted = request_size(bytes); !accepted)
            return accepted.error();
        return adjust();
    }

    // The host discarded `range` of the region and says so: the pool drops what the pages
    // held now (cleancache_pool::on_discarded). Without the notification the pool detects the
    // discard when a restore reaches the page; correctness depends on neither.
    result<uint64_t> on_discarded(pfn_range range) noexcept requires Pool::discardable {
        return pool_->on_discarded(donor_, range);
    }

    tmem_config_space config() const noexcept {
        tmem_config_space c;
        c.block_size = block_bytes();
        c.addr = region_.first * page_bytes_;
        c.region_size = region_.count * page_bytes_;
        c.usable_region_size = c.region_size;
        c.plugged_size = plugged_blocks() * block_bytes();
        c.requested_size = __atomic_load_n(&requested_blocks_, __ATOMIC_RELAXED) * block_bytes();
        return c;
    }

    uint32_t donor() const noexcept { return donor_; }
    pfn_range region() const noexcept { return region_; }
    uint32_t block_pages() const noexcept { return block_pages_; }
    uint64_t block_count() const noexcept { return region_.count / block_pages_; }
    uint64_t plugged_blocks() const noexcept {
        return __atomic_load_n(&plugged_blocks_, __ATOMIC_ACQUIRE);
    }
    // The pages of block `b` of the region.
    pfn_range block(uint64_t b) const noexcept {
        return {region_.first + b * block_pages_, block_pages_};
    }

private:
    tmem_device() noexcept = default;
    uint64_t block_bytes() const noexcept { return uint64_t{block_pages_} * page_bytes_; }
    uint64_t recalled() const noexcept { return pool_->donor_info(donor_)->recalled; }
    void set_plugged_blocks(uint64_t blocks) noexcept {
        __atomic_store_n(&plugged_blocks_, blocks, __ATOMIC_RELEASE);
    }

    Pool* pool_ = nullptr;
    uint32_t donor_ = 0;
    uint32_t block_pages_ = 1;
    pfn_range region_{};
    uint64_t page_bytes_ = 0;
    uint64_t plugged_blocks_ = 0;   // blocks [0, plugged) are donated
    uint64_t requested_blocks_ = 0; // what the host asks for, in blocks
};

} // namespace tagcache
