// Reference implementations of six cache eviction algorithms, on std containers, written from
// the specification alone (not from the library's policies), for the property test that holds
// the pool's policies to them request by request. Clear rather than fast.
//
// A cache of `capacity` pages (capacity >= 1) serves requests for 64-bit keys: access(key) is
// true on a hit; on a miss, when the cache holds `capacity` pages, the policy evicts, then the
// key is inserted. Every class is deterministic and has
//   explicit X(size_t capacity);  bool access(uint64_t key);  size_t size() const;
//   bool cached(uint64_t key) const;  const char* check_invariants() const (nullptr: fine).
//
//   lru_reference     LRU.
//   fifo_reference    FIFO: hits change nothing.
//   clock_reference   CLOCK, second chance as in libCacheSim's Clock.
//   sieve_reference   SIEVE: Zhang et al., "SIEVE is Simpler than LRU", NSDI '24.
//   s3fifo_reference  S3-FIFO: Yang et al., "FIFO queues are all you need for cache eviction",
//                     SOSP '23, Algorithm 1.
//   arc_reference     ARC: Megiddo and Modha, "ARC: A Self-Tuning, Low Overhead Replacement
//                     Cache", USENIX FAST '03, Figure 4, with a real-valued target p.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <stdexcept>
#include <unordered_map>

namespace tagcache::test {

// Lists of distinct keys, each key in at most one of the `Lists` lists, with one index by key.
// In each list the front is the newest (MRU, head) and the back the oldest (LRU, tail); every
// entry carries a value and the number of its list. A forgotten key's nodes are recycled (all
// list nodes, the latest index node) rather than freed: in a sanitized -O0 build, allocation
// would dominate the cost.
template <class Value, size_t Lists>
class keyed_lists {
public:
    struct entry;
    using position = typename std::list<entry>::iterator;
    struct entry {
        uint64_t key;
        Value value;
        size_t list;
        position self; // this entry's node, for moves without a second lookup
    };

    size_t size(size_t list) const { return lists_[list].size(); }
    bool empty(size_t list) const { return lists_[list].empty(); }
    // The entry of `key`, or nullptr when no list holds it.
    entry* find(uint64_t key) {
        const auto it = index_.find(key);
        return it == index_.end() ? nullptr : &*it->second;
    }
    const entry* find(uint64_t key) const {
        const auto it = index_.find(key);
        return it == index_.end() ? nullptr : &*it->second;
    }
    bool contains(uint64_t key) const { return index_.count(key) != 0; }
    bool contains(uint64_t key, size_t list) const {
        const entry* e = find(key);
        return e != nullptr && e->list == list;
    }
    entry& back(size_t list) {
        if (lists_[list].empty())
            throw std::logic_error("keyed_lists: back() of an empty list");
        return lists_[list].back();
    }

    // Adds a key no list holds at the front of `list`.
    void push_front(size_t list, uint64_t key, Value value) {
        if (spare_.empty())
            spare_.emplace_front();
        lists_[list].splice(lists_[list].begin(), spare_, spare_.begin());
        const position it = lists_[list].begin();
        *it = entry{key, value, list, it};
        bool inserted;
        if (spare_index_.empty()) {
            inserted = index_.emplace(key, it).second;
        } else {
            spare_index_.key() = key;
            spare_index_.mapped() = it;
            inserted = index_.insert(std::move(spare_index_)).inserted;
        }
        if (!inserted)
            throw std::logic_error("keyed_lists: key listed twice");
    }
    // Moves a listed entry to the front of `list` (its own or another), keeping its value.
    void move_to_front(entry& e, size_t list) {
        lists_[list].splice(lists_[list].begin(), lists_[e.list], e.self);
        e.list = list;
    }
    // Forgets the key at the back of `list`.
    void pop_back(size_t list) { erase(back(list)); }
    // Forgets a listed entry's key.
    void erase(entry& e) {
        spare_index_ = index_.extract(e.key);
        spare_.splice(spare_.begin(), lists_[e.list], e.self);
    }

    const std::list<entry>& entries(size_t list) const { return lists_[list]; }

    // The index and the lists agree.
    bool consistent() const {
        size_t listed = 0;
        for (size_t list = 0; list < Lists; ++list) {
            listed += lists_[list].size();
            for (const entry& e : lists_[list]) {
                const auto found = index_.find(e.key);
                if (e.list != list || found == index_.end() || &*found->second != &e ||
                    &*e.self != &e)
                    return false;
            }
        }
        return listed == index_.size();
    }

private:
    using index_type = std::unordered_map<uint64_t, position>;

