// Lock policies for the freestanding layers: none (single-threaded use) and a ticket spinlock.
// A std::mutex adapter lives in hosted/. Freestanding.
#pragma once

#include <stdint.h>

#include "../base/barrier.hpp"
#include "../concepts/lock.hpp"

namespace tagcache {

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

} // namespace tagcache
