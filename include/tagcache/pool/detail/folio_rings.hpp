// The cached folios: each a ring of its pages' slots through their `link` fields, named by its
// head (the slot flagged `head`), and ordered for eviction by the eviction policy, which
// tracks heads only. Every operation is O(2^max_order) at most. Freestanding.
//
// Lazy removal: a policy whose order of the remaining folios does not depend on a removed one
// (P::supports_lazy_removal: LRU, FIFO, CLOCK, SIEVE) is not told at once that a folio left.
// Its head slot is flagged `lingering` and stays listed; the entry is taken out when eviction
// reaches it or when a store claims the slot again. So dropping a folio (take-back,
// invalidation) touches its slot only, not its neighbours in the order: the take-back path is
// one cache line shorter, and what the policy decides is unchanged.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../base/index.hpp"
#include "../../concepts/eviction.hpp"
#include "../key.hpp"
#include "slot.hpp"

namespace tagcache::detail {

template <eviction_policy Eviction>
class folio_rings {
    static constexpr bool lazy = requires { requires Eviction::supports_lazy_removal; };

public:
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return Eviction::storage_bytes(slots);
    }
    void attach(void* storage, slot_meta* slots, uint32_t count) noexcept {
        slots_ = slots;
        eviction_.attach(storage, count);
        lingering_ = 0;
    }

    // Makes `pages` (slots of one folio, in page order) a new folio headed by the first, and
    // gives it to the eviction policy.
    void insert(const uint32_t* pages, uint32_t count) noexcept {
        for (uint32_t i = 0; i < count; ++i) {
            slots_[pages[i]].set_head(i == 0);
            slots_[pages[i]].link = pages[i + 1 < count ? i + 1 : 0];
        }
        eviction_.on_insert(pages[0], slots_[pages[0]].folio_key());
    }

    // The head of the folio `slot` belongs to.
    uint32_t head_of(uint32_t slot) const noexcept {
        uint32_t at = slot;
        while (!slots_[at].head())
            at = slots_[at].link;
        return at;
    }

    // A restore found (part of) the folio.
    void touch(uint32_t head) noexcept { eviction_.on_hit(head); }

    // Takes one page out of its folio. The folio keeps its eviction position under a new head,
    // or leaves the eviction order if this was its only page.
    void remove_page(uint32_t slot) noexcept {
        slot_meta& s = slots_[slot];
        if (s.link == slot) {
            leave(slot);
        } else {
            uint32_t before = s.link;
            while (slots_[before].link != slot)
                before = slots_[before].link;
            slots_[before].link = s.link;
            if (s.head()) {
                slots_[s.link].set_head(true);
                eviction_.on_move(slot, s.link);
            }
        }
        s.link = no_slot;
        s.set_head(false);
    }

    // Takes the whole folio headed by `head` out, then calls each(slot) for every page, the
    // head first. `evicted`: the eviction policy chose it (ghost lists remember its key).
    // Returns the number of pages.
    template <class Each>
    uint32_t remove_folio(uint32_t head, bool evicted, Each&& each) noexcept {
        if (evicted)
            eviction_.on_evict(head, slots_[head].folio_key());
        else
            leave(head);
        uint32_t pages = 0;
        uint32_t at = head;
        do {
            const uint32_t next = slots_[at].link;
            slots_[at].link = no_slot;
            slots_[at].set_head(false);
            each(at);
            ++pages;
            at = next;
        } while (at != head);
        return pages;
    }

    // A slot a store claims: if a folio it headed still lingers in the order, it leaves now.
    void purge(uint32_t slot) noexcept {
        if constexpr (lazy) {
            if (slots_[slot].lingering()) {
                eviction_.on_remove(slot);
                slots_[slot].set_lingering(false);
                --lingering_;
            }
        }
    }

    // Eviction: before_insert() when a store of `key` begins, then select_victim() (bounded by
    // `steps`; no_slot when empty or out of steps) and remove_folio(victim, true). Lingering
    // entries the policy offers are taken out on the way, one step each.
    void before_insert(uint64_t key) noexcept { eviction_.before_insert(key); }
    uint32_t select_victim(uint32_t& steps) noexcept {
        for (;;) {
            const uint32_t victim = eviction_.select_victim(steps);
            if (victim == no_slot || !slots_[victim].lingering())
                return victim;
            purge(victim);
            if (steps == 0)
                return no_slot;
            --steps;
        }
    }
    bool eviction_incomplete() const noexcept { return eviction_.eviction_incomplete(); }

    // Brings the next victim's slot (and the policy's entry, where it can name the victim
    // without choosing it) toward the cache, for the next store to evict.
    void prefetch_victim() const noexcept {
        if constexpr (requires {
                          { eviction_.peek_victim() } -> same_as<uint32_t>;
                      }) {
            const uint32_t victim = eviction_.peek_victim();
            if (victim != no_slot)
                __builtin_prefetch(&slots_[victim], 1);
        }
    }
    uint32_t size() const noexcept { return eviction_.size() - lingering_; } // live folios

    // The rings' part of the invariants, over the first `used` slots: a cached page's ring
    // holds at most 2^order cached pages of its own aligned folio, exactly one of them the
    // head; the eviction policy tracks exactly the heads, and the lingering slots (free or
    // donor-owned, never reused while they linger); no other slot is flagged as a head.
    const char* check(uint32_t used) const noexcept {
        uint32_t heads = 0, lingering = 0;
        for (uint32_t slot = 0; slot < used; ++slot) {
            const slot_meta& s = slots_[slot];
            if (s.lingering()) {
                ++lingering;
                if (!lazy || !eviction_.contains(slot))
                    return "a lingering slot is not in the eviction order";
                if (s.state() != slot_state::free && s.state() != slot_state::donor_owned)
                    return "a lingering slot holds data";
            }
            if (s.state() != slot_state::cached) {
                if (s.head())
                    return "a slot that is not cached is marked as a folio head";
                if (!s.lingering() && eviction_.contains(slot))
                    return "eviction policy holds a slot that heads no folio";
                continue;
            }
            uint32_t members = 0, ring_heads = 0;
            uint32_t at = slot;
            do {
                const slot_meta& m = slots_[at];
                if (m.state() != slot_state::cached || m.inode() != s.inode() ||
                    m.order() != s.order() || (m.index() >> s.order()) != (s.index() >> s.order()))
                    return "folio ring holds a page of another folio";
                ring_heads += m.head() ? 1u : 0u;
                if (++members > (uint32_t{1} << s.order()))
                    return "folio ring longer than its order allows";
                at = m.link;
            } while (at != slot);
            if (ring_heads != 1)
                return "folio ring without exactly one head";
            if (s.head() != eviction_.contains(slot))
                return s.head() ? "folio head unknown to the eviction policy"
                                : "eviction policy holds a page that is not a folio head";
            heads += s.head() ? 1u : 0u;
        }
        if (lingering != lingering_)
            return "lingering count differs from the lingering slots";
        return heads == size() ? nullptr : "eviction policy size differs from the number of folios";
    }

private:
    // The folio headed by `head` left the pool: it leaves the eviction order now, or lingers.
    void leave(uint32_t head) noexcept {
        if constexpr (lazy) {
            slots_[head].set_lingering(true);
            ++lingering_;
        } else {
            eviction_.on_remove(head);
        }
    }

    slot_meta* slots_ = nullptr;
    Eviction eviction_{};
    uint32_t lingering_ = 0; // slots still listed in the order whose folio left
};

} // namespace tagcache::detail
