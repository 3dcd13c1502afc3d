// Memory barriers the freestanding layers need beyond what their atomics give, and the hint a
// spinning CPU gives. Freestanding.
#pragma once

namespace tagcache {

#if defined(__SANITIZE_THREAD__)
#define TAGCACHE_THREAD_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TAGCACHE_THREAD_SANITIZER 1
#endif
#endif

// Orders every load before it before every load after it (Linux's smp_rmb()): the barrier a
// seqlock reader places between reading the protected data and reading the sequence again
// (H.-J. Boehm, "Can seqlocks get along with programming language memory models?", MSPC
// 2012). On arm64 it is `dmb ishld`; on x86-64 loads are not reordered with older loads, so it
// only keeps the compiler from moving them.
//
// ThreadSanitizer does not model fences (GCC warns that atomic_thread_fence is unsupported,
// which -Werror turns into an error), and nothing it checks depends on this one: it orders
// loads of memory another machine may discard, which TSan does not see. Under TSan the same
// hardware barrier is written as inline assembly.
inline void load_barrier() noexcept {
#if defined(TAGCACHE_THREAD_SANITIZER)
#if defined(__aarch64__)
    __asm__ __volatile__("dmb ishld" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory"); // x86-64 (TSan's other 64-bit target): TSO
#endif
#else
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
}

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

} // namespace tagcache
