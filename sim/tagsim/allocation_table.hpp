// The owners' records of a machine's live allocations (tag_machine.hpp): which allocation
// holds a page, its order and kind, and how many pins hold it in place. Hosted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

#include <tagcache/base/base.hpp>
#include "tag_machine.hpp"

namespace tagcache::sim {

// One live allocation: head pfn, order, kind, pin count (only movable ones are pinned).
struct allocation_record {
    pfn_t pfn = 0;
    unsigned order = 0;
    allocation_kind kind = allocation_kind::movable;
    uint32_t pins = 0;
    pfn_t end() const noexcept { return pfn + (pfn_t{1} << order); }
    friend bool operator==(const allocation_record&, const allocation_record&) = default;
};

// The owners' records of live allocations, by head pfn. Both machines own one; cma_tag_storage
// uses cma_machine's to find the allocation holding a tag page and to re-key it when it migrates.
class allocation_table {
    // One body for the const and non-const lookups (defined first: they deduce their type).
    template <class Self>
    static auto* find_in(Self& self, pfn_t head) {
        const auto it = self.records_.find(head);
        return it == self.records_.end() ? nullptr : &it->second;
    }
    template <class Self>
    static auto* containing_in(Self& self, pfn_t pfn) {
        auto it = self.records_.upper_bound(pfn);
        if (it == self.records_.begin())
            return decltype(&it->second){nullptr};
        --it;
        return pfn < it->second.end() ? &it->second : nullptr;
    }

public:
    bool insert(const allocation_record& record) {
        return records_.emplace(record.pfn, record).second;
    }
    bool erase(pfn_t head) { return records_.erase(head) != 0; }
    allocation_record* find(pfn_t head) { return find_in(*this, head); }
    const allocation_record* find(pfn_t head) const { return find_in(*this, head); }
    // The allocation any page of which is `pfn`.
    allocation_record* containing(pfn_t pfn) { return containing_in(*this, pfn); }
    const allocation_record* containing(pfn_t pfn) const { return containing_in(*this, pfn); }
    // After a migration: the allocation at `from` now lives at `to`.
    void move(pfn_t from, pfn_t to) {
        auto node = records_.extract(from);
        TAGCACHE_ASSERT(!node.empty(), "moving an allocation that is not recorded");
        node.key() = to;
        node.mapped().pfn = to;
        TAGCACHE_ASSERT(records_.insert(std::move(node)).inserted, "migration target in use");
    }
    // Pins any page of a movable allocation (a pinned page cannot migrate), and unpins it.
    result<void> pin(pfn_t pfn) {
        allocation_record* record = containing(pfn);
        if (record == nullptr || record->kind != allocation_kind::movable)
            return errc::not_allocated;
        ++record->pins;
        return {};
    }
    result<void> unpin(pfn_t pfn) {
        allocation_record* record = containing(pfn);
        if (record == nullptr || record->kind != allocation_kind::movable || record->pins == 0)
            return errc::not_allocated;
        --record->pins;
        return {};
    }
    const std::map<pfn_t, allocation_record>& records() const noexcept { return records_; }
    std::size_t size() const noexcept { return records_.size(); }

private:
    std::map<pfn_t, allocation_record> records_;
};

} // namespace tagcache::sim
