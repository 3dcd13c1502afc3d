// virtio_mem_guest, the third way a guest gives memory back (tmem_guests.hpp has the other two
// and what all three offer), and its unplug and plug. A guest unplugs device blocks as Linux's
// virtio-mem driver does in its Sub Block Mode (drivers/virtio/virtio_mem.c): the highest
// plugged block first; a block whose pages cannot all be migrated is skipped for the rest of the
// pass; a pass that falls short waits for the retry timer (50 s, doubling to 300 s) unless the
// host changes the requested size. Hosted.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tmem_guest_base.hpp"

namespace tagcache::sim {

class virtio_mem_guest : public tmem_guest_base {
public:
    virtio_mem_guest(const tmem_params& params, const tmem_guest_params& guest, uint32_t index,
                     bool zone_movable);

    // At boot the driver plugs the requested size (nothing is allocated yet); the kernel's
    // unmovable pages then land in what is plugged (ZONE_NORMAL).
    void boot(uint64_t pages);

    void set_target(uint64_t pages) {
        const uint64_t blocks = std::min<uint64_t>(pages / block_pages_, plugged_.size());
        if (blocks != target_blocks_) { // a config change: the driver runs again now
            target_blocks_ = blocks;
            retry_at_ = 0;
            tried_.assign(plugged_.size(), false);
        }
    }
    void host_discard() {}

    void step(double now, double dt);

    uint64_t footprint_pages() const { return memory_pages(); }
    uint64_t flexible_footprint_pages() const { return plugged_count_ * block_pages_; }
    uint64_t unpluggable_blocks() const { return unmovable_count_; }

private:
    uint64_t memory_pages() const { return boot_pages_ + plugged_count_ * block_pages_; }
    bool unplug(uint64_t block, double& cost);

    bool zone_movable_;
    uint64_t block_pages_;
    std::vector<bool> plugged_, unmovable_, tried_;
    uint64_t plugged_count_ = 0, target_blocks_ = 0, unmovable_count_ = 0;
    double retry_at_ = 0, retry_s_;
    std::mt19937_64 random_;
};


inline virtio_mem_guest::virtio_mem_guest(const tmem_params& params, const tmem_guest_params& guest,
                                          uint32_t index, bool zone_movable)
    : tmem_guest_base(params, guest, index)
    , zone_movable_(zone_movable)
    , block_pages_(mib_to_pages(params.block_mib))
    , plugged_(flexible_pages_ / block_pages_, true)
    , unmovable_(plugged_.size(), false)
    , tried_(plugged_.size(), false)
    , plugged_count_(plugged_.size())
    , target_blocks_(plugged_.size())
    , retry_s_(params.virtio_mem_retry_min_s)
    , random_(params.seed * 0xD1B54A32D192ED03ull + index) {
    fit_page_cache(memory_pages(), [](uint64_t) {});
}

inline void virtio_mem_guest::boot(uint64_t pages) {
    set_target(pages);
    for (uint64_t b = plugged_.size(); b-- > 0 && plugged_count_ > target_blocks_;) {
        plugged_[b] = false;
        --plugged_count_;
    }
    if (!zone_movable_) {
        // ZONE_NORMAL takes unmovable allocations too. The kernel's, grouped in pageblocks
        // filled to unmovable_pageblock_fill, land in the plugged blocks in proportion to their
        // share of the guest's memory; a block holding one cannot be unplugged. ZONE_MOVABLE
        // takes movable allocations only (Documentation/admin-guide/mm/memory-hotplug.rst).
        const uint64_t plugged_pages = plugged_count_ * block_pages_;
        const double pageblocks = static_cast<double>(kernel_pages_) /
                                  (static_cast<double>(block_pages_) * p_.unmovable_pageblock_fill);
        const double share =
            static_cast<double>(plugged_pages) / static_cast<double>(boot_pages_ + plugged_pages);
        unmovable_count_ = std::min<uint64_t>(
            static_cast<uint64_t>(std::llround(pageblocks * share)), plugged_count_);
        std::vector<uint64_t> blocks(plugged_count_);
        for (uint64_t b = 0; b < blocks.size(); ++b)
            blocks[b] = b;
        for (uint64_t i = 0; i < unmovable_count_; ++i) { // a seeded partial shuffle
            std::swap(blocks[i], blocks[i + random_() % (blocks.size() - i)]);
            unmovable_[blocks[i]] = true;
        }
    }
    fit_page_cache(memory_pages(), [](uint64_t) {});
    warm(0, [](uint64_t) {});
}

inline void virtio_mem_guest::step(double now, double dt) {
    const auto none = [](uint64_t) {};
    read_files(
        dt, [](uint64_t) { return false; }, none);
    fault_swapped_pages(dt, memory_pages(), none);
    // Plug: the lowest unplugged blocks, one request each.
    for (uint64_t b = 0; b < plugged_.size() && plugged_count_ < target_blocks_; ++b) {
        if (plugged_[b])
            continue;
        plugged_[b] = true;
        ++plugged_count_;
        ++work_.requests;
        work_.cpu_us += p_.costs.request_us;
    }
    // Unplug: the highest plugged block not yet tried in this pass.
    double budget = budget_for(dt);
    while (plugged_count_ > target_blocks_ && budget > 0 && now >= retry_at_) {
        uint64_t block = plugged_.size();
        for (uint64_t b = plugged_.size(); b-- > 0;)
            if (plugged_[b] && !tried_[b]) {
                block = b;
                break;
            }
        if (block == plugged_.size()) { // the pass fell short: -EBUSY, retry later
            retry_at_ = now + retry_s_;
            retry_s_ = std::min(2 * retry_s_, p_.virtio_mem_retry_max_s);
            tried_.assign(plugged_.size(), false);
            break;
        }
        tried_[block] = true;
        double cost = p_.costs.request_us;
        if (!unplug(block, cost))
            ++work_.failures;
        ++work_.requests;
        work_.cpu_us += cost;
        budget -= cost;
    }
    settle_budget(budget);
    if (plugged_count_ <= target_blocks_)
        retry_s_ = p_.virtio_mem_retry_min_s; // a pass that succeeds resets the timer
    fit_page_cache(memory_pages(), none);
}

// Unplugs `block`: room is made for its pages elsewhere (reclaim), then they are migrated. The
// guest's used memory is spread evenly over its memory (an assumption), so a block holds its
// share of the movable pages. Fails, having migrated half of them for nothing (assumption), on
// an unmovable page or a transient pin; fails when no room can be made.
inline bool virtio_mem_guest::unplug(uint64_t block, double& cost) {
    const uint64_t memory = memory_pages();
    const uint64_t movable = anon_resident_ + cache_.size();
    const auto in_use = static_cast<uint64_t>(
        std::llround(static_cast<double>(block_pages_) * static_cast<double>(movable) /
                     static_cast<double>(memory)));
    const double unit = static_cast<double>(random_() >> 11) * 0x1.0p-53;
    if (unmovable_[block] || unit < p_.transient_unplug_failure) {
        cost += static_cast<double>(in_use / 2) * p_.costs.migrate_page_us;
        work_.migrated += in_use / 2;
        return false;
    }
    const uint64_t after = memory - block_pages_;
    const auto none = [](uint64_t) {};
    while (after < kernel_pages_ + anon_resident_ + cache_.size() + reserve_pages_)
        if (!free_one_page(after, cost, none))
            return false; // no room for the block's pages anywhere
    cost += static_cast<double>(in_use) * p_.costs.migrate_page_us;
    work_.migrated += in_use;
    plugged_[block] = false;
    --plugged_count_;
    return true;
}

} // namespace tagcache::sim
