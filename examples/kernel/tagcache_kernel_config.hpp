// SPDX-License-Identifier: MIT
// Private to tagcache_kernel.cpp (included by it alone): the kernel configuration of the core,
// the opaque handles of tagcache_kernel.h, and the dispatch from a handle to its typed core.
#pragma once

#include <tagcache/core.hpp>

#include "tagcache_kernel.h"

// Generated C names and the library's codes are the same list, in the same order.
#define TAGCACHE_KERNEL_CHECK_CODE(identifier, message)                                            \
    static_assert(int(TAGCACHE_E_##identifier) == int(tagcache::errc::identifier));
TAGCACHE_ERROR_CODES(TAGCACHE_KERNEL_CHECK_CODE)
#undef TAGCACHE_KERNEL_CHECK_CODE
static_assert(TAGCACHE_ERROR_COUNT == tagcache::error_code_count);

// The C struct and the library's are generated from one list: the same fields at the same
// offsets, so tagcache_pool_get_stats() copies each by name.
#define TAGCACHE_KERNEL_CHECK_COUNTER(name, meaning)                                               \
    static_assert(__builtin_offsetof(tagcache_pool_stats, name) ==                                 \
                  __builtin_offsetof(tagcache::pool_stats, name));
TAGCACHE_POOL_COUNTERS(TAGCACHE_KERNEL_CHECK_COUNTER, TAGCACHE_KERNEL_CHECK_COUNTER)
#undef TAGCACHE_KERNEL_CHECK_COUNTER
static_assert(sizeof(tagcache_pool_stats) == sizeof(tagcache::pool_stats));

namespace {

using tagcache::errc;
using tagcache::partial_take;
using tagcache::pfn_range;
using tagcache::pfn_t;

// Local interrupts off for a scope (the copy window of a store or restore).
class irq_off {
public:
    irq_off() noexcept : flags_(tagcache_kernel_irq_save()) {}
    ~irq_off() { tagcache_kernel_irq_restore(flags_); }
    irq_off(const irq_off&) = delete;
    irq_off& operator=(const irq_off&) = delete;

private:
    unsigned long flags_;
};

// spin_lock_irqsave semantics over the library's ticket spinlock: the saved state lives in the
// lock, written only by the holder (as the kernel's own irqsave locks do with their flags).
// lockdep sees it as the kernel's spinlocks: acquired before the spin, released before the
// unlock, one lock class per role (tagcache_kernel.h).
template <tagcache_lock_class Class>
class kernel_irq_lock {
public:
    static constexpr bool may_sleep = false;
    kernel_irq_lock() noexcept { tagcache_kernel_lock_init(lockdep_, Class); }
    kernel_irq_lock(const kernel_irq_lock&) = delete;
    kernel_irq_lock& operator=(const kernel_irq_lock&) = delete;
    void lock() noexcept {
        const unsigned long flags = tagcache_kernel_irq_save();
        tagcache_kernel_lock_acquire(lockdep_);
        lock_.lock();
        flags_ = flags;
    }
    void unlock() noexcept {
        const unsigned long flags = flags_;
        tagcache_kernel_lock_release(lockdep_);
        lock_.unlock();
        tagcache_kernel_irq_restore(flags);
    }

private:
    tagcache::ticket_spinlock lock_;
    unsigned long flags_ = 0;
    alignas(8) unsigned char lockdep_[TAGCACHE_LOCKDEP_BYTES] = {};
};
static_assert(tagcache::lock_policy<kernel_irq_lock<TAGCACHE_LOCK_POOL>>);

template <partial_take Mode>
struct kernel_pool_config : tagcache::default_pool_config {
    using lock = kernel_irq_lock<TAGCACHE_LOCK_POOL>;
    using page_memory = tagcache::mapped_page_memory;
    using placement = tagcache::block_aligned_placement;
    static constexpr partial_take on_partial_take = Mode;
};
using drop_pool = tagcache::cleancache_pool<kernel_pool_config<partial_take::drop_whole_folio>>;
using split_pool = tagcache::cleancache_pool<kernel_pool_config<partial_take::split_folio>>;

template <class Pool>
struct kernel_tag_config {
    using lock = kernel_irq_lock<TAGCACHE_LOCK_TAGS>;
    using maintenance = tagcache::hooked_tag_maintenance;
    using pool = Pool;
};
template <class Pool>
using kernel_tags = tagcache::tag_storage_manager<kernel_tag_config<Pool>>;
static_assert(kernel_tags<drop_pool>::atomic_safe && kernel_tags<split_pool>::atomic_safe);

constexpr size_t align64(size_t bytes) noexcept {
    return (bytes + 63) & ~size_t{63};
}

int code(errc e) noexcept {
    return static_cast<int>(e);
}
template <class T, class E>
int code(const tagcache::result<T, E>& r) noexcept {
    return r ? 0 : code(r.error());
}

// The C hook the shim installed, behind the library's assertion hook.
constinit tagcache_assertion_fn c_assertion_handler = nullptr;
void assertion_trampoline(const tagcache::assertion_failure& failure) noexcept {
    const tagcache_assertion_fn handler = __atomic_load_n(&c_assertion_handler, __ATOMIC_ACQUIRE);
    if (handler != nullptr)
        handler(failure.expression, failure.message, failure.file, failure.line);
}

// Why a recording ended (the `end` line of its text).
enum class recording_end : uint8_t { recording, stopped, full, tag_storage };

// A pool's recording (tagcache_kernel.h): the caller's array, and the lock under which every
// operation runs while it records. `active` is read unlocked as a hint and re-read under the
// lock; it goes false once, under the lock, when the recording ends.
struct pool_recording {
    kernel_irq_lock<TAGCACHE_LOCK_RECORDING> lock;
    tagcache_record* records = nullptr;
    uint64_t capacity = 0, count = 0;
    bool active = false;
    recording_end end = recording_end::recording;
    tagcache::pool_geometry geometry{}; // for the header line
    tagcache::pool_stats at_end{};      // the counters when it ended
};

} // namespace

// ---- the opaque handles: a header, then the core object, in the caller's buffer ------------

struct tagcache_pool {
    partial_take mode;
    tagcache_map_pfn_fn map_pfn;
    void* map_context;
    void* core;      // drop_pool* or split_pool*
    void* recording; // pool_recording*, in the same buffer
};

struct tagcache_map {
    tagcache::tag_map map;
    tagcache::tag_region_desc scratch[tagcache::tag_map::max_regions]; // not on the stack
};

struct tagcache_tags {
    partial_take mode;
    tagcache_tag_hooks hooks;
    void* core; // kernel_tags<drop_pool>* or kernel_tags<split_pool>*
};

namespace {

// Calls f with the pool's core object, typed by its mode.
template <class F>
int visit(tagcache_pool* pool, F&& f) noexcept {
    if (pool->mode == partial_take::split_folio)
        return f(*static_cast<split_pool*>(pool->core));
    return f(*static_cast<drop_pool*>(pool->core));
}
template <class F>
int visit(const tagcache_pool* pool, F&& f) noexcept {
    if (pool->mode == partial_take::split_folio)
        return f(*static_cast<const split_pool*>(pool->core));
    return f(*static_cast<const drop_pool*>(pool->core));
}
template <class F>
int visit(const tagcache_tags* tags, F&& f) noexcept {
    if (tags->mode == partial_take::split_folio)
        return f(*static_cast<kernel_tags<split_pool>*>(tags->core));
    return f(*static_cast<kernel_tags<drop_pool>*>(tags->core));
}

} // namespace
