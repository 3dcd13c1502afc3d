// How a pool copies a folio's pages in (store) and out (restore): one class per kind of page
// memory, so that store() and restore() each have one body (store.hpp, restore.hpp). Each
// kind says whether its copies run outside the lock and what a store and a restore do around
// them; the copy of one page is the pool's copy_page_in/copy_page_out (pool_core.hpp).
// Freestanding.
//
//  - metadata_only: nothing to copy; a store claims and publishes, a restore finds and counts,
//    each in one critical section.
//  - plain: the copies run outside the lock (docs/design.md, "Take-back").
//  - discardable: the host (a hypervisor lending a virtio-tmem region) may discard any donated
//    page at any moment, without the pool's lock, and the page then reads as zeroes or
//    anything else. Every copy is bracketed by the page's discard generation
//    (concepts/discardable_page_memory.hpp), and a copy a discard may have touched counts for
//    nothing. Memory that holds no data (a metadata-only model of such a device) reads the
//    generations under the lock instead, and copies nothing.
//
// The discard protocol (docs/tmem.md, "The discard protocol"):
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

#include <stdint.h>

#include "../../base/barrier.hpp"
#include "../../base/index.hpp"
#include "../../base/types.hpp"
#include "../../concepts/discardable_page_memory.hpp"
#include "../../concepts/stats.hpp"
#include "../key.hpp"
#include "slot.hpp"

namespace tagcache::detail {

enum class page_memory_kind : uint8_t { metadata_only, plain, discardable };

template <class Memory>
inline constexpr page_memory_kind kind_of =
    discardable_page_memory<Memory> ? page_memory_kind::discardable
    : Memory::holds_data            ? page_memory_kind::plain
                                    : page_memory_kind::metadata_only;

// Each kind provides, for a Pool (pool_core<Config>, whose friend it is):
//   outside_lock                    whether the copies run outside the lock
//   store_state, restore_state      what a store or a restore carries across its copy
//   copy_in(pool, slots, pages, source, state)        outside the lock (outside_lock only)
//   keep_stored(pool, slots, pages, state)            under it, before publish(): releases the
//                                                     pages lost to a discard; true if any
//   before_find(pool, key, pages)                     under it, before a restore's lookup
//   note_found(pool, found, pages, state)             under it, after the lookup
//   copy_out(pool, found, pages, sink, state)         outside it (outside_lock only): the pages
//                                                     no discard touched (kinds that are not
//                                                     discardable: ignored)
//   keep_restored(pool, found, pages, intact)         under it, before counting: pages found
//                                                     discarded leave; survived(intact, i)
template <class Pool, page_memory_kind Kind = kind_of<typename Pool::page_memory_type>>
struct page_copy;

template <class Pool>
struct page_copy<Pool, page_memory_kind::metadata_only> {
    using bitmap = typename Pool::bitmap;
    static constexpr bool outside_lock = false;
    struct store_state {};
    struct restore_state {};
    static bool keep_stored(Pool&, const uint32_t*, uint32_t, store_state&) noexcept {
        return false;
    }
    static void before_find(Pool&, const page_key&, uint32_t) noexcept {}
};

template <class Pool>
struct page_copy<Pool, page_memory_kind::plain> {
    using bitmap = typename Pool::bitmap;
    static constexpr bool outside_lock = true;
    struct store_state {};
    struct restore_state {};

    static void copy_in(Pool& pool, const uint32_t* slots, uint32_t pages, const void* source,
                        store_state&) noexcept {
        if (source != nullptr)
            for (uint32_t i = 0; i < pages; ++i)
                pool.copy_page_in(pool.page_address(slots[i]),
                                  static_cast<const unsigned char*>(source) + i * pool.page_bytes_);
    }
    static bool keep_stored(Pool&, const uint32_t*, uint32_t, store_state&) noexcept {
        return false;
    }

    static void before_find(Pool&, const page_key&, uint32_t) noexcept {}
    static void note_found(Pool&, const uint32_t*, uint32_t, restore_state&) noexcept {}
    static bitmap copy_out(Pool& pool, const uint32_t* found, uint32_t pages, void* sink,
                           restore_state&) noexcept {
        if (sink != nullptr)
            for (uint32_t i = 0; i < pages; ++i)
                if (found[i] != no_slot)
                    pool.copy_page_out(static_cast<unsigned char*>(sink) + i * pool.page_bytes_,
                                       pool.page_address(found[i]));
        return bitmap{};
    }
    static void keep_restored(Pool&, const uint32_t*, uint32_t, const bitmap&) noexcept {}
    static constexpr bool survived(const bitmap&, uint32_t) noexcept { return true; }
};

template <class Pool>
struct page_copy<Pool, page_memory_kind::discardable> {
    using bitmap = typename Pool::bitmap;
    static constexpr bool holds_data = Pool::page_memory_type::holds_data;
    static constexpr bool outside_lock = holds_data;
    struct store_state {
        uint32_t generations[bitmap::max_pages]; // each page's when its copy began
        bitmap discarded;                        // pages a discard began on before or during it
    };
    struct restore_state {
        uint32_t recorded[bitmap::max_pages]; // each found page's generation when stored
    };

