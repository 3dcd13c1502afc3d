// The baseline tagcache replaces: MTE tag storage lent to the page allocator as CMA memory, as
// the Linux RFC v3 series "arm64 MTE tag storage reuse" (Jan 2024) does. While a tag block
// holds no tags, its pages may hold untagged MOVABLE allocations; reserving the block for tags
// migrates them away (v3: alloc_contig_range, up to 3 tries), which sleeps, costs copies, and
// fails when a page is pinned; then the tagged folio itself is migrated (v3 patch 26).
//
// Unlike v3, the blocks a folio needs and each block's reference count come from tag_map
// (blocks_for_folio, exact pages served per block), not v3's order_to_num_blocks counting and
// its min(2^order, 32 * bsp) increments (docs/mapping.md). Single-threaded model: v3's mutex
// is modelled only by "may sleep" (an atomic reservation cannot migrate). Hosted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "allocation_table.hpp"
#include "buddy_allocator.hpp"
#include "cma_options.hpp"
#include "cost_model.hpp"
#include "tag_machine.hpp"
#include <tagcache/mapping/mapping.hpp>
#include <tagcache/tags/page_bitmap.hpp>

namespace tagcache::sim {

class cma_tag_storage {
public:
    // `normal`: the allocator of tagged (normal) memory, where tagged folios live and movable
    // pages migrate to first. `owners`: the live allocations, updated when pages migrate.
    cma_tag_storage(const tag_map& map, buddy_allocator& normal, allocation_table& owners,
                    cma_options options = {},
                    unsigned max_order = buddy_allocator::default_max_order)
        : map_(map)
        , normal_(normal)
        , owners_(owners)
        , options_(options)
        , cma_(tag_ranges(map), max_order)
        , words_(map.region_count())
        , refs_(map.region_count()) {
        for (uint32_t r = 0; r < map.region_count(); ++r) {
            const tag_region& region = map.region(r);
            words_[r].resize(page_bitmap::words_for(region.memory.count));
            reserved_.emplace_back(words_[r].data(), region.memory.count);
            refs_[r].assign(region.block_count(), 0);
        }
    }
    cma_tag_storage(const cma_tag_storage&) = delete;
    cma_tag_storage& operator=(const cma_tag_storage&) = delete;

    // Reserves tag storage for the tagged folio of 2^order pages already allocated at `pfn` in
    // normal memory. May migrate movable pages, and on failure the folio itself (report.pfn
    // then says where it went and fell_back is set). report.error: a tag_map query error,
    // already_reserved, cma_error::would_sleep (atomic) or cma_error::no_tag_storage.
    reservation_report reserve(pfn_t pfn, unsigned order, reserve_context context = {}) {
        const auto start = std::chrono::steady_clock::now();
        reservation_report report = reserve_untimed(pfn, order, context);
        report.measured_ns =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start)
                .count();
        stats_.modelled_us += report.modelled_us;
        return report;
    }

    // Frees the tag storage of any aligned part of earlier reservations; a block whose count
    // reaches 0 returns to the CMA free lists. Fails, changing nothing, if a page is not
    // reserved (not_reserved) or the folio is not taggable.
    result<void> release(pfn_t pfn, unsigned order) {
        const auto span = map_.blocks_for_folio(pfn, order);
        if (!span)
            return reject(span.error());
        const tag_region& region = map_.region(span->region);
        const uint64_t pages = uint64_t{1} << order;
        page_bitmap& reserved = reserved_[span->region];
        if (!reserved.all(pfn - region.memory.first, pages, true))
            return reject(errc::not_reserved);
        reserved.assign(pfn - region.memory.first, pages, false);
        for (uint64_t b = span->first; b < span->end(); ++b) {
            uint32_t& refs = refs_[span->region][b];
            const uint64_t served = region.pages_served(b, {pfn, pages});
            TAGCACHE_ASSERT(refs >= served, "tag block reference count underflow");
            refs -= static_cast<uint32_t>(served);
            if (refs == 0) {
                give_back(region.tag_pages_of_block(b));
                ++stats_.blocks_returned;
                --stats_.blocks_in_use;
                stats_.tag_pages_in_use -= region.block_pages;
            }
        }
        stats_.pages_reserved -= pages;
        ++stats_.releases;
        return {};
    }

    // ---- movable allocations in tag storage (CMA) ---------------------------------------------

