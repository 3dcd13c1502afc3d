// A fixed-capacity directory of keys of evicted folios (ARC's B1/B2, S3-FIFO's ghost queue):
// hash lookup, and any number of index_lists over its entries for their order. 24 bytes per
// entry plus its bucket. Freestanding; sized at construction.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/assert.hpp"
#include "../base/intrusive_list.hpp"

namespace tagcache {

class ghost_keys {
public:
    static constexpr uint32_t none = list_links::end;

    static constexpr uint32_t bucket_count_for(uint32_t capacity) noexcept {
        uint32_t buckets = 1;
        while (buckets < capacity)
            buckets *= 2;
        return buckets;
    }
    static constexpr size_t storage_bytes(uint32_t capacity) noexcept {
        return size_t{capacity} * (sizeof(entry) + sizeof(list_links)) +
               size_t{bucket_count_for(capacity)} * sizeof(uint32_t);
    }

    void attach(void* storage, uint32_t capacity) noexcept {
        entries_ = static_cast<entry*>(storage);
        links_ = reinterpret_cast<list_links*>(entries_ + capacity);
        buckets_ = reinterpret_cast<uint32_t*>(links_ + capacity);
        capacity_ = capacity;
        mask_ = bucket_count_for(capacity) - 1;
        for (uint32_t i = 0; i <= mask_; ++i)
            buckets_[i] = none;
        free_ = none;
        for (uint32_t i = capacity; i-- > 0;) {
            entries_[i] = entry{0, free_, 0};
            links_[i] = {};
            free_ = i;
        }
        size_ = 0;
    }

    // The entry holding `key`, or none. Expected O(1).
    uint32_t find(uint64_t key) const noexcept {
        for (uint32_t e = buckets_[bucket(key)]; e != none; e = entries_[e].next)
            if (entries_[e].key == key)
                return e;
        return none;
    }

    // Adds `key` (not present) at the front of `list`, tagged `tag`; capacity must remain.
    uint32_t insert(uint64_t key, index_list& list, uint8_t tag = 0) noexcept {
        TAGCACHE_ASSERT(free_ != none, "ghost directory full");
        const uint32_t e = free_;
        free_ = entries_[e].next;
        uint32_t& head = buckets_[bucket(key)];
        entries_[e] = entry{key, head, tag};
        head = e;
        list.push_front(links_, e);
        ++size_;
        return e;
    }

    // Removes an entry from the directory and from `list`. Expected O(1).
    void erase(uint32_t e, index_list& list) noexcept {
        list.remove(links_, e);
        uint32_t* link = &buckets_[bucket(entries_[e].key)];
        while (*link != e) {
            TAGCACHE_ASSERT(*link != none, "ghost key missing from its bucket");
            link = &entries_[*link].next;
        }
        *link = entries_[e].next;
        entries_[e].next = free_;
        free_ = e;
        --size_;
    }

    uint8_t tag(uint32_t e) const noexcept { return entries_[e].tag; }
    uint32_t size() const noexcept { return size_; }
    uint32_t capacity() const noexcept { return capacity_; }
    list_links* links() noexcept { return links_; }

private:
    struct entry {
        uint64_t key;
        uint32_t next; // bucket chain, or free list
        uint8_t tag;   // which of the owner's lists
    };
    uint32_t bucket(uint64_t key) const noexcept {
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdull;
        key ^= key >> 33;
        return static_cast<uint32_t>(key) & mask_;
    }

    entry* entries_ = nullptr;
    list_links* links_ = nullptr;
    uint32_t* buckets_ = nullptr;
    uint32_t capacity_ = 0;
    uint32_t mask_ = 0;
    uint32_t free_ = none;
    uint32_t size_ = 0;
};

} // namespace tagcache
