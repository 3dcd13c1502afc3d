// The page index: (inode handle, page index) -> the slot caching that page. Chained hashing
// through the slots' own `hash_next` fields, so that it costs one 4-byte bucket per bucket and
// nothing per entry. A slot that stops being cached may stay in its chain ("stale"); lookups
// unlink such entries as they pass, so that take-back never walks a chain. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../base/assert.hpp"
#include "../../base/index.hpp"
#include "../key.hpp"
#include "hash.hpp"
#include "slot.hpp"

namespace tagcache::detail {

class page_index {
public:
    static constexpr size_t storage_bytes(uint32_t buckets) noexcept {
        return size_t{buckets} * sizeof(uint32_t);
    }

    // `buckets` is a power of two; `slots` the pool's slot records, whose links it threads.
    void attach(void* storage, uint32_t buckets, slot_meta* slots, uint64_t seed) noexcept {
        buckets_ = static_cast<uint32_t*>(storage);
        mask_ = buckets - 1;
        bucket_bits_ = 1; // one bucket: the top bit, masked off
        while ((uint32_t{1} << bucket_bits_) < buckets)
            ++bucket_bits_;
        slots_ = slots;
        seed_ = seed;
        for (uint32_t i = 0; i <= mask_; ++i)
            buckets_[i] = no_slot;
        memo_key_ = 0;
        memo_bucket_ = bucket_number(0);
    }

    // The chain head of (handle, index): one hash, reusable for a find and an insert. The last
    // key hashed is remembered, so that a store of the page a restore just missed (a page
    // cache's read, a demand-paging replay) hashes it once.
    uint32_t& bucket(uint32_t handle, uint64_t index) noexcept {
        return bucket(slot_meta::interned_key(handle, index));
    }
    uint32_t& bucket(uint64_t key) noexcept {
        if (key != memo_key_) {
            memo_key_ = key;
            memo_bucket_ = bucket_number(key);
        }
        return buckets_[memo_bucket_];
    }

    // The cached slot of (handle, index) in the chain starting at `head`, or no_slot. Entries
    // no longer cached are unlinked on the way. Expected O(1).
    uint32_t find(uint32_t& head, uint32_t handle, uint64_t index) noexcept {
        const uint64_t key = slot_meta::interned_key(handle, index);
        uint32_t* link = &head;
        while (*link != no_slot) {
            const uint32_t slot = *link;
            slot_meta& s = slots_[slot];
            if (s.state() != slot_state::cached) {
                *link = s.hash_next;
                s.hash_next = no_slot;
                s.set_in_chain(false);
                continue;
            }
            if (s.folio_key() == key)
                return slot;
            link = &s.hash_next;
        }
        return no_slot;
    }
    uint32_t find(uint32_t handle, uint64_t index) noexcept {
        return find(bucket(handle, index), handle, index);
    }

    // Links `slot` (keyed by its inode and index fields) at the front of chain `head`.
    void insert(uint32_t& head, uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        s.hash_next = head;
        s.set_in_chain(true);
        head = slot;
    }

    // The chain head of a chained slot's key.
    uint32_t& bucket_of(uint32_t slot) noexcept { return bucket(slots_[slot].folio_key()); }

    // Takes `slot` out of its chain if it is in one. Expected O(1): finds the predecessor.
    void unlink(uint32_t slot) noexcept {
        if (slots_[slot].in_chain())
            unlink(slot, bucket_of(slot));
    }
    // The same, when the caller knows the chain head (no hash).
    void unlink(uint32_t slot, uint32_t& head) noexcept {
        slot_meta& s = slots_[slot];
        if (!s.in_chain())
            return;
        uint32_t* link = &head;
        while (*link != slot) {
            TAGCACHE_ASSERT(*link != no_slot, "slot missing from its index chain");
            link = &slots_[*link].hash_next;
        }
        *link = s.hash_next;
        s.hash_next = no_slot;
        s.set_in_chain(false);
    }

    uint32_t bucket_count() const noexcept { return mask_ + 1; }

    // The index's part of the invariants, over the first `used` slots: every cached slot is
    // reachable from its bucket and its key is cached once; every chained slot is flagged and
    // sits in the right bucket; no chain is cyclic. O(slots). nullptr when they hold.
    const char* check(uint32_t used) const noexcept {
        uint64_t flagged = 0;
        for (uint32_t slot = 0; slot < used; ++slot) {
            const slot_meta& s = slots_[slot];
            flagged += s.in_chain() ? 1u : 0u;
            if (s.state() != slot_state::cached)
                continue;
            if (!s.in_chain())
                return "cached page missing from the index";
            uint32_t matches = 0, steps = 0;
            bool reachable = false;
            for (uint32_t at = buckets_[bucket_number(s.folio_key())]; at != no_slot;
                 at = slots_[at].hash_next) {
                if (++steps > used)
                    return "index chain has a cycle";
                reachable = reachable || at == slot;
                const slot_meta& m = slots_[at];
                if (m.state() == slot_state::cached && m.folio_key() == s.folio_key())
                    ++matches;
            }
            if (!reachable || matches != 1)
                return "cached page not reachable from its bucket, or its key cached twice";
        }
        uint64_t chained = 0;
        for (uint32_t b = 0; b <= mask_; ++b) {
            for (uint32_t at = buckets_[b]; at != no_slot; at = slots_[at].hash_next) {
                if (++chained > used)
                    return "index chains longer than the pool";
                if (!slots_[at].in_chain())
                    return "index chain entry without its in_chain flag";
                if (bucket_number(slots_[at].folio_key()) != b)
                    return "index chain entry in the wrong bucket";
            }
        }
        return chained == flagged ? nullptr : "slots flagged in_chain but in no chain";
    }

private:
    uint32_t bucket_number(uint64_t key) const noexcept {
        return static_cast<uint32_t>(fibonacci_hash(key, seed_, bucket_bits_)) & mask_;
    }

    uint32_t* buckets_ = nullptr;
    uint32_t mask_ = 0;
    unsigned bucket_bits_ = 1; // log2 of the bucket count (1 for one bucket)
    slot_meta* slots_ = nullptr;
    uint64_t seed_ = 0;
    uint64_t memo_key_ = 0;    // the last key bucket() hashed ...
    uint32_t memo_bucket_ = 0; // ... and its bucket
};

} // namespace tagcache::detail