    // The lowest free CMA block of 2^order pages, recorded in the owners' table as movable.
    std::optional<pfn_t> allocate_movable(unsigned order) {
        const std::optional<pfn_t> at = cma_.allocate(order);
        if (at)
            record_movable(*at, order);
        return at;
    }
    // The same at a chosen, aligned, free place (tests, traces).
    bool allocate_movable_at(pfn_t pfn, unsigned order) {
        if (order > cma_.max_order() || !is_aligned(pfn, pfn_t{1} << order) ||
            !cma_.allocate_at(pfn, order))
            return false;
        record_movable(pfn, order);
        return true;
    }
    // Frees an unpinned movable allocation that lives in tag storage.
    result<void> free_movable(pfn_t pfn) {
        const std::optional<allocation_record> record = owners_.find(pfn);
        if (!record || record->kind != allocation_kind::movable || !cma_.owns(pfn))
            return cma_error::not_allocated;
        if (record->pins != 0)
            return cma_error::pinned;
        cma_.free(pfn, record->order);
        owners_.erase(pfn);
        return {};
    }

    // ---- observation ----------------------------------------------------------------------------

    result<tag_page_state> state_of(pfn_t tag_pfn) const {
        const auto block = map_.block_of_tag_page(tag_pfn);
        if (!block)
            return block.error();
        if (refs_[block->region][block->index] != 0)
            return tag_page_state::tags;
        return cma_.is_free(tag_pfn) ? tag_page_state::free : tag_page_state::movable;
    }
    bool is_reserved(pfn_t pfn) const {
        const tag_region* region = map_.find_region(pfn);
        return region != nullptr && reserved_[region->index].test(pfn - region->memory.first);
    }
    uint32_t block_refs(block_ref block) const { return refs_[block.region][block.index]; }
    const buddy_allocator& cma() const noexcept { return cma_; }
    uint64_t tag_pages_movable() const noexcept {
        return cma_.total_pages() - cma_.free_pages() - stats_.tag_pages_in_use;
    }
    const cma_stats& stats() const noexcept { return stats_; }
    const cma_options& options() const noexcept { return options_; }
    const tag_map& map() const noexcept { return map_; }

    // Each block's count equals the reserved pages it serves; a block with references has no
    // page on the CMA free lists and none in an allocation; every other allocated CMA page
    // lies in a movable allocation; gauges agree. O(tag storage + tagged memory / 64).
    const char* check_invariants() const {
        uint64_t pages = 0, blocks = 0;
        for (const tag_region& region : map_.regions()) {
            for (uint64_t b = 0; b < region.block_count(); ++b) {
                const pfn_range data = region.data_pages_of_block(b);
                const uint64_t served =
                    reserved_[region.index].count(data.first - region.memory.first, data.count);
                if (served != refs_[region.index][b])
                    return "block reference count differs from the reserved pages it serves";
                pages += served;
                blocks += served != 0 ? 1 : 0;
                const pfn_range tags = region.tag_pages_of_block(b);
                for (pfn_t p = tags.first; p < tags.end(); ++p) {
                    const std::optional<allocation_record> owner = owners_.containing(p);
                    if (served != 0 && (cma_.is_free(p) || owner.has_value()))
                        return "a block holds tags but a page is free or allocated";
                    if (served == 0 && !cma_.is_free(p) &&
                        (!owner || owner->kind != allocation_kind::movable))
                        return "an allocated tag-storage page is in no movable allocation";
                }
            }
        }
        if (pages != stats_.pages_reserved || blocks != stats_.blocks_in_use ||
            stats_.blocks_claimed - stats_.blocks_returned != blocks)
            return "reserved page or block gauges disagree with the bitmap";
        return nullptr;
    }

private:
    static std::vector<pfn_range> tag_ranges(const tag_map& map) {
        std::vector<pfn_range> ranges;
        for (const tag_region& region : map.regions())
            ranges.push_back(region.tags);
        return ranges;
    }
    void record_movable(pfn_t pfn, unsigned order) {
        const bool inserted = owners_.insert({pfn, order, allocation_kind::movable, 0});
        TAGCACHE_ASSERT(inserted, "a free CMA block is recorded as allocated");
    }
    errc reject(errc code) noexcept {
        ++stats_.rejected;
        return code;
    }
    bool unreserved(const block_span& span, pfn_t pfn, unsigned order) const {
        const tag_region& region = map_.region(span.region);
        return reserved_[span.region].all(pfn - region.memory.first, uint64_t{1} << order, false);
    }
    // Whether claiming some block of `span` (one with no references) needs a migration.
    bool needs_migration(const block_span& span) const {
        const tag_region& region = map_.region(span.region);
        for (uint64_t b = span.first; b < span.end(); ++b) {
            if (refs_[span.region][b] != 0)
                continue;
            const pfn_range tags = region.tag_pages_of_block(b);
            for (pfn_t p = tags.first; p < tags.end(); ++p)
                if (!cma_.is_free(p))
                    return true;
        }
        return false;
    }
    void copied(uint64_t pages, reservation_report& report) {
        report.pages_migrated += static_cast<uint32_t>(pages);
        report.bytes_copied += pages * page_bytes(map_.page());
    }
    // Takes the pages of a block with no page in use off the CMA free lists, and back.
    void take(const pfn_range& tags) {
        for (pfn_t p = tags.first; p < tags.end(); ++p) {
            const bool taken = cma_.allocate_at(p, 0);
            TAGCACHE_ASSERT(taken, "a tag page to claim is not free");
        }
    }
    void give_back(const pfn_range& tags) {
        for (pfn_t p = tags.first; p < tags.end(); ++p)
            cma_.free(p, 0);
    }
    // Every page the reservation covers gets its reference and its bit.
    void add_references(const block_span& span, pfn_t pfn, unsigned order) {
        const tag_region& region = map_.region(span.region);
        const uint64_t pages = uint64_t{1} << order;
        for (uint64_t b = span.first; b < span.end(); ++b)
            refs_[span.region][b] += static_cast<uint32_t>(region.pages_served(b, {pfn, pages}));
        reserved_[span.region].assign(pfn - region.memory.first, pages, true);
        stats_.pages_reserved += pages;
        ++stats_.reservations;
    }
    void count_claims(const tag_region& region, uint64_t claimed, reservation_report& report) {
        report.blocks_claimed += static_cast<uint32_t>(claimed);
        stats_.blocks_claimed += claimed;
        stats_.blocks_in_use += claimed;
        stats_.tag_pages_in_use += claimed * region.block_pages;
    }

