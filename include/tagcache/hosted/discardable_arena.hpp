// A virtio-tmem region for userspace models and tests: pages a "host" thread may discard at
// any moment while pool threads copy into and out of them, with the per-page discard
// generations of docs/tmem.md. Hosted (POSIX mmap/madvise).
//
// The host's discard is madvise(MADV_DONTNEED) on an anonymous private mapping, which is what
// a hypervisor does to guest memory it reclaims: the kernel drops the page and the next access
// reads zeroes. No thread writes the bytes, so a copy racing with the discard is not a data race
// (ThreadSanitizer sees none, and needs no suppression): it reads or writes either the old page
// or the new zero page, which is exactly the hazard the pool's generation check must catch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include <sys/mman.h>
#include <unistd.h>

#include "../base/types.hpp"
#include "../concepts/discardable_page_memory.hpp"

namespace tagcache {

// What the pool sees of the arena: page `pfn` at base + (pfn - first) * page_bytes, its
// generation at generations[pfn - first]. Two pointers and two integers, copied into the pool.
class discardable_arena_page_memory {
public:
    static constexpr bool holds_data = true;
    discardable_arena_page_memory() = default;
    discardable_arena_page_memory(unsigned char* base, const uint32_t* generations, pfn_t first,
                                  std::size_t page_bytes) noexcept
        : base_(base)
        , generations_(generations)
        , first_(first)
        , page_bytes_(page_bytes) {}

    void* address(uint32_t, pfn_t pfn) const noexcept {
        return base_ + (pfn - first_) * page_bytes_;
    }
    uint32_t discard_generation(uint32_t, pfn_t pfn) const noexcept {
        return __atomic_load_n(generations_ + (pfn - first_), __ATOMIC_ACQUIRE);
    }

private:
    unsigned char* base_ = nullptr;
    const uint32_t* generations_ = nullptr;
    pfn_t first_ = 0;
    std::size_t page_bytes_ = 0;
};

static_assert(discardable_page_memory<discardable_arena_page_memory>);

class discardable_arena {
public:
    // Maps `region.count` pages of `page_bytes`, which must be a whole number of the system's
    // pages (madvise works on those). Throws std::invalid_argument or std::bad_alloc.
    discardable_arena(pfn_range region, std::size_t page_bytes)
        : region_(region)
        , page_bytes_(page_bytes) {
        const long system_page = ::sysconf(_SC_PAGESIZE);
        if (page_bytes == 0 || system_page <= 0 ||
            page_bytes % static_cast<std::size_t>(system_page) != 0)
            throw std::invalid_argument(
                "discardable_arena: the page size must be a multiple of the system's");
        if (region.count == 0 || region.count > SIZE_MAX / page_bytes)
            throw std::invalid_argument("discardable_arena: empty or oversized region");
        bytes_ = static_cast<std::size_t>(region.count) * page_bytes;
        void* mapped =
            ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapped == MAP_FAILED)
            throw std::bad_alloc();
        base_ = static_cast<unsigned char*>(mapped);
        generations_ = static_cast<uint32_t*>(std::calloc(region.count, sizeof(uint32_t)));
        if (generations_ == nullptr) {
            ::munmap(base_, bytes_);
            throw std::bad_alloc();
        }
    }
    ~discardable_arena() {
        ::munmap(base_, bytes_);
        std::free(generations_);
    }
    discardable_arena(const discardable_arena&) = delete;
    discardable_arena& operator=(const discardable_arena&) = delete;

    // The host discards page `pfn` (in the region): its generation goes odd, the page is
    // dropped, its generation goes even. A hypervisor does the same around unmapping the page
    // from the guest and invalidating its TLB entries. Callable from any thread at any time.
    void discard(pfn_t pfn) noexcept {
        uint32_t* generation = generations_ + (pfn - region_.first);
        // The odd value must be visible before any byte changes (a full barrier between them):
        // the seq_cst increment, then the system call and its TLB shootdown, give it.
        __atomic_fetch_add(generation, 1u, __ATOMIC_SEQ_CST);
        (void)::madvise(page(pfn), page_bytes_, MADV_DONTNEED); // cannot fail on this mapping
        // Release: whoever reads the even value sees the discard complete.
        __atomic_fetch_add(generation, 1u, __ATOMIC_RELEASE);
    }

    unsigned char* page(pfn_t pfn) const noexcept {
        return base_ + (pfn - region_.first) * page_bytes_;
    }
    uint32_t generation(pfn_t pfn) const noexcept {
        return __atomic_load_n(generations_ + (pfn - region_.first), __ATOMIC_ACQUIRE);
    }
    pfn_range region() const noexcept { return region_; }
    std::size_t page_bytes() const noexcept { return page_bytes_; }
    // Device metadata: the generations, 4 bytes per page of the region.
    std::size_t generation_bytes() const noexcept {
        return static_cast<std::size_t>(region_.count) * sizeof(uint32_t);
    }

    discardable_arena_page_memory page_memory() const noexcept {
        return {base_, generations_, region_.first, page_bytes_};
    }

private:
    pfn_range region_{};
    std::size_t page_bytes_ = 0;
    std::size_t bytes_ = 0;
    unsigned char* base_ = nullptr;
    uint32_t* generations_ = nullptr;
};

} // namespace tagcache
