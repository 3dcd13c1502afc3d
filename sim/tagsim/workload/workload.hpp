// One workload, two machines: a stream of workload_events that refer to allocations by the
// order in which the workload made them, not by pfn (the machines place pages differently, and
// a CMA fallback moves a tagged folio), and a driver that applies it to any tag_machine. Tests,
// benchmarks and tagsim feed the same events to cleancache_machine and cma_machine. Hosted.
#pragma once

#include <cstdint>
#include <optional>

#include "../machines/tag_machine.hpp"
#include "id_map.hpp"

namespace tagcache::sim {

enum class workload_op : uint8_t {
    allocate,     // kind, order, atomic; the allocation gets the next id (0, 1, 2, ...)
    free,         // id
    pin,          // id: pins the allocation's first page
    unpin,        // id
    store_file,   // key: a clean page evicted from the page cache
    restore_file, // key: a page cache miss
};

struct workload_event {
    workload_op op = workload_op::allocate;
    allocation_kind kind = allocation_kind::movable;
    unsigned order = 0;
    bool atomic = false;
    uint64_t id = 0; // free, pin, unpin: which allocation
    page_key key{};  // store_file, restore_file

    friend bool operator==(const workload_event&, const workload_event&) = default;

    static workload_event allocate(allocation_kind kind, unsigned order, bool atomic = false) {
        return {workload_op::allocate, kind, order, atomic, 0, {}};
    }
    static workload_event on(workload_op op, uint64_t id) { return {op, {}, 0, false, id, {}}; }
    static workload_event file(workload_op op, page_key key) { return {op, {}, 0, false, 0, key}; }
};

// Applies events to one machine. Events on an allocation this machine could not make (or
// already freed) are skipped and counted: the two machines may disagree on which allocations
// succeed, and that difference is what a comparison shows.
template <tag_machine Machine>
class workload_driver {
public:
    explicit workload_driver(Machine& machine) : machine_(machine) {}

    // The allocation report for allocate events (error set when it failed); an empty report
    // with error ok for the others, or the operation's error.
    allocation_report apply(const workload_event& event) {
        allocation_report report;
        switch (event.op) {
        case workload_op::allocate: {
            report = machine_.allocate(event.order, event.kind, reserve_context{event.atomic});
            const uint64_t id = next_id_++;
            if (report.error == errc::ok)
                live_.insert(id, placed{report.pfn, report.order}.packed());
            return report;
        }
        case workload_op::free:
        case workload_op::pin:
        case workload_op::unpin: {
            const std::optional<uint64_t> found = live_.find(event.id);
            if (!found) {
                ++skipped_;
                return report;
            }
            const placed at = placed::unpack(*found);
            const result<void> done = event.op == workload_op::free
                                          ? machine_.free(at.pfn, at.order)
                                          : (event.op == workload_op::pin ? machine_.pin(at.pfn)
                                                                          : machine_.unpin(at.pfn));
            if (!done)
                report.error = done.error();
            else if (event.op == workload_op::free)
                live_.erase(event.id);
            return report;
        }
        case workload_op::store_file:
            machine_.store_file_page(event.key);
            return report;
        case workload_op::restore_file:
            machine_.restore_file_page(event.key);
            return report;
        }
        return report;
    }

    bool is_live(uint64_t id) const { return live_.contains(id); }
    uint64_t live_allocations() const noexcept { return live_.size(); }
    uint64_t skipped() const noexcept { return skipped_; } // events on allocations not made here
    uint64_t allocations_attempted() const noexcept { return next_id_; }
    Machine& machine() const noexcept { return machine_; }

private:
    // Where an allocation is, packed in one word for the id map: pfn above, order below.
    struct placed {
        pfn_t pfn;
        unsigned order;
        static constexpr unsigned order_bits = 6;
        uint64_t packed() const {
            TAGCACHE_ASSERT(order < (1u << order_bits) && pfn < (pfn_t{1} << (64 - order_bits - 1)),
                            "allocation beyond what the id map packs");
            return pfn << order_bits | order;
        }
        static placed unpack(uint64_t word) {
            return {word >> order_bits, static_cast<unsigned>(word & ((1u << order_bits) - 1))};
        }
    };
    Machine& machine_;
    id_map live_; // id -> placed, while allocated
    uint64_t next_id_ = 0, skipped_ = 0;
};

} // namespace tagcache::sim
