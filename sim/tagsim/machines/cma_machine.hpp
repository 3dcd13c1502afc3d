// cma_machine: the tag_machine of the Linux RFC v3 approach (Jan 2024). Tagged memory is
// normal memory; tag storage is CMA memory that holds movable pages while no tags are stored
// in it, and reserving tag storage migrates them (cma_tag_storage). There is no cleancache:
// clean pages evicted from the page cache are simply lost. Hosted, single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cma_baseline.hpp"

namespace tagcache::sim {

class cma_machine {
public:
    // Normal memory: every region's tagged memory; CMA: every region's tag storage.
    explicit cma_machine(const tag_map& map, cma_options options = {},
                         unsigned max_order = buddy_allocator::default_max_order)
        : normal_(memory_ranges(map), max_order)
        , storage_(map, normal_, owners_, options, max_order) {}
    cma_machine(const cma_machine&) = delete;
    cma_machine& operator=(const cma_machine&) = delete;

    // Tagged and unmovable allocations come from normal memory only; a tagged one then
    // reserves its tag storage (on failure it is freed and the report says why; on fallback
    // the report's pfn is where the folio went). Movable ones follow Linux's balance rule
    // (mm/page_alloc.c __rmqueue): CMA first when free CMA pages exceed half of all free
    // pages, else normal first; then whichever has room.
    allocation_report allocate(unsigned order, allocation_kind kind, reserve_context context = {}) {
        allocation_report report;
        report.order = order;
        report.kind = kind;
        std::optional<pfn_t> at;
        if (kind == allocation_kind::movable) {
            const uint64_t cma_free = storage_.cma().free_pages();
            if (cma_free > (normal_.free_pages() + cma_free) / 2) {
                at = storage_.allocate_movable(order);
                if (!at)
                    at = allocate_normal(order, kind);
            } else {
                at = allocate_normal(order, kind);
                if (!at)
                    at = storage_.allocate_movable(order);
            }
        } else {
            at = allocate_normal(order, kind);
        }
        if (!at)
            return failed(report, cma_error::no_memory);
        report.pfn = *at;
        if (kind == allocation_kind::tagged) {
            report.reservation = storage_.reserve(*at, order, context);
            if (report.reservation.error != errc::ok) {
                owners_.erase(*at); // not moved: a failed reservation did not fall back
                normal_.free(*at, order);
                return failed(report, report.reservation.error);
            }
            report.pfn = report.reservation.pfn;
        }
        ++allocations_;
        return report;
    }

    // Where later allocations in normal memory land (default: the lowest free block).
    void place_with(const page_placer& placer) { placer_ = placer; }

    // Frees a whole allocation (its head pfn and order), releasing its tag storage if tagged.
    // Errors: cma_error::not_allocated (no allocation there of that order: a double free?),
    // cma_error::pinned (a pinned page holds a reference).
    result<void> free(pfn_t pfn, unsigned order) {
        const std::optional<allocation_record> record = owners_.find(pfn);
        if (!record || record->order != order)
            return cma_error::not_allocated;
        if (record->pins != 0)
            return cma_error::pinned;
        const allocation_kind kind = record->kind;
        if (kind == allocation_kind::movable && storage_.cma().owns(pfn)) {
            const auto freed = storage_.free_movable(pfn);
            TAGCACHE_ASSERT(freed.has_value(), "a movable allocation in CMA could not be freed");
        } else {
            if (kind == allocation_kind::tagged) {
                const auto released = storage_.release(pfn, order);
                TAGCACHE_ASSERT(released.has_value(), "a tagged allocation had no tag storage");
            }
            owners_.erase(pfn);
            normal_.free(pfn, order);
        }
        ++frees_;
        return {};
    }

    // Any page of a movable allocation; a pinned page cannot migrate (vmsplice, O_DIRECT).
    // Error for a page of no movable allocation, and for unpinning an unpinned one.
    result<void> pin(pfn_t pfn) { return owners_.pin(pfn); }
    result<void> unpin(pfn_t pfn) { return owners_.unpin(pfn); }

    // No cleancache in this approach: an evicted clean page is lost, and a page cache miss
    // always goes to storage. file_stores counts stored pages (always 0 here).
    bool store_file_page(const page_key&) noexcept { return false; }
    bool restore_file_page(const page_key&) noexcept {
        ++file_misses_;
        return false;
    }

    machine_stats stats() const {
        const cma_stats& tags = storage_.stats();
        machine_stats s;
        s.allocations = allocations_;
        s.allocation_failures = allocation_failures_;
        s.frees = frees_;
        s.reservations = tags.reservations;
        s.reservation_failures = tags.failures;
        s.atomic_failures = tags.atomic_failures;
        s.fallbacks = tags.fallbacks;
        s.pages_migrated = tags.pages_migrated;
        s.bytes_copied = tags.bytes_copied;
        s.retries = tags.retries;
        s.file_misses = file_misses_;
        // Under CMA, tag storage not holding tags is usable by the rest of the system.
        s.usable_pages =
            normal_.total_pages() + storage_.cma().total_pages() - tags.tag_pages_in_use;
        s.tag_pages_movable = storage_.tag_pages_movable();
        s.tag_pages_tags = tags.tag_pages_in_use;
        return s;
    }
    const char* name() const noexcept { return "cma"; }

    // ---- inspection ---------------------------------------------------------------------------
    const cma_tag_storage& storage() const noexcept { return storage_; }
    const buddy_allocator& normal() const noexcept { return normal_; }
    const allocation_table& allocations() const noexcept { return owners_; }
    const tag_map& map() const noexcept { return storage_.map(); }
    bool in_tag_storage(pfn_t pfn) const { return storage_.cma().owns(pfn); }

private:
    static std::vector<pfn_range> memory_ranges(const tag_map& map) {
        std::vector<pfn_range> ranges;
        for (const tag_region& region : map.regions())
            ranges.push_back(region.memory);
        return ranges;
    }
    std::optional<pfn_t> allocate_normal(unsigned order, allocation_kind kind) {
        const std::optional<pfn_t> at =
            placer_.allocate(normal_, order, kind == allocation_kind::tagged);
        if (at) {
            const bool inserted = owners_.insert({*at, order, kind, 0});
            TAGCACHE_ASSERT(inserted, "a free page is recorded as allocated");
        }
        return at;
    }
    allocation_report failed(allocation_report& report, errc error) {
        ++allocation_failures_;
        report.error = error;
        report.pfn = 0;
        return report;
    }

    buddy_allocator normal_;
    page_placer placer_;
    allocation_table owners_;
    cma_tag_storage storage_;
    uint64_t allocations_ = 0, allocation_failures_ = 0, frees_ = 0, file_misses_ = 0;
};

static_assert(tag_machine<cma_machine>);

} // namespace tagcache::sim