    std::list<entry> lists_[Lists];
    std::list<entry> spare_;
    index_type index_;
    typename index_type::node_type spare_index_; // one node of the index, or none
};

struct no_value {};

namespace detail {
inline size_t checked_capacity(size_t capacity) {
    if (capacity == 0)
        throw std::invalid_argument("reference cache: capacity must be at least 1");
    return capacity;
}
} // namespace detail

// 1. LRU: a hit moves the key to most recent; a miss evicts the least recently used.
class lru_reference {
public:
    static constexpr const char* name = "lru";
    explicit lru_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        if (auto* page = pages_.find(key)) {
            pages_.move_to_front(*page, 0);
            return true;
        }
        if (pages_.size(0) == capacity_)
            pages_.pop_back(0);
        pages_.push_front(0, key, no_value{});
        return false;
    }

    size_t size() const { return pages_.size(0); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "lru: list and index disagree";
        return size() <= capacity_ ? nullptr : "lru: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_lists<no_value, 1> pages_;
};

// 2. FIFO: hits change nothing; a miss evicts the oldest inserted.
class fifo_reference {
public:
    static constexpr const char* name = "fifo";
    explicit fifo_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        if (pages_.contains(key))
            return true;
        if (pages_.size(0) == capacity_)
            pages_.pop_back(0);
        pages_.push_front(0, key, no_value{});
        return false;
    }

    size_t size() const { return pages_.size(0); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "fifo: list and index disagree";
        return size() <= capacity_ ? nullptr : "fifo: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_lists<no_value, 1> pages_;
};

// 3. CLOCK (second chance): a hit sets the page's reference bit; a new page is the newest,
// with the bit clear. The victim: the oldest page, unless its bit is set, in which case the
// bit is cleared, the page becomes the newest, and the next oldest is looked at.
class clock_reference {
public:
    static constexpr const char* name = "clock";
    explicit clock_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        if (auto* page = pages_.find(key)) {
            page->value = true;
            return true;
        }
        if (pages_.size(0) == capacity_) {
            while (pages_.back(0).value) {
                pages_.back(0).value = false;
                pages_.move_to_front(pages_.back(0), 0);
            }
            pages_.pop_back(0);
        }
        pages_.push_front(0, key, false);
        return false;
    }

    size_t size() const { return pages_.size(0); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "clock: list and index disagree";
        return size() <= capacity_ ? nullptr : "clock: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_lists<bool, 1> pages_; // value: the reference bit
};

// 4. SIEVE: a queue from newest (head, front of the list) to oldest (tail, back), a visited
// bit per page (set by a hit, clear on insertion at the head), and a hand, initially none.
// Hits do not move pages. To evict: o = the hand, or the tail when there is none; while o is
// visited, clear it and step toward the head, wrapping from the head to the tail; the hand
// becomes the page toward the head from o (none when o is the head), and o is evicted.
class sieve_reference {
public:
    static constexpr const char* name = "sieve";
    explicit sieve_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        const auto found = index_.find(key);
        if (found != index_.end()) {
            found->second->visited = true;
            return true;
        }
        if (queue_.size() == capacity_)
            evict();
        queue_.push_front(page{key, false});
        index_[key] = queue_.begin();
        return false;
    }

    size_t size() const { return queue_.size(); }
    bool cached(uint64_t key) const { return index_.count(key) != 0; }
    // The key the hand points at, for tests; `none` when there is no hand.
    static constexpr uint64_t none = ~uint64_t{0};
    uint64_t hand_key() const { return has_hand_ ? hand_->key : none; }

    const char* check_invariants() const {
        if (queue_.size() > capacity_)
            return "sieve: more pages than capacity";
        if (index_.size() != queue_.size())
            return "sieve: index and queue sizes differ";
        bool hand_found = false;
        for (auto it = queue_.begin(); it != queue_.end(); ++it) {
            const auto found = index_.find(it->key);
            if (found == index_.end() || found->second != it)
                return "sieve: index and queue disagree";
            hand_found = hand_found || (has_hand_ && it == hand_);
        }
        return has_hand_ && !hand_found ? "sieve: the hand points at no cached page" : nullptr;
    }

private:
    struct page {
        uint64_t key;
        bool visited;
    };
    using iterator = std::list<page>::iterator;

    void evict() {
        iterator o = has_hand_ ? hand_ : std::prev(queue_.end());
        while (o->visited) {
            o->visited = false;
            o = o == queue_.begin() ? std::prev(queue_.end()) : std::prev(o);
        }
        has_hand_ = o != queue_.begin();
        if (has_hand_)
            hand_ = std::prev(o);
        index_.erase(o->key);
        queue_.erase(o);
    }

