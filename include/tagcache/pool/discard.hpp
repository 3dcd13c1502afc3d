// cleancache_pool with discardable page memory: the host (another machine: a hypervisor
// lending a virtio-tmem region) may discard any donated page at any moment, without the pool's
// lock, and the page then reads as zeroes or anything else. The pool learns of it by the
// page's discard generation (concepts/discardable_page_memory.hpp), and optionally by
// notification (on_discarded). Included by cleancache_pool.hpp; every function here is
// instantiated only for discardable pools. Freestanding.
//
// The protocol (docs/tmem.md, "The discard protocol"):
//
//   host:    g -> g + 1 (odd: discarding); discard the page; g + 1 -> g + 2 (even: done)
//   store:   g1 = gen (acquire); if g1 odd: lost. copy in. if gen != g1: lost.
//            Under the lock, a page not lost is published with g1 recorded.
//   restore: under the lock, find the page and its recorded g; then
//            if gen (acquire) != g: discarded (no copy). copy out. load barrier.
//            if gen != g: discarded. Under the lock, a discarded page is a miss and leaves.
//
// Why a restore never returns a discarded page's bytes: a discard changes bytes only while
// the generation is odd. If the restore's second read returns the recorded g, no discard began
// after the store's first read (generations only advance); a discard that began before it had
// ended before it (g is even, and the acquire read of the value the host's ending increment
// wrote orders the discard before the store's copy). Any byte the restore's copy read from a
// discarded page was read after the discard began, so after the host made g + 1 visible; the
// load barrier keeps the second read after those loads, so it returns g + 1 or later. The
// store's second read needs no barrier: it only saves publishing a page the host already
// discarded, and the restore's check stands whether it catches the discard or not.
#pragma once

#include "cleancache_pool.hpp"

namespace tagcache {

// ---- store --------------------------------------------------------------------------------

// Copies the store's pages into their slots (outside the lock), noting each page's generation
// when its copy began, and which pages a discard began on before or during the copy.
template <pool_config Config>
void cleancache_pool<Config>::store_into_discardable(const uint32_t* slots, uint32_t pages,
                                                     const void* source, uint32_t* generations,
                                                     bitmap& discarded) noexcept {
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = slots[i];
        const pfn_t pfn = donors_.pfn_of(slot);
        generations[i] = memory_.discard_generation(slot, pfn);
        if (discard_in_progress(generations[i])) {
            discarded.set(i); // the host is discarding it now: copying would be wasted
            continue;
        }
        if (source != nullptr) {
            void* page = memory_.address(slot, pfn);
            const auto* from = static_cast<const unsigned char*>(source) + i * page_bytes_;
            if constexpr (page_memory_copies_into_pages<page_memory_type>)
                memory_.copy_into_page(page, from, page_bytes_);
            else
                __builtin_memcpy(page, from, page_bytes_);
        }
        if (memory_.discard_generation(slot, pfn) != generations[i])
            discarded.set(i);
    }
}

// Under the lock, before publish(): a page a discard hit is released (publish then treats it
// as lost, as a page a donor took back), and counted; the others record their generation.
// Returns whether any page was released.
template <pool_config Config>
bool cleancache_pool<Config>::keep_undiscarded(const uint32_t* slots, uint32_t pages,
                                               const uint32_t* generations,
                                               const bitmap& discarded) noexcept {
    bool released = false;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = slots[i];
        if (slots_[slot].state() != slot_state::pending)
            continue; // a donor took it back during the copy: publish sees that
        if (discarded.test(i)) {
            slots_[slot].store_copiers(0);
            finish_release(slot);
            stats_.record(pool_event::discarded, 1);
            released = true;
        } else {
            discards_[slot] = generations[i];
        }
    }
    return released;
}

// A store without page memory (a metadata-only model of a discardable device): the generations
// are read under the lock, where the store claims and publishes in one critical section.
template <pool_config Config>
bool cleancache_pool<Config>::record_generations_locked(const uint32_t* slots,
                                                        uint32_t pages) noexcept {
    uint32_t generations[bitmap::max_pages];
    bitmap discarded;
    for (uint32_t i = 0; i < pages; ++i) {
        generations[i] = discard_generation(slots[i]);
        if (discard_in_progress(generations[i]))
            discarded.set(i);
    }
    return keep_undiscarded(slots, pages, generations, discarded);
}

// ---- restore ------------------------------------------------------------------------------

