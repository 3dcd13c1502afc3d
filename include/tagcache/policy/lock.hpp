// Lock policies for the freestanding layers: none (single-threaded use) and a ticket spinlock.
// A std::mutex adapter lives in hosted/. Freestanding.
#pragma once

#include <stdint.h>

#include "../concepts/lock.hpp"

namespace tagcache {

// A hint to the CPU that this thread is spinning (x86 PAUSE, arm64 YIELD).
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

// For single-threaded users (simulators, benchmarks): no cost, no exclusion.
struct no_lock {
    static constexpr bool may_sleep = false;
    void lock() noexcept {}
    void unlock() noexcept {}
};

// A FIFO ticket spinlock. FIFO order is what bounds take-back: a waiting CPU is served after at
// most one critical section of each CPU that queued before it (an unfair test-and-set lock
// could starve it). Never sleeps, so callable with preemption and interrupts off.
class ticket_spinlock {
public:
    static constexpr bool may_sleep = false;

    void lock() noexcept {
        const uint32_t ticket = __atomic_fetch_add(&next_, 1u, __ATOMIC_RELAXED);
        while (__atomic_load_n(&serving_, __ATOMIC_ACQUIRE) != ticket)
            cpu_relax();
    }
    void unlock() noexcept {
        // Only the holder writes serving_, so a plain increment published with release works.
        __atomic_store_n(&serving_, serving_ + 1, __ATOMIC_RELEASE);
    }

private:
    alignas(64) uint32_t next_ = 0; // next ticket to hand out
    uint32_t serving_ = 0;          // ticket now allowed in
};

static_assert(lock_policy<no_lock>);
static_assert(lock_policy<ticket_spinlock>);

// Scoped lock for any lock_policy.
template <lock_policy L>
class lock_guard {
public:
    explicit lock_guard(L& lock) noexcept : lock_(lock) { lock_.lock(); }
    ~lock_guard() { lock_.unlock(); }
    lock_guard(const lock_guard&) = delete;
    lock_guard& operator=(const lock_guard&) = delete;

private:
    L& lock_;
};

} // namespace tagcache
