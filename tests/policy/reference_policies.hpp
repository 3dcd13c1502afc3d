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
#include <unordered_set>

namespace tagcache::test {

// Distinct keys in order, front = newest (MRU, head), back = oldest (LRU, tail), each with a
// value, and an index by key.
template <class Value>
class keyed_list {
public:
    struct node {
        uint64_t key;
        Value value;
    };

    size_t size() const { return nodes_.size(); }
    bool empty() const { return nodes_.empty(); }
    bool contains(uint64_t key) const { return index_.count(key) != 0; }

    // The value of `key`, or nullptr when it is not listed.
    Value* find(uint64_t key) {
        const auto it = index_.find(key);
        return it == index_.end() ? nullptr : &it->second->value;
    }

    void push_front(uint64_t key, Value value) {
        if (contains(key))
            throw std::logic_error("keyed_list: key listed twice");
        nodes_.push_front(node{key, value});
        index_[key] = nodes_.begin();
    }
    void move_to_front(uint64_t key) {
        nodes_.splice(nodes_.begin(), nodes_, index_.at(key));
    }
    const node& back() const {
        if (nodes_.empty())
            throw std::logic_error("keyed_list: back() of an empty list");
        return nodes_.back();
    }
    node& back() {
        if (nodes_.empty())
            throw std::logic_error("keyed_list: back() of an empty list");
        return nodes_.back();
    }
    node pop_back() {
        const node last = back();
        index_.erase(last.key);
        nodes_.pop_back();
        return last;
    }
    // Removes `key` and returns its value; it must be listed.
    Value erase(uint64_t key) {
        const auto it = index_.at(key);
        const Value value = it->value;
        nodes_.erase(it);
        index_.erase(key);
        return value;
    }

    const std::list<node>& nodes() const { return nodes_; }

    // The index and the list agree.
    bool consistent() const {
        if (index_.size() != nodes_.size())
            return false;
        for (auto it = nodes_.begin(); it != nodes_.end(); ++it) {
            const auto found = index_.find(it->key);
            if (found == index_.end() || found->second != it)
                return false;
        }
        return true;
    }

private:
    std::list<node> nodes_;
    std::unordered_map<uint64_t, typename std::list<node>::iterator> index_;
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
        if (pages_.contains(key)) {
            pages_.move_to_front(key);
            return true;
        }
        if (pages_.size() == capacity_)
            pages_.pop_back();
        pages_.push_front(key, no_value{});
        return false;
    }

    size_t size() const { return pages_.size(); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "lru: list and index disagree";
        return pages_.size() <= capacity_ ? nullptr : "lru: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_list<no_value> pages_;
};

// 2. FIFO: hits change nothing; a miss evicts the oldest inserted.
class fifo_reference {
public:
    static constexpr const char* name = "fifo";
    explicit fifo_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        if (pages_.contains(key))
            return true;
        if (pages_.size() == capacity_)
            pages_.pop_back();
        pages_.push_front(key, no_value{});
        return false;
    }

    size_t size() const { return pages_.size(); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "fifo: list and index disagree";
        return pages_.size() <= capacity_ ? nullptr : "fifo: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_list<no_value> pages_;
};

// 3. CLOCK (second chance): a hit sets the page's reference bit; a new page is the newest,
// with the bit clear. The victim: the oldest page, unless its bit is set, in which case the
// bit is cleared, the page becomes the newest, and the next oldest is looked at.
class clock_reference {
public:
    static constexpr const char* name = "clock";
    explicit clock_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t key) {
        if (bool* referenced = pages_.find(key)) {
            *referenced = true;
            return true;
        }
        if (pages_.size() == capacity_) {
            while (pages_.back().value) {
                pages_.back().value = false;
                pages_.move_to_front(pages_.back().key);
            }
            pages_.pop_back();
        }
        pages_.push_front(key, false);
        return false;
    }