    size_t capacity_;
    std::list<page> queue_; // front: head (newest); back: tail (oldest)
    std::unordered_map<uint64_t, iterator> index_;
    bool has_hand_ = false;
    iterator hand_{};
};

// 5. S3-FIFO, the SOSP '23 paper's Algorithm 1: a small FIFO S of max(1, floor(c / 10))
// pages, a main FIFO M of the rest, and a ghost FIFO G of as many keys as M has pages. A hit
// raises the page's freq, saturating at 3. A miss first makes room (evict() while the cache
// holds c pages), then inserts the key at the head of M (freq 0) when it is in G, removing it
// from G, or at the head of S (freq 0) otherwise.
class s3fifo_reference {
public:
    static constexpr const char* name = "s3fifo";
    explicit s3fifo_reference(size_t capacity)
        : capacity_(detail::checked_capacity(capacity))
        , small_capacity_(std::max<size_t>(1, capacity / 10))
        , main_capacity_(capacity - small_capacity_)
        , ghost_capacity_(main_capacity_) {}

    bool access(uint64_t key) {
        auto* page = queues_.find(key);
        if (page != nullptr && page->list != ghost) {
            page->value = std::min(page->value + 1, 3);
            return true;
        }
        while (size() >= capacity_)
            evict();
        // Whether the key is a ghost is decided after making room: the evictions may have
        // pushed it out of G (Algorithm 1's INSERT: "while cache is full do EVICT(); if x in G").
        if (auto* ghost_key = queues_.find(key)) { // not cached (a miss): a ghost
            queues_.erase(*ghost_key);
            queues_.push_front(main, key, 0);
        } else {
            queues_.push_front(small, key, 0);
        }
        return false;
    }

    size_t size() const { return queues_.size(small) + queues_.size(main); }
    bool cached(uint64_t key) const { return in_small(key) || in_main(key); }
    bool in_small(uint64_t key) const { return queues_.contains(key, small); }
    bool in_main(uint64_t key) const { return queues_.contains(key, main); }
    bool in_ghost(uint64_t key) const { return queues_.contains(key, ghost); }
    size_t small_capacity() const { return small_capacity_; }
    size_t main_capacity() const { return main_capacity_; }

    const char* check_invariants() const {
        if (!queues_.consistent())
            return "s3fifo: the queues and their index disagree";
        if (size() > capacity_)
            return "s3fifo: more pages than capacity";
        if (queues_.size(ghost) > ghost_capacity_)
            return "s3fifo: more ghosts than G's capacity";
        for (const size_t queue : {small, main})
            for (const auto& page : queues_.entries(queue))
                if (page.value < 0 || page.value > 3)
                    return "s3fifo: a freq out of 0..3";
        return nullptr;
    }

private:
    static constexpr size_t small = 0, main = 1, ghost = 2;

    void evict() {
        const bool from_small = queues_.size(small) >= small_capacity_;
        if ((from_small && !queues_.empty(small)) || queues_.empty(main))
            evict_small();
        else
            evict_main();
    }

    // Promotes S's tail pages seen more than once to M (evicting from M when it overflows),
    // until one is evicted, its key becoming a ghost, or S is empty: Algorithm 1 loops "while
    // not evicted and S.size > 0", so promotions that empty S end this eviction, though one
    // EVICTM may have evicted a page; the caller evicts again only if the cache is still full.
    void evict_small() {
        while (!queues_.empty(small)) {
            auto& tail = queues_.back(small);
            if (tail.value > 1) {
                queues_.move_to_front(tail, main); // keeps its freq
                if (queues_.size(main) > main_capacity_)
                    evict_main();
                continue;
            }
            queues_.move_to_front(tail, ghost); // the page leaves the cache, its key stays
            if (queues_.size(ghost) > ghost_capacity_)
                queues_.pop_back(ghost);
            return;
        }
    }

    // Reinserts M's tail pages with freq > 0 at the head, one freq less, until a page with
    // freq 0 is at the tail; evicts it.
    void evict_main() {
        while (!queues_.empty(main)) {
            auto& tail = queues_.back(main);
            if (tail.value > 0) {
                --tail.value;
                queues_.move_to_front(tail, main);
                continue;
            }
            queues_.pop_back(main);
            return;
        }
    }