    // ---- store ------------------------------------------------------------------------------

    static void copy_in(Pool& pool, const uint32_t* slots, uint32_t pages, const void* source,
                        store_state& state) noexcept {
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = slots[i];
            const pfn_t pfn = pool.donors_.pfn_of(slot);
            state.generations[i] = pool.memory_.discard_generation(slot, pfn);
            if (discard_in_progress(state.generations[i])) {
                state.discarded.set(i); // the host is discarding it now: copying would be wasted
                continue;
            }
            if (source != nullptr)
                pool.copy_page_in(pool.memory_.address(slot, pfn),
                                  static_cast<const unsigned char*>(source) + i * pool.page_bytes_);
            if (pool.memory_.discard_generation(slot, pfn) != state.generations[i])
                state.discarded.set(i);
        }
    }

    // A page a discard hit is released (publish then treats it as lost, as a page a donor took
    // back), and counted; the others record their generation. Without data, the generations
    // are read here, under the lock, where the store claims and publishes.
    static bool keep_stored(Pool& pool, const uint32_t* slots, uint32_t pages,
                            store_state& state) noexcept {
        if constexpr (!holds_data) {
            for (uint32_t i = 0; i < pages; ++i) {
                state.generations[i] = pool.discard_generation(slots[i]);
                if (discard_in_progress(state.generations[i]))
                    state.discarded.set(i);
            }
        }
        bool released = false;
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = slots[i];
            if (pool.slots_[slot].state() != slot_state::pending)
                continue; // a donor took it back during the copy: publish sees that
            if (state.discarded.test(i)) {
                pool.slots_[slot].store_copiers(0);
                pool.finish_release(slot);
                pool.stats_.record(pool_event::discarded, 1);
                released = true;
            } else {
                pool.discards_[slot] = state.generations[i];
            }
        }
        return released;
    }

    // ---- restore ----------------------------------------------------------------------------

    // Without data: the generations are compared under the lock, before the lookup, and a page
    // found discarded leaves at once (the restore then misses it).
    static void before_find(Pool& pool, const page_key& key, uint32_t pages) noexcept {
        if constexpr (!holds_data) {
            const uint32_t handle = pool.live_handle(key.fs, key.inode);
            if (handle == no_inode)
                return;
            for (uint32_t i = 0; i < pages; ++i) {
                const uint32_t slot = pool.index_.find(handle, key.index + i);
                if (slot != no_slot && pool.discard_generation(slot) != pool.discards_[slot])
                    pool.drop_discarded(slot);
            }
        }
    }
    static void note_found(Pool& pool, const uint32_t* found, uint32_t pages,
                           restore_state& state) noexcept {
        for (uint32_t i = 0; i < pages; ++i)
            state.recorded[i] = found[i] == no_slot ? 0 : pool.discards_[found[i]];
    }

    // Each found page's copy bracketed by two reads of its generation; a page whose generation
    // has moved before the copy is not copied at all.
    static bitmap copy_out(Pool& pool, const uint32_t* found, uint32_t pages, void* sink,
                           const restore_state& state) noexcept {
        bitmap intact;
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = found[i];
            if (slot == no_slot)
                continue;
            const pfn_t pfn = pool.donors_.pfn_of(slot);
            if (pool.memory_.discard_generation(slot, pfn) != state.recorded[i])
                continue; // discarded since it was stored
            if (sink != nullptr)
                pool.copy_page_out(static_cast<unsigned char*>(sink) + i * pool.page_bytes_,
                                   pool.memory_.address(slot, pfn));
            load_barrier(); // the copy's loads before the second read (see the top of this file)
            if (pool.memory_.discard_generation(slot, pfn) == state.recorded[i])
                intact.set(i);
        }
        return intact;
    }

    // Before the restore counts anything: the pages whose copies a discard touched leave the
    // pool (under drop_whole_folio with their folios, so that a restore gets a folio whole or
    // not at all, as when a donor takes a page back during the copy). A page an exclusive
    // restore already took out lost its data all the same, and counts.
    static void keep_restored(Pool& pool, const uint32_t* found, uint32_t pages,
                              const bitmap& intact) noexcept {
        for (uint32_t i = 0; i < pages; ++i) {
            const uint32_t slot = found[i];
            if (slot == no_slot || intact.test(i))
                continue;
            if (pool.slots_[slot].state() == slot_state::cached)
                pool.drop_discarded(slot); // draining: this restore's copy is still counted in
            else if (Pool::exclusive && pool.slots_[slot].state() == slot_state::draining)
                pool.stats_.record(pool_event::discarded, 1);
        }
    }
    static constexpr bool survived(const bitmap& intact, uint32_t i) noexcept {
        return intact.test(i);
    }
};

} // namespace tagcache::detail
