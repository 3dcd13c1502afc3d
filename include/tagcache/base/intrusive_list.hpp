// Doubly linked lists threaded through a fixed array of links, in the style of
// Boost.Intrusive: no per-node allocation, nodes are array indexes, and several lists may
// share one links array (a node is in at most one of them). Freestanding.
#pragma once

#include <stdint.h>

#include "assert.hpp"

namespace tagcache {

struct list_links {
    static constexpr uint32_t end = 0xFFFF'FFFFu;      // no neighbour
    static constexpr uint32_t unlisted = 0xFFFF'FFFEu; // marks a node in no list
    uint32_t prev = unlisted;
    uint32_t next = unlisted;
};

// One list over a shared links array: front is the most recent end, back the oldest.
class index_list {
public:
    constexpr uint32_t front() const noexcept { return front_; }
    constexpr uint32_t back() const noexcept { return back_; }
    constexpr uint32_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }

    static constexpr bool listed(const list_links* links, uint32_t node) noexcept {
        return links[node].prev != list_links::unlisted;
    }

    constexpr void push_front(list_links* links, uint32_t node) noexcept {
        TAGCACHE_DEBUG_ASSERT(!listed(links, node), "node already in a list");
        links[node] = {list_links::end, front_};
        if (front_ != list_links::end)
            links[front_].prev = node;
        else
            back_ = node;
        front_ = node;
        ++size_;
    }

    constexpr void push_back(list_links* links, uint32_t node) noexcept {
        TAGCACHE_DEBUG_ASSERT(!listed(links, node), "node already in a list");
        links[node] = {back_, list_links::end};
        if (back_ != list_links::end)
            links[back_].next = node;
        else
            front_ = node;
        back_ = node;
        ++size_;
    }

    [[gnu::always_inline]] constexpr void remove(list_links* links, uint32_t node) noexcept {
        TAGCACHE_DEBUG_ASSERT(listed(links, node), "removing a node that is in no list");
        const list_links l = links[node];
        if (l.prev != list_links::end)
            links[l.prev].next = l.next;
        else
            front_ = l.next;
        if (l.next != list_links::end)
            links[l.next].prev = l.prev;
        else
            back_ = l.prev;
        links[node] = {};
        --size_;
    }

    // Puts `to` where `from` is, in O(1); `from` leaves the list.
    constexpr void replace(list_links* links, uint32_t from, uint32_t to) noexcept {
        TAGCACHE_DEBUG_ASSERT(!listed(links, to), "replacement node already in a list");
        const list_links l = links[from];
        links[to] = l;
        if (l.prev != list_links::end)
            links[l.prev].next = to;
        else
            front_ = to;
        if (l.next != list_links::end)
            links[l.next].prev = to;
        else
            back_ = to;
        links[from] = {};
    }

    constexpr void move_to_front(list_links* links, uint32_t node) noexcept {
        if (front_ == node)
            return;
        remove(links, node);
        push_front(links, node);
    }

private:
    uint32_t front_ = list_links::end;
    uint32_t back_ = list_links::end;
    uint32_t size_ = 0;
};

} // namespace tagcache
