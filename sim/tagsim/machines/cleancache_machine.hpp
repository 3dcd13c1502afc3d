// The cleancache strategy as a tag_machine: tagged memory handed out by a buddy allocator;
// all tag storage lent to a cleancache pool that clean file pages evicted from the page cache
// go to; tagged allocations reserve their tag storage through tag_storage_manager, which takes
// blocks back from the pool (dropping cached data). Tag storage never holds movable pages, so
// pins cannot get in the way and no reservation migrates or sleeps. Hosted.
#pragma once

#include <chrono>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocation_table.hpp"
#include "buddy_allocator.hpp"
#include "cost_model.hpp"
#include "tag_machine.hpp"
#include <tagcache/hosted/owned_pool.hpp>
#include <tagcache/tags/tags.hpp>

namespace tagcache::sim {

template <class PoolConfig = default_pool_config, class Lock = no_lock>
class cleancache_machine {
public:
    struct tag_config {
        using lock = Lock;
        using maintenance = no_tag_maintenance;
        using pool = cleancache_pool<PoolConfig>;
    };
    using manager_type = tag_storage_manager<tag_config>;

    explicit cleancache_machine(const tag_map& map, uint32_t inodes = 0)
        : map_(map)
        , pool_(geometry_for(map, inodes)) {
        std::vector<pfn_range> memory;
        for (const tag_region& r : map.regions())
            memory.push_back(r.memory);
        normal_ = buddy_allocator(memory);
        manager_storage_.reset(static_cast<unsigned char*>(
            std::aligned_alloc(64, (manager_type::required_bytes(map) + 63) & ~size_t{63})));
        const auto manager = manager_type::create(manager_storage_.get(),
                                                  manager_type::required_bytes(map), map, *pool_);
        if (!manager)
            throw std::invalid_argument(std::string("tagcache: cannot build the tag manager: ") +
                                        error_message(manager.error()));
        manager_ = *manager;
        fs_ = pool_->add_fs().value();
    }
    ~cleancache_machine() {
        if (manager_ != nullptr)
            manager_->~manager_type();
    }
    cleancache_machine(const cleancache_machine&) = delete;
    cleancache_machine& operator=(const cleancache_machine&) = delete;

    const char* name() const noexcept { return "cleancache"; }

    allocation_report allocate(unsigned order, allocation_kind kind, reserve_context) {
        allocation_report report;
        report.order = order;
        report.kind = kind;
        const auto pfn = placer_.allocate(normal_, order, kind == allocation_kind::tagged);
        if (!pfn) {
            ++stats_.allocation_failures;
            report.error = errc::no_space;
            return report;
        }
        report.pfn = *pfn;
        if (kind == allocation_kind::tagged) {
            report.reservation = reserve(*pfn, order);
            if (report.reservation.error != errc::ok) { // cannot happen for memory we own
                normal_.free(*pfn, order);
                ++stats_.allocation_failures;
                report.error = report.reservation.error;
                return report;
            }
        }
        const bool inserted = live_.insert({*pfn, order, kind, 0});
        TAGCACHE_ASSERT(inserted, "a free page is recorded as allocated");
        ++stats_.allocations; // successful ones, as cma_machine counts them
        return report;
    }

    // Frees a whole allocation (its head pfn and order), releasing its tag storage if tagged.
    // Errors as cma_machine's: not_allocated (a double free?), page_pinned.
    result<void> free(pfn_t pfn, unsigned order) {
        const std::optional<allocation_record> record = live_.find(pfn);
        if (!record || record->order != order)
            return errc::not_allocated;
        if (record->pins != 0)
            return errc::page_pinned;
        if (record->kind == allocation_kind::tagged)
            if (const auto released = manager_->release(pfn, order); !released)
                return released.error();
        normal_.free(pfn, order);
        live_.erase(pfn);
        ++stats_.frees;
        return {};
    }

    // Where later allocations land (default: the lowest free block, tagged or not).
    void place_with(const page_placer& placer) { placer_ = placer; }

    // Pins hold pages in place; nothing here ever needs to move them.
    result<void> pin(pfn_t pfn) { return live_.pin(pfn); }
    result<void> unpin(pfn_t pfn) { return live_.unpin(pfn); }

    bool store_file_page(const page_key& key) {
        ++stats_.file_stores;
        return pool_->store({fs_, key.inode, key.index}, 0, nullptr).has_value();
    }
    bool restore_file_page(const page_key& key) {
        const auto filled = pool_->restore({fs_, key.inode, key.index}, 0, nullptr);
        const bool hit = filled && filled->all(0);
        ++(hit ? stats_.file_hits : stats_.file_misses);
        return hit;
    }

    machine_stats stats() const {
        machine_stats out = stats_;
        out.usable_pages = normal_.total_pages(); // tag storage is the pool's, not the allocator's
        out.tag_pages_cached = pool_->stats().cached;
        out.tag_pages_movable = 0;
        uint64_t lent = 0;
        for (uint32_t r = 0; r < map_.region_count(); ++r)
            lent += pool_->donor_info(manager_->donor_of_region(r))->size;
        out.tag_pages_tags = map_.total_tag_pages() - lent;
        return out;
    }

    cleancache_pool<PoolConfig>& pool() const noexcept { return *pool_; }
    manager_type& manager() const noexcept { return *manager_; }
    const buddy_allocator& allocator() const noexcept { return normal_; }
    const allocation_table& allocations() const noexcept { return live_; }

private:
    static pool_geometry geometry_for(const tag_map& map, uint32_t inodes) {
        pool_geometry g;
        g.slots = static_cast<uint32_t>(map.total_tag_pages());
        g.inodes = inodes;
        g.page = map.page();
        g.max_ranges = map.region_count() + 1;
        for (const tag_region& r : map.regions())
            g.max_block_pages = std::max(g.max_block_pages, static_cast<uint32_t>(r.block_pages));
        return g;
    }

    reservation_report reserve(pfn_t pfn, unsigned order) {
        reservation_report report;
        report.pfn = pfn;
        const uint64_t recalled_before = recalled();
        const uint64_t claimed_before = manager_->stats().blocks_claimed;
        const auto start = std::chrono::steady_clock::now();
        const auto reserved = manager_->reserve(pfn, order);
        report.measured_ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count();
        ++stats_.reservations;
        if (!reserved) {
            report.error = reserved.error();
            ++stats_.reservation_failures;
            return report;
        }
        report.blocks_claimed =
            static_cast<uint32_t>(manager_->stats().blocks_claimed - claimed_before);
        report.pages_dropped = static_cast<uint32_t>(recalled() - recalled_before);
        stats_.pages_dropped += report.pages_dropped;
        // Priced from the kernel module's own figures (cost_model.hpp).
        report.modelled_us =
            cleancache_reservation_cost(report.blocks_claimed, report.pages_dropped);
        return report;
    }

    uint64_t recalled() const {
        uint64_t total = 0;
        for (uint32_t r = 0; r < map_.region_count(); ++r)
            total += pool_->donor_info(manager_->donor_of_region(r))->recalled;
        return total;
    }

    struct free_deleter {
        void operator()(unsigned char* p) const noexcept { std::free(p); }
    };

    tag_map map_;
    owned_pool<PoolConfig> pool_;
    buddy_allocator normal_;
    page_placer placer_;
    std::unique_ptr<unsigned char, free_deleter> manager_storage_;
    manager_type* manager_ = nullptr;
    fs_id fs_ = 0;
    allocation_table live_;
    machine_stats stats_;
};

static_assert(tag_machine<cleancache_machine<>>);

} // namespace tagcache::sim