// Copies the found pages out (outside the lock), each bracketed by two reads of its generation;
// returns the pages no discard touched since they were stored. A page whose generation has
// moved before the copy is not copied at all.
template <pool_config Config>
auto cleancache_pool<Config>::restore_from_discardable(const uint32_t* found,
                                                       const uint32_t* recorded, uint32_t pages,
                                                       void* sink) noexcept -> bitmap {
    bitmap intact;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = found[i];
        if (slot == no_slot)
            continue;
        const pfn_t pfn = donors_.pfn_of(slot);
        if (memory_.discard_generation(slot, pfn) != recorded[i])
            continue; // discarded since it was stored
        if (sink != nullptr)
            __builtin_memcpy(static_cast<unsigned char*>(sink) + i * page_bytes_,
                             memory_.address(slot, pfn), page_bytes_);
        load_barrier(); // the copy's loads before the second read (see the top of this file)
        if (memory_.discard_generation(slot, pfn) == recorded[i])
            intact.set(i);
    }
    return intact;
}

// Under the lock, before finish_restore() counts anything: the pages whose copies a discard
// touched leave the pool (under drop_whole_folio with their folios, so that a restore gets a
// folio whole or not at all, as when a donor takes a page back during the copy). A page an
// exclusive restore already took out lost its data all the same, and counts.
template <pool_config Config>
void cleancache_pool<Config>::drop_discarded_found(uint32_t pages, const uint32_t* found,
                                                   const bitmap& intact) noexcept {
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = found[i];
        if (slot == no_slot || intact.test(i))
            continue;
        if (slots_[slot].state() == slot_state::cached)
            drop_discarded(slot); // draining: this restore's copy is still counted in
        else if (exclusive && slots_[slot].state() == slot_state::draining)
            stats_.record(pool_event::discarded, 1);
    }
}

// A restore without page memory, before it finds its pages: the generations are compared
// under the lock, and a page found discarded leaves at once (its restore then misses it).
template <pool_config Config>
void cleancache_pool<Config>::detect_discards_locked(const page_key& key, uint32_t pages) noexcept {
    const uint32_t handle = live_handle(key.fs, key.inode);
    if (handle == no_inode)
        return;
    for (uint32_t i = 0; i < pages; ++i) {
        const uint32_t slot = index_.find(handle, key.index + i);
        if (slot != no_slot && discard_generation(slot) != discards_[slot])
            drop_discarded(slot);
    }
}

// ---- a cached page whose data the host discarded --------------------------------------------

// Under the lock: the page leaves the pool as a page taken back would (under drop_whole_folio
// with its folio, the others counting as collateral_dropped), except that it stays donated:
// its slot is free again, or draining while a copy is still leaving it. Index entries stay
// behind as stale entries, as take-back leaves them, so this is O(2^max_order) steps. Returns
// whether the page was restorable (not of an invalidated inode), which is what `discarded`
// counts.
template <pool_config Config>
bool cleancache_pool<Config>::drop_discarded(uint32_t slot) noexcept {
    const bool live = folio_leaves<leaving::discarded>(slot);
    if (live)
        stats_.record(pool_event::discarded, 1);
    return live;
}

// ---- notification -------------------------------------------------------------------------

// on_discarded(): checks the whole range first, then drops one page per critical section.
template <pool_config Config>
result<uint64_t> cleancache_pool<Config>::drop_discarded_range(uint32_t donor,
                                                               pfn_range range) noexcept {
    if (range.first + range.count < range.first)
        return errc::address_overflow;
    // Checked first, so that a refused range changes nothing; 64 pages per critical section
    // (a donor's ranges never change once registered).
    if (range.count == 0) { // no page to look up: only the donor
        lock_guard guard(lock_);
        return donors_.known(donor) ? result<uint64_t>(uint64_t{0})
                                    : result<uint64_t>(errc::unknown_donor);
    }
    for (uint64_t checked = 0; checked < range.count;) {
        lock_guard guard(lock_);
        for (uint32_t batch = 0; batch < 64 && checked < range.count; ++batch, ++checked)
            if (const result<uint32_t> slot = donors_.find(donor, range.first + checked); !slot)
                return slot.error();
    }
    uint64_t dropped = 0;
    for (uint64_t i = 0; i < range.count; ++i) {
        lock_guard guard(lock_); // one page per critical section: bounded, as take-back
        const uint32_t slot = donors_.slot_of(donor, range.first + i);
        if (slots_[slot].state() == slot_state::cached && drop_discarded(slot))
            ++dropped;
    }
    return dropped;
}

} // namespace tagcache
