// The reference the randomized differential test holds the pool to: what a cleancache
// without capacity limits or donors would hold, on std containers. The pool may miss where the
// reference hits (eviction, take-back), but a page it has missed stays missed until the next
// store; it may never hit where the reference misses, nor return other bytes than the
// reference's latest store.
#pragma once

#include <tagcache/pool/key.hpp>

#include <cstdint>
#include <map>
#include <tuple>

namespace tagcache::test {

class reference_cleancache {
public:
    enum class expect { miss, hit_or_miss };
    struct entry {
        uint64_t version = 0;
        bool dropped = false; // the pool missed it once: it must miss until a new store
    };

    void store(const page_key& key, uint64_t version) {
        pages_[tuple(key)] = entry{version, false};
    }
    void erase(const page_key& key) { pages_.erase(tuple(key)); }
    void erase_inode(fs_id fs, uint64_t inode) {
        auto first = pages_.lower_bound({fs, inode, 0});
        auto last = pages_.lower_bound({fs, inode + 1, 0});
        pages_.erase(first, last);
    }
    void erase_fs(fs_id fs) {
        pages_.erase(pages_.lower_bound({fs, 0, 0}), pages_.lower_bound({fs + 1, 0, 0}));
    }
    // The version a pool hit must carry, or nullptr when a hit is a divergence.
    const entry* restorable(const page_key& key) const {
        const auto it = pages_.find(tuple(key));
        return it == pages_.end() || it->second.dropped ? nullptr : &it->second;
    }
    // The pool missed: fine, but from now on it must keep missing. True if the reference
    // had the page (a miss the reference would have hit).
    bool note_miss(const page_key& key) {
        const auto it = pages_.find(tuple(key));
        if (it == pages_.end() || it->second.dropped)
            return false;
        it->second.dropped = true;
        return true;
    }
    std::size_t size() const { return pages_.size(); }

private:
    using key_tuple = std::tuple<uint64_t, uint64_t, uint64_t>;
    static key_tuple tuple(const page_key& key) { return {key.fs, key.inode, key.index}; }
    std::map<key_tuple, entry> pages_;
};

} // namespace tagcache::test