    size_t capacity_;
    size_t small_capacity_;
    size_t main_capacity_;
    size_t ghost_capacity_;
    keyed_lists<int, 3> queues_; // S, M and G; value: freq, 0..3 (unused in G)
};

// 6. ARC, the FAST '03 paper's Figure 4, with a real-valued target p (initially 0). T1 and T2
// hold the cached pages, B1 and B2 the ghost keys; front = MRU, back = LRU.
class arc_reference {
public:
    static constexpr const char* name = "arc";
    explicit arc_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t x) {
        const double c = static_cast<double>(capacity_);
        auto* found = lists_.find(x);
        const size_t list = found == nullptr ? none : found->list;
        // Case I: a cache hit.
        if (list == t1 || list == t2) {
            lists_.move_to_front(*found, t2);
            return true;
        }
        // Case II: a ghost hit in B1 raises the target size of T1.
        if (list == b1) {
            const double d = size(b1) >= size(b2) ? 1.0 : ratio(size(b2), size(b1));
            p_ = std::min(p_ + d, c);
            replace(false);
            lists_.move_to_front(*found, t2);
            return false;
        }
        // Case III: a ghost hit in B2 lowers it.
        if (list == b2) {
            const double d = size(b2) >= size(b1) ? 1.0 : ratio(size(b1), size(b2));
            p_ = std::max(p_ - d, 0.0);
            replace(true);
            lists_.move_to_front(*found, t2);
            return false;
        }
        // Case IV: in none of the four lists.
        const size_t l1 = size(t1) + size(b1);
        const size_t total = l1 + size(t2) + size(b2);
        if (l1 == capacity_) {
            if (size(t1) < capacity_) {
                lists_.pop_back(b1);
                replace(false);
            } else {
                lists_.pop_back(t1); // B1 is empty: the page leaves the cache, leaving no ghost
            }
        } else if (total >= capacity_) {
            if (total == 2 * capacity_)
                lists_.pop_back(b2);
            replace(false);
        }
        lists_.push_front(t1, x, no_value{});
        return false;
    }

    size_t size() const { return size(t1) + size(t2); }
    bool cached(uint64_t key) const {
        const auto* found = lists_.find(key);
        return found != nullptr && (found->list == t1 || found->list == t2);
    }
    double target() const { return p_; }
    size_t t1_size() const { return size(t1); }
    size_t t2_size() const { return size(t2); }
    size_t b1_size() const { return size(b1); }
    size_t b2_size() const { return size(b2); }

    // The invariants of the paper's Section III (DBL(2c) and the policy class Pi(c)).
    const char* check_invariants() const {
        if (!lists_.consistent())
            return "arc: the lists and their index disagree";
        const size_t l1 = size(t1) + size(b1);
        const size_t l2 = size(t2) + size(b2);
        if (size() > capacity_)
            return "arc: |T1| + |T2| > c";
        if (l1 > capacity_)
            return "arc: |T1| + |B1| > c";
        if (l1 + l2 > 2 * capacity_)
            return "arc: |L1| + |L2| > 2c";
        if (size() < capacity_ && size(b1) + size(b2) != 0)
            return "arc: ghosts while the cache is not full";
        if (l1 + l2 >= capacity_ && size() != capacity_)
            return "arc: |L1| + |L2| >= c but the cache is not full";
        if (!(p_ >= 0.0 && p_ <= static_cast<double>(capacity_)))
            return "arc: p outside [0, c]";
        return nullptr;
    }

private:
    static constexpr size_t t1 = 0, t2 = 1, b1 = 2, b2 = 3, none = 4;

    size_t size(size_t list) const { return lists_.size(list); }
    static double ratio(size_t numerator, size_t denominator) {
        return static_cast<double>(numerator) / static_cast<double>(denominator);
    }

    // REPLACE(x, p): the LRU page of T1 goes to B1 when T1 is over its target (or at it, for
    // a ghost hit in B2), else the LRU page of T2 goes to B2. Either leaves the cache.
    void replace(bool x_in_b2) {
        const double n1 = static_cast<double>(size(t1));
        if (size(t1) >= 1 && ((x_in_b2 && n1 == p_) || n1 > p_)) {
            lists_.move_to_front(lists_.back(t1), b1);
        } else {
            if (size(t2) == 0)
                throw std::logic_error("arc: REPLACE from an empty T2");
            lists_.move_to_front(lists_.back(t2), b2);
        }
    }

    size_t capacity_;
    double p_ = 0.0;
    keyed_lists<no_value, 4> lists_; // T1, T2, B1, B2
};

} // namespace tagcache::test
