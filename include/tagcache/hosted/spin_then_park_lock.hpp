// The lock policy for userspace threads: spins briefly, then parks the thread in the kernel
// until the holder wakes it. Hosted.
//
// Why not ticket_spinlock in userspace: a ticket lock serves waiters in order and never
// yields, so when threads outnumber free cores a waiter whose turn comes while it is
// descheduled holds up every waiter behind it for a time slice, and the lock convoys (3
// threads on a loaded 2-core machine: about 100 operations a second, take-back p50 ~30 ms).
// The ticket lock is right where no holder or waiter can be descheduled: a kernel with
// preemption (and, for take-back from interrupts, local interrupts) off.
//
// This lock instead takes the state word with a compare-and-swap, spinning a bounded number of
// times (the pool's critical sections are short), then marks the lock contended and sleeps on
// the word (std::atomic::wait, a futex on Linux); unlock wakes one sleeper when it was
// contended (U. Drepper, "Futexes Are Tricky", 2011, mutex 3). It is not FIFO, and it may
// sleep: a pool using it keeps every guarantee but take-back's time bound and atomic-context
// use (may_sleep = true).
#pragma once

#include <atomic>
#include <cstdint>

#include "../concepts/lock.hpp"
#include "../policy/lock.hpp"

namespace tagcache {

class spin_then_park_lock {
public:
    static constexpr bool may_sleep = true;
    static constexpr unsigned spins = 128; // tries before parking: a few critical sections

    void lock() noexcept {
        for (unsigned i = 0; i < spins; ++i) {
            uint32_t expected = unlocked;
            if (state_.load(std::memory_order_relaxed) == unlocked &&
                state_.compare_exchange_weak(expected, held, std::memory_order_acquire,
                                             std::memory_order_relaxed))
                return;
            cpu_relax();
        }
        // Contended: from here on the word says "held, maybe with sleepers", so that the
        // holder's unlock wakes one; each wake-up retries, marking it contended again.
        while (state_.exchange(contended, std::memory_order_acquire) != unlocked)
            state_.wait(contended, std::memory_order_relaxed);
    }

    void unlock() noexcept {
        if (state_.exchange(unlocked, std::memory_order_release) == contended)
            state_.notify_one();
    }

private:
    static constexpr uint32_t unlocked = 0, held = 1, contended = 2;
    std::atomic<uint32_t> state_{unlocked};
};

static_assert(lock_policy<spin_then_park_lock>);

} // namespace tagcache
