// Placement policies: which free slots of a donor a new folio occupies. Freestanding.
#pragma once

#include "../base/assert.hpp"
#include "../base/index.hpp"
#include "../concepts/placement.hpp"

namespace tagcache {

// Any free slot, most recently freed first: one intrusive stack per donor through the free
// slots' own link field, so it costs no memory. A slot taken back while free is not unlinked
// (that would need a predecessor): it stays on the stack, no longer free, and place() skips it
// when it surfaces; `listed` stops a slot from being pushed twice.
class first_free_placement {
public:
    static constexpr const char* name = "first-free";
    // A slot released is the next one place() gives (a LIFO): a store that evicts a page for
    // a page may take the victim's slot over without the round trip (the pool's take_over()).
    static constexpr bool places_last_released_first = true;

    static constexpr size_t storage_bytes(uint32_t, uint32_t donors, uint32_t) noexcept {
        return donors * sizeof(uint32_t);
    }
    void attach(void* storage, uint32_t, uint32_t donors, uint32_t) noexcept {
        heads_ = static_cast<uint32_t*>(storage);
        for (uint32_t d = 0; d < donors; ++d)
            heads_[d] = no_slot;
    }

    template <free_slot_view V>
    void release(V& view, uint32_t donor, uint32_t slot) noexcept {
        if (view.listed(slot))
            return; // still on the stack from before it was taken back
        view.set_free_link(slot, heads_[donor]);
        view.set_listed(slot, true);
        heads_[donor] = slot;
    }

    template <free_slot_view V>
    void withdraw(V&, uint32_t, uint32_t) noexcept {} // lazily skipped by place()

    template <free_slot_view V>
    uint32_t place(V& view, uint32_t donor, uint32_t pages, uint32_t* out) noexcept {
        uint32_t found = 0;
        while (found < pages && heads_[donor] != no_slot) {
            const uint32_t slot = heads_[donor];
            heads_[donor] = view.free_link(slot);
            view.set_listed(slot, false);
            if (view.is_free(slot))
                out[found++] = slot;
        }
        return found;
    }

private:
    uint32_t* heads_ = nullptr;
};

// Keeps a folio of 2^k pages inside one donor block when 2^k <= the block size in pages, else
// on whole free blocks, so that a donor taking back a block drops whole folios instead of
// pieces of folios that straddle blocks. Blocks sit in per-donor lists by number of free slots
// (doubly linked, so a take-back moves a block in O(1)); a folio goes to the fullest block that
// still holds it (best fit). When no block can hold a folio whole, it is spread over the
// fullest blocks, so a store fails only when the donor is full.
class block_aligned_placement {
public:
    static constexpr const char* name = "block-aligned";

    // Per block: free count and two links; per donor: one list head per free count.
    static constexpr size_t storage_bytes(uint32_t slots, uint32_t donors,
                                          uint32_t max_block_pages) noexcept {
        return slots * sizeof(block_entry) + donors * (max_block_pages + 1) * sizeof(uint32_t);
    }
    void attach(void* storage, uint32_t slots, uint32_t donors, uint32_t max_block_pages) noexcept {
        blocks_ = static_cast<block_entry*>(storage);
        heads_ = reinterpret_cast<uint32_t*>(blocks_ + slots);
        stride_ = max_block_pages + 1;
        for (uint32_t i = 0; i < slots; ++i)
            blocks_[i] = block_entry{0, no_slot, no_slot};
        for (uint32_t i = 0; i < donors * stride_; ++i)
            heads_[i] = no_slot;
    }

    template <free_slot_view V>
    void release(V& view, uint32_t donor, uint32_t slot) noexcept {
        const uint32_t block = block_of(view, donor, slot);
        move(donor, block, blocks_[block].free + 1);
    }

    template <free_slot_view V>
    void withdraw(V& view, uint32_t donor, uint32_t slot) noexcept {
        const uint32_t block = block_of(view, donor, slot);
        TAGCACHE_DEBUG_ASSERT(blocks_[block].free > 0,
                              "withdrawing from a block with no free slot");
        move(donor, block, blocks_[block].free - 1);
    }

    template <free_slot_view V>
    uint32_t place(V& view, uint32_t donor, uint32_t pages, uint32_t* out) noexcept {
        const uint32_t bsp = view.block_pages(donor);
        uint32_t found = 0;
        if (pages <= bsp) {
            // Best fit: the fullest block with room for the whole folio.
            for (uint32_t free = pages; free <= bsp; ++free) {
                const uint32_t block = heads_[donor * stride_ + free];
                if (block != no_slot)
                    return take_from(view, donor, block, pages, out);
            }
        } else {
            // Whole free blocks first.
            while (found < pages && heads_[donor * stride_ + bsp] != no_slot) {
                const uint32_t block = heads_[donor * stride_ + bsp];
                found += take_from(view, donor, block, pages - found < bsp ? pages - found : bsp,
                                   out + found);
            }
        }
        // Fallback: spread over the blocks with the most free slots.
        for (uint32_t free = bsp; found < pages && free > 0;) {
            const uint32_t block = heads_[donor * stride_ + free];
            if (block == no_slot) {
                --free;
                continue;
            }
            const uint32_t want = pages - found < free ? pages - found : free;
            found += take_from(view, donor, block, want, out + found);
        }
        return found;
    }

private:
    // Indexed by the block's first slot, so that no per-donor block numbering is needed.
    struct block_entry {
        uint32_t free; // free slots in the block
        uint32_t prev; // neighbours in the donor's list for this free count
        uint32_t next;
    };

    template <free_slot_view V>
    uint32_t block_of(const V& view, uint32_t donor, uint32_t slot) const noexcept {
        // Blocks are numbered by slot: block b of donor d covers slots
        // [first_slot(d) + b * bsp, +bsp), and its entry is the one of its first slot.
        const uint32_t first = view.first_slot(donor);
        const uint32_t bsp = view.block_pages(donor);
        return first + (slot - first) / bsp * bsp;
    }

    template <free_slot_view V>
    uint32_t take_from(V& view, uint32_t donor, uint32_t block, uint32_t pages,
                       uint32_t* out) noexcept {
        const uint32_t bsp = view.block_pages(donor);
        uint32_t found = 0;
        for (uint32_t slot = block; slot < block + bsp && found < pages; ++slot)
            if (view.is_free(slot))
                out[found++] = slot;
        TAGCACHE_ASSERT(found == pages, "block free count disagrees with slot states");
        move(donor, block, blocks_[block].free - found);
        return found;
    }

    void unlink(uint32_t donor, uint32_t block) noexcept {
        block_entry& entry = blocks_[block];
        if (entry.prev != no_slot)
            blocks_[entry.prev].next = entry.next;
        else if (heads_[donor * stride_ + entry.free] == block)
            heads_[donor * stride_ + entry.free] = entry.next;
        if (entry.next != no_slot)
            blocks_[entry.next].prev = entry.prev;
        entry.prev = entry.next = no_slot;
    }

    // Moves a block to the list of its new free count (the list of 0 free is not kept).
    void move(uint32_t donor, uint32_t block, uint32_t free) noexcept {
        block_entry& entry = blocks_[block];
        if (entry.free != 0)
            unlink(donor, block);
        entry.free = free;
        if (free == 0)
            return;
        uint32_t& head = heads_[donor * stride_ + free];
        entry.prev = no_slot;
        entry.next = head;
        if (head != no_slot)
            blocks_[head].prev = block;
        head = block;
    }

    block_entry* blocks_ = nullptr;
    uint32_t* heads_ = nullptr;
    uint32_t stride_ = 0;
};

} // namespace tagcache