    reservation_report reserve_untimed(pfn_t pfn, unsigned order, reserve_context context) {
        reservation_report report;
        report.pfn = pfn;
        const auto span = map_.blocks_for_folio(pfn, order);
        if (!span || !unreserved(*span, pfn, order)) {
            report.error = reject(span ? errc::already_reserved : span.error());
            return report;
        }
        // Reservation may sleep (mutex, migration), so an atomic one that would have to migrate
        // fails at once; the fallback migrates too, so it is not tried. v3 instead allocated a
        // tag buffer in atomic context, the bug that stalled the series (copy_highpage() runs in
        // atomic context: P. Collingbourne, https://lore.kernel.org/all/
        // CAMn1gO7M51QtxPxkRO3ogH1zasd2-vErWqoPTqGoPiEvr8Pvcw@mail.gmail.com/ ; the Feb 2024
        // linux-arch thread proposes the cleancache because it allows atomic reservation).
        if (context.atomic && needs_migration(*span)) {
            ++stats_.failures;
            ++stats_.atomic_failures;
            report.error = cma_error::would_sleep;
            return report;
        }
        if (claim_blocks(*span, report)) {
            add_references(*span, pfn, order);
        } else if (!options_.fallback || !fallback(pfn, order, report)) {
            ++stats_.failures;
            report.error = cma_error::no_tag_storage;
        }
        stats_.pages_migrated += report.pages_migrated;
        stats_.bytes_copied += report.bytes_copied;
        stats_.retries += report.retries;
        return report;
    }

    // Claims every block of `span` with no references, or none: on failure the blocks claimed
    // so far go back to the CMA free lists (pages migrated meanwhile stay where they went).
    bool claim_blocks(const block_span& span, reservation_report& report) {
        const tag_region& region = map_.region(span.region);
        // Migration targets in tag storage must lie outside every block being claimed.
        const pfn_range exclude{region.tags.first + span.first * region.block_pages,
                                span.count * region.block_pages};
        std::vector<uint64_t> claimed;
        for (uint64_t b = span.first; b < span.end(); ++b) {
            if (refs_[span.region][b] != 0)
                continue;
            if (!claim_block(region.tag_pages_of_block(b), exclude, report)) {
                for (const uint64_t c : claimed)
                    give_back(region.tag_pages_of_block(c));
                return false;
            }
            claimed.push_back(b);
        }
        count_claims(region, claimed.size(), report);
        return true;
    }

    // v3's alloc_contig_range over one block, tried options_.claim_attempts times: migrates
    // each movable allocation met, in address order; a pinned one fails the attempt.
    bool claim_block(const pfn_range& tags, const pfn_range& exclude, reservation_report& report) {
        const unsigned attempts = options_.claim_attempts == 0 ? 1 : options_.claim_attempts;
        for (unsigned attempt = 0; attempt < attempts; ++attempt) {
            if (attempt != 0)
                ++report.retries;
            bool ok = true, held_movable = false;
            for (pfn_t p = tags.first; ok && p < tags.end(); ++p) {
                if (cma_.is_free(p))
                    continue;
                held_movable = true;
                const std::optional<allocation_record> owner = owners_.containing(p);
                TAGCACHE_ASSERT(owner.has_value(), "an allocated tag page has no owner");
                ok = owner->pins == 0 && migrate(*owner, exclude, report);
            }
            report.modelled_us += cma_block_claim_cost(held_movable, tags.count);
            if (ok) {
                take(tags);
                return true;
            }
        }
        return false;
    }