    size_t size() const { return pages_.size(); }
    bool cached(uint64_t key) const { return pages_.contains(key); }
    const char* check_invariants() const {
        if (!pages_.consistent())
            return "clock: list and index disagree";
        return pages_.size() <= capacity_ ? nullptr : "clock: more pages than capacity";
    }

private:
    size_t capacity_;
    keyed_list<bool> pages_; // value: the reference bit
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
        int* freq = small_.find(key);
        if (freq == nullptr)
            freq = main_.find(key);
        if (freq != nullptr) {
            *freq = std::min(*freq + 1, 3);
            return true;
        }
        while (size() >= capacity_)
            evict();
        // Whether the key is a ghost is decided after making room: the evictions may have
        // pushed it out of G (Algorithm 1's INSERT: "while cache is full do EVICT(); if x in G").
        if (ghost_.contains(key)) {
            ghost_.erase(key);
            main_.push_front(key, 0);
        } else {
            small_.push_front(key, 0);
        }
        return false;
    }

    size_t size() const { return small_.size() + main_.size(); }
    bool cached(uint64_t key) const { return small_.contains(key) || main_.contains(key); }
    bool in_small(uint64_t key) const { return small_.contains(key); }
    bool in_main(uint64_t key) const { return main_.contains(key); }
    bool in_ghost(uint64_t key) const { return ghost_.contains(key); }
    size_t small_size() const { return small_.size(); }
    size_t main_size() const { return main_.size(); }
    size_t ghost_size() const { return ghost_.size(); }
    size_t small_capacity() const { return small_capacity_; }
    size_t main_capacity() const { return main_capacity_; }

    const char* check_invariants() const {
        if (!small_.consistent() || !main_.consistent() || !ghost_.consistent())
            return "s3fifo: a list and its index disagree";
        if (size() > capacity_)
            return "s3fifo: more pages than capacity";
        if (ghost_.size() > ghost_capacity_)
            return "s3fifo: more ghosts than G's capacity";
        for (const auto& n : small_.nodes())
            if (main_.contains(n.key) || ghost_.contains(n.key) || n.value < 0 || n.value > 3)
                return "s3fifo: a page of S is also in M or G, or its freq is out of range";
        for (const auto& n : main_.nodes())
            if (ghost_.contains(n.key) || n.value < 0 || n.value > 3)
                return "s3fifo: a page of M is also in G, or its freq is out of range";
        return nullptr;
    }

private:
    void evict() {
        const bool from_small = small_.size() >= small_capacity_;
        if ((from_small && !small_.empty()) || main_.empty())
            evict_small();
        else
            evict_main();
    }

    // Promotes S's tail pages seen more than once to M (which may evict from M), until one is
    // evicted (its key becoming a ghost) or S is empty.
    void evict_small() {
        while (!small_.empty()) {
            const auto tail = small_.pop_back();
            if (tail.value > 1) {
                main_.push_front(tail.key, tail.value);
                if (main_.size() > main_capacity_)
                    evict_main();
                continue;
            }
            ghost_.push_front(tail.key, no_value{});
            if (ghost_.size() > ghost_capacity_)
                ghost_.pop_back();
            return;
        }
    }

    // Reinserts M's tail pages with freq > 0 at the head, one freq less, until a page with
    // freq 0 is at the tail; evicts it.
    void evict_main() {
        while (!main_.empty()) {
            auto& tail = main_.back();
            if (tail.value > 0) {
                --tail.value;
                main_.move_to_front(tail.key);
                continue;
            }
            main_.pop_back();
            return;
        }
    }

    size_t capacity_;
    size_t small_capacity_;
    size_t main_capacity_;
    size_t ghost_capacity_;
    keyed_list<int> small_; // value: freq, 0..3
    keyed_list<int> main_;
    keyed_list<no_value> ghost_;
};

// 6. ARC, the FAST '03 paper's Figure 4, with a real-valued target p (initially 0). T1 and T2
// hold the cached pages, B1 and B2 the ghost keys; front = MRU, back = LRU.
class arc_reference {
public:
    static constexpr const char* name = "arc";
    explicit arc_reference(size_t capacity) : capacity_(detail::checked_capacity(capacity)) {}

