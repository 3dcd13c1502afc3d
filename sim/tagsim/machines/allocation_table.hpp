// The owners' records of a machine's live allocations (tag_machine.hpp): which allocation
// holds a page, its order and kind, and how many pins hold it in place. Hosted.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tag_machine.hpp"
#include <tagcache/base/base.hpp>

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
//
// A flat array indexed by pfn: every page of an allocation has an 8-byte entry, the head's
// holding the record, the others the distance back to the head, so finding the allocation of
// any page is one or two array reads and nothing is allocated per allocation. The arrays come in
// segments of 64 Ki pages, made when a page in them is first recorded, so memory follows the
// pfns in use (a machine's memory and tag storage) and gaps between them cost nothing.
// Lookups return copies; pins change through pin() and unpin().
class allocation_table {
public:
    // Records an allocation whose pages are in no recorded allocation; false (nothing changed)
    // if one of them is. Orders up to 31.
    bool insert(const allocation_record& record) {
        TAGCACHE_ASSERT(record.order < 32, "allocation order too large for the table");
        const uint64_t pages = uint64_t{1} << record.order;
        const uint64_t offset = record.pfn % segment_pages;
        if (offset + pages <= segment_pages) { // one segment (any aligned block of order <= 16)
            segment& seg = segment_for(record.pfn);
            page_entry* entries = &seg.pages[offset];
            for (uint64_t i = 0; i < pages; ++i)
                if (entries[i].recorded())
                    return false;
            entries[0] = page_entry::head(record);
            for (uint64_t i = 1; i < pages; ++i)
                entries[i] = page_entry::tail(static_cast<uint32_t>(i));
            seg.mark_head(record.pfn, true);
            ++size_;
            return true;
        }
        if (any_recorded(record.pfn, pages))
            return false;
        write(record.pfn, pages, [&](uint64_t i) {
            return i == 0 ? page_entry::head(record) : page_entry::tail(static_cast<uint32_t>(i));
        });
        segment_for(record.pfn).mark_head(record.pfn, true);
        ++size_;
        return true;
    }
    // Forgets the allocation whose head is `head`; false if there is none.
    bool erase(pfn_t head) {
        segment* found = segment_at(head);
        if (found == nullptr)
            return false;
        segment& seg = *found;
        const uint64_t offset = head % segment_pages;
        const uint64_t pages = uint64_t{1} << seg.pages[offset].order;
        if (seg.pages[offset].role != page_role::head)
            return false;
        if (offset + pages <= segment_pages)
            std::fill_n(&seg.pages[offset], pages, page_entry{});
        else
            write(head, pages, [](uint64_t) { return page_entry{}; });
        seg.mark_head(head, false);
        --size_;
        return true;
    }
    // The allocation whose head is `head`.
    std::optional<allocation_record> find(pfn_t head) const {
        const page_entry* entry = entry_at(head);
        if (entry == nullptr || entry->role != page_role::head)
            return std::nullopt;
        return entry->record(head);
    }
    bool contains(pfn_t head) const { return find(head).has_value(); }
    // The allocation any page of which is `pfn`.
    std::optional<allocation_record> containing(pfn_t pfn) const {
        const pfn_t head = head_of(pfn);
        return head == no_head ? std::nullopt : find(head);
    }
    // After a migration: the allocation at `from` now lives at `to`.
    void move(pfn_t from, pfn_t to) {
        std::optional<allocation_record> record = find(from);
        TAGCACHE_ASSERT(record.has_value(), "moving an allocation that is not recorded");
        erase(from);
        record->pfn = to;
        const bool inserted = insert(*record);
        TAGCACHE_ASSERT(inserted, "migration target in use");
    }
    // Pins any page of a movable allocation (a pinned page cannot migrate), and unpins it.
    result<void> pin(pfn_t pfn) {
        page_entry* head = movable_head_of(pfn);
        if (head == nullptr)
            return errc::not_allocated;
        ++head->pins_or_offset;
        return {};
    }
    result<void> unpin(pfn_t pfn) {
        page_entry* head = movable_head_of(pfn);
        if (head == nullptr || head->pins_or_offset == 0)
            return errc::not_allocated;
        --head->pins_or_offset;
        return {};
    }
    // Every record, by pfn (a copy: for tests, checks and benchmarks).
    std::vector<allocation_record> records() const {
        std::vector<allocation_record> out;
        out.reserve(size_);
        for (size_t s = 0; s < segments_.size(); ++s)
            segments_[s]->for_each_head(segment_numbers_[s] << segment_shift,
                                        [&](pfn_t head) { out.push_back(*find(head)); });
        return out;
    }
    std::size_t size() const noexcept { return size_; }

private:
    enum class page_role : uint8_t { unrecorded, head, tail };

    // What the table knows of one page: for a head, the record but its pfn (the index); for
    // another page of an allocation, how far back its head is.
    struct page_entry {
        uint32_t pins_or_offset = 0;
        uint8_t order = 0;
        allocation_kind kind = allocation_kind::movable;
        page_role role = page_role::unrecorded;