    // Moves a movable allocation out of tag storage: to normal memory if it has room, else to
    // CMA memory outside `exclude`; copies its pages and updates its owner's record.
    bool migrate(const allocation_record& owner, const pfn_range& exclude,
                 reservation_report& report) {
        const pfn_t from = owner.pfn;
        const unsigned order = owner.order;
        std::optional<pfn_t> to = normal_.allocate(order);
        if (!to)
            to = allocate_cma_outside(order, exclude);
        if (!to)
            return false;
        copied(uint64_t{1} << order, report);
        owners_.move(from, *to);
        cma_.free(from, order);
        return true;
    }
    std::optional<pfn_t> allocate_cma_outside(unsigned order, const pfn_range& exclude) {
        const uint64_t size = uint64_t{1} << order;
        for (unsigned o = order; o <= cma_.max_order(); ++o)
            for (auto head = cma_.next_free_block(o, 0); head;
                 head = cma_.next_free_block(o, *head + 1))
                for (pfn_t at = *head; at < *head + (pfn_t{1} << o); at += size)
                    if (!exclude.overlaps({at, size})) {
                        const bool allocated = cma_.allocate_at(at, order);
                        TAGCACHE_ASSERT(allocated, "a free CMA block is not free");
                        return at;
                    }
        return std::nullopt;
    }

    // v3 patch 26: the tagged folio moves to a new folio in normal memory whose blocks can all
    // be reserved without migration (each already holds tags, or has only free pages).
    // Candidates: the normal allocator's free blocks, exact order first then larger ones (as
    // the buddy allocator prefers), each in address order, split into aligned folios of the
    // order in address order. A folio needing the same blocks as the one examined just before
    // it is skipped uncounted; at most options_.fallback_candidates are examined.
    bool fallback(pfn_t pfn, unsigned order, reservation_report& report) {
        const uint64_t pages = uint64_t{1} << order;
        std::optional<block_span> previous;
        unsigned examined = 0;
        for (unsigned o = order; o <= normal_.max_order(); ++o) {
            for (auto head = normal_.next_free_block(o, 0); head;
                 head = normal_.next_free_block(o, *head + 1)) {
                for (pfn_t at = *head; at < *head + (pfn_t{1} << o); at += pages) {
                    const auto span = map_.blocks_for_folio(at, order);
                    if (!span || (previous && *previous == *span))
                        continue;
                    previous = *span;
                    if (examined++ == options_.fallback_candidates)
                        return false;
                    if (!unreserved(*span, at, order) || needs_migration(*span))
                        continue;
                    move_folio(pfn, at, order, *span, report);
                    return true;
                }
            }
        }
        return false;
    }
    void move_folio(pfn_t from, pfn_t to, unsigned order, const block_span& span,
                    reservation_report& report) {
        const bool allocated = normal_.allocate_at(to, order);
        TAGCACHE_ASSERT(allocated, "fallback folio is not free");
        const tag_region& region = map_.region(span.region);
        uint64_t claimed = 0;
        for (uint64_t b = span.first; b < span.end(); ++b) {
            if (refs_[span.region][b] != 0)
                continue;
            take(region.tag_pages_of_block(b));
            report.modelled_us += cma_block_claim_cost(false, region.block_pages);
            ++claimed;
        }
        count_claims(region, claimed, report);
        add_references(span, to, order);
        copied(uint64_t{1} << order, report);
        report.modelled_us += cma_folio_migration_cost(uint64_t{1} << order);
        if (owners_.contains(from))
            owners_.move(from, to);
        normal_.free(from, order);
        report.pfn = to;
        report.fell_back = true;
        ++stats_.fallbacks;
    }

    tag_map map_;
    buddy_allocator& normal_;
    allocation_table& owners_;
    cma_options options_;
    buddy_allocator cma_;
    std::vector<std::vector<uint64_t>> words_; // storage of reserved_
    std::vector<page_bitmap> reserved_;        // per region: one bit per tagged data page
    std::vector<std::vector<uint32_t>> refs_;  // per region: one count per block
    cma_stats stats_;
};

} // namespace tagcache::sim