    bool access(uint64_t x) {
        const double c = static_cast<double>(capacity_);
        // Case I: a cache hit.
        if (t1_.contains(x)) {
            t1_.erase(x);
            t2_.push_front(x, no_value{});
            return true;
        }
        if (t2_.contains(x)) {
            t2_.move_to_front(x);
            return true;
        }
        // Case II: a ghost hit in B1 raises the target size of T1.
        if (b1_.contains(x)) {
            const double d = b1_.size() >= b2_.size() ? 1.0 : ratio(b2_.size(), b1_.size());
            p_ = std::min(p_ + d, c);
            replace(x);
            b1_.erase(x);
            t2_.push_front(x, no_value{});
            return false;
        }
        // Case III: a ghost hit in B2 lowers it.
        if (b2_.contains(x)) {
            const double d = b2_.size() >= b1_.size() ? 1.0 : ratio(b1_.size(), b2_.size());
            p_ = std::max(p_ - d, 0.0);
            replace(x);
            b2_.erase(x);
            t2_.push_front(x, no_value{});
            return false;
        }
        // Case IV: in none of the four lists.
        const size_t l1 = t1_.size() + b1_.size();
        const size_t total = l1 + t2_.size() + b2_.size();
        if (l1 == capacity_) {
            if (t1_.size() < capacity_) {
                b1_.pop_back();
                replace(x);
            } else {
                t1_.pop_back(); // B1 is empty: the page leaves the cache, leaving no ghost
            }
        } else if (total >= capacity_) {
            if (total == 2 * capacity_)
                b2_.pop_back();
            replace(x);
        }
        t1_.push_front(x, no_value{});
        return false;
    }

    size_t size() const { return t1_.size() + t2_.size(); }
    bool cached(uint64_t key) const { return t1_.contains(key) || t2_.contains(key); }
    double target() const { return p_; }
    size_t t1_size() const { return t1_.size(); }
    size_t t2_size() const { return t2_.size(); }
    size_t b1_size() const { return b1_.size(); }
    size_t b2_size() const { return b2_.size(); }

    // The invariants of the paper's Section III (DBL(2c) and the policy class Pi(c)).
    const char* check_invariants() const {
        if (!t1_.consistent() || !t2_.consistent() || !b1_.consistent() || !b2_.consistent())
            return "arc: a list and its index disagree";
        const size_t l1 = t1_.size() + b1_.size();
        const size_t l2 = t2_.size() + b2_.size();
        if (t1_.size() + t2_.size() > capacity_)
            return "arc: |T1| + |T2| > c";
        if (l1 > capacity_)
            return "arc: |T1| + |B1| > c";
        if (l1 + l2 > 2 * capacity_)
            return "arc: |L1| + |L2| > 2c";
        if (t1_.size() + t2_.size() < capacity_ && (!b1_.empty() || !b2_.empty()))
            return "arc: ghosts while the cache is not full";
        if (l1 + l2 >= capacity_ && t1_.size() + t2_.size() != capacity_)
            return "arc: |L1| + |L2| >= c but the cache is not full";
        if (!(p_ >= 0.0 && p_ <= static_cast<double>(capacity_)))
            return "arc: p outside [0, c]";
        const std::list<const keyed_list<no_value>*> lists{&t1_, &t2_, &b1_, &b2_};
        std::unordered_set<uint64_t> seen;
        for (const auto* list : lists)
            for (const auto& n : list->nodes())
                if (!seen.insert(n.key).second)
                    return "arc: a key in two lists";
        return nullptr;
    }

private:
    static double ratio(size_t numerator, size_t denominator) {
        return static_cast<double>(numerator) / static_cast<double>(denominator);
    }

    // REPLACE(x, p): the LRU page of T1 goes to B1 when T1 is over its target (or at it, for
    // a ghost hit in B2), else the LRU page of T2 goes to B2.
    void replace(uint64_t x) {
        const double t1 = static_cast<double>(t1_.size());
        if (!t1_.empty() && ((b2_.contains(x) && t1 == p_) || t1 > p_)) {
            b1_.push_front(t1_.pop_back().key, no_value{});
        } else {
            if (t2_.empty())
                throw std::logic_error("arc: REPLACE from an empty T2");
            b2_.push_front(t2_.pop_back().key, no_value{});
        }
    }

    size_t capacity_;
    double p_ = 0.0;
    keyed_list<no_value> t1_, t2_, b1_, b2_;
};

} // namespace tagcache::test