        static page_entry head(const allocation_record& r) {
            return {r.pins, static_cast<uint8_t>(r.order), r.kind, page_role::head};
        }
        static page_entry tail(uint32_t offset) {
            return {offset, 0, allocation_kind::movable, page_role::tail};
        }
        bool recorded() const noexcept { return role != page_role::unrecorded; }
        allocation_record record(pfn_t pfn) const { return {pfn, order, kind, pins_or_offset}; }
    };
    static_assert(sizeof(page_entry) == 8);

    static constexpr unsigned segment_shift = 16;
    static constexpr uint64_t segment_pages = uint64_t{1} << segment_shift;
    static constexpr pfn_t no_head = ~pfn_t{0};

    // The entries of 64 Ki consecutive pages, and which of them are heads (for records()).
    struct segment {
        std::unique_ptr<page_entry[]> pages = std::make_unique<page_entry[]>(segment_pages);
        std::vector<uint64_t> head_bits = std::vector<uint64_t>(segment_pages / 64, 0);

        void mark_head(pfn_t pfn, bool is_head) {
            const uint64_t index = pfn % segment_pages;
            uint64_t& word = head_bits[index / 64];
            word = is_head ? word | uint64_t{1} << (index % 64)
                           : word & ~(uint64_t{1} << (index % 64));
        }
        template <class F>
        void for_each_head(pfn_t first, F&& f) const {
            for (uint64_t w = 0; w < head_bits.size(); ++w)
                for (uint64_t bits = head_bits[w]; bits != 0; bits &= bits - 1)
                    f(first + w * 64 + static_cast<uint64_t>(std::countr_zero(bits)));
        }
    };

    // The segment holding `pfn`, or null if none was made. A direct-mapped cache by segment
    // number answers first: a machine's pfns span few segments (32 for 8 GiB of 4K pages),
    // so after the first lookups it always hits; segments never go, so entries stay valid.
    segment* segment_at(pfn_t pfn) const {
        const uint64_t number = pfn >> segment_shift;
        recent_segment& recent = recent_[number % recent_segments];
        if (recent.number == number)
            return recent.found;
        const auto it = std::lower_bound(segment_numbers_.begin(), segment_numbers_.end(), number);
        if (it == segment_numbers_.end() || *it != number)
            return nullptr;
        recent = {number, segments_[static_cast<size_t>(it - segment_numbers_.begin())].get()};
        return recent.found;
    }
    // The segment holding `pfn`, made if needed (numbers stay sorted).
    segment& segment_for(pfn_t pfn) {
        if (segment* found = segment_at(pfn))
            return *found;
        const uint64_t number = pfn >> segment_shift;
        const auto it = std::lower_bound(segment_numbers_.begin(), segment_numbers_.end(), number);
        const auto at = it - segment_numbers_.begin();
        segment_numbers_.insert(it, number);
        segments_.insert(segments_.begin() + at, std::make_unique<segment>());
        return *segments_[static_cast<size_t>(at)];
    }
    const page_entry* entry_at(pfn_t pfn) const {
        const segment* s = segment_at(pfn);
        return s == nullptr ? nullptr : &s->pages[pfn % segment_pages];
    }
    page_entry& entry_for(pfn_t pfn) { return segment_for(pfn).pages[pfn % segment_pages]; }

    // Whether a page of [first, first + pages) is in a recorded allocation.
    bool any_recorded(pfn_t first, uint64_t pages) const {
        for (uint64_t done = 0; done < pages;) {
            const pfn_t pfn = first + done;
            const uint64_t run = std::min(pages - done, segment_pages - pfn % segment_pages);
            if (const segment* s = segment_at(pfn))
                for (uint64_t i = 0; i < run; ++i)
                    if (s->pages[pfn % segment_pages + i].recorded())
                        return true;
            done += run;
        }
        return false;
    }
    // Sets the entries of [first, first + pages): page first + i gets entry_of(i).
    template <class EntryOf>
    void write(pfn_t first, uint64_t pages, EntryOf&& entry_of) {
        for (uint64_t done = 0; done < pages;) {
            const pfn_t pfn = first + done;
            const uint64_t run = std::min(pages - done, segment_pages - pfn % segment_pages);
            page_entry* entries = &segment_for(pfn).pages[pfn % segment_pages];
            for (uint64_t i = 0; i < run; ++i)
                entries[i] = entry_of(done + i);
            done += run;
        }
    }

    pfn_t head_of(pfn_t pfn) const {
        const page_entry* entry = entry_at(pfn);
        if (entry == nullptr || !entry->recorded())
            return no_head;
        return entry->role == page_role::head ? pfn : pfn - entry->pins_or_offset;
    }
    page_entry* movable_head_of(pfn_t pfn) {
        const pfn_t head = head_of(pfn);
        if (head == no_head)
            return nullptr;
        page_entry& entry = entry_for(head);
        return entry.kind == allocation_kind::movable ? &entry : nullptr;
    }

    std::vector<uint64_t> segment_numbers_;          // pfn >> segment_shift, ascending
    std::vector<std::unique_ptr<segment>> segments_; // in the same order
    struct recent_segment {
        uint64_t number = ~uint64_t{0}; // no segment has this number (pfn >> 16 < 2^48)
        segment* found = nullptr;
    };
    static constexpr size_t recent_segments = 64;
    mutable std::array<recent_segment, recent_segments> recent_{};
    std::size_t size_ = 0;
};

} // namespace tagcache::sim
