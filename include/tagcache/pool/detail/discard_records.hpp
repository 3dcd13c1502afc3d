// The discard generation each cached page had when the copy that stored it began: what a
// restore compares the page's generation with, before and after its copy (docs/tmem.md, "The
// discard protocol"). Only pools whose page memory is discardable have it; for the others it is
// an empty class, so they pay nothing: no bytes, no instructions. Freestanding.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace tagcache::detail {

template <bool Enabled>
class discard_records {
public:
    static constexpr size_t bytes_per_slot = 0;
    static constexpr size_t storage_bytes(uint32_t) noexcept { return 0; }
    void attach(void*, uint32_t) noexcept {}
};

// 4 bytes per slot (pool metadata, outside the default configuration's 32-byte budget, which
// has no discardable memory). Written under the pool lock when a store publishes, read under it
// when a restore begins: a slot with a copy in flight is never handed to another store, so the
// value a restore reads stays the page's until the copy ends.
template <>
class discard_records<true> {
public:
    static constexpr size_t bytes_per_slot = sizeof(uint32_t);
    static constexpr size_t storage_bytes(uint32_t slots) noexcept {
        return size_t{slots} * bytes_per_slot;
    }
    void attach(void* storage, uint32_t slots) noexcept {
        generation_ = static_cast<uint32_t*>(storage);
        for (uint32_t i = 0; i < slots; ++i)
            generation_[i] = 0;
    }
    uint32_t& operator[](uint32_t slot) noexcept { return generation_[slot]; }
    uint32_t operator[](uint32_t slot) const noexcept { return generation_[slot]; }

    // A cached page's record, checked against the page's generation now: it is even (a store
    // never publishes a page whose discard was in progress when its copy began), and the page's
    // generation has not gone back before it (generations only advance; the distance is
    // compared modulo 2^32, so a page may be discarded up to 2^31 times between a store and
    // this check). nullptr when both hold.
    static const char* check(uint32_t recorded, uint32_t now) noexcept {
        if ((recorded & 1u) != 0)
            return "a cached page was published with an odd discard generation";
        if (now - recorded >= (uint32_t{1} << 31))
            return "a cached page's discard generation is ahead of its page's";
        return nullptr;
    }

private:
    uint32_t* generation_ = nullptr;
};

} // namespace tagcache::detail
