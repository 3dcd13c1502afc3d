// The assertion hook. Assertions guard invariants the library cannot recover from (a broken
// caller contract, corrupted metadata); expected failures are reported as `result` errors.
//
// Three ways to route a failed assertion, from the most static:
//  1. Define TAGCACHE_ASSERTION_HANDLER(failure) before including tagcache, e.g. in a kernel
//     shim `#define TAGCACHE_ASSERTION_HANDLER(f) BUG()` — no indirect call.
//  2. Call tagcache::set_assertion_handler() at start-up (WARN-and-log, a test harness).
//  3. The default: hosted builds print "tagcache: assertion failed: ..." to stderr and abort();
//     freestanding builds execute a trap instruction.
// A handler that returns (WARN-style) does not resume the failing operation: it traps, because
// continuing past a broken invariant would risk returning another key's data.
#pragma once

#include "platform.hpp"

#if TAGCACHE_HOSTED && !defined(TAGCACHE_ASSERTION_HANDLER)
#include <cstdio>
#include <cstdlib>
#endif

namespace tagcache {

struct assertion_failure {
    const char* expression; // the condition that was false, as written
    const char* message;    // why it must hold
    const char* file;
    unsigned line;
};

using assertion_handler = void (*)(const assertion_failure&) noexcept;

namespace detail {
inline void default_assertion_handler([[maybe_unused]] const assertion_failure& failure) noexcept {
#if TAGCACHE_HOSTED && !defined(TAGCACHE_ASSERTION_HANDLER)
    std::fprintf(stderr, "tagcache: assertion failed: %s (%s) at %s:%u\n", failure.expression,
                 failure.message, failure.file, failure.line);
    std::fflush(stderr);
    std::abort();
#else
    __builtin_trap();
#endif
}

// constinit: no dynamic initialisation, so no guard variable and no start-up order question.
inline constinit assertion_handler current_assertion_handler = &default_assertion_handler;
} // namespace detail

// Installs `handler` (nullptr restores the default) and returns the previous one.
inline assertion_handler set_assertion_handler(assertion_handler handler) noexcept {
    if (handler == nullptr)
        handler = &detail::default_assertion_handler;
    return __atomic_exchange_n(&detail::current_assertion_handler, handler, __ATOMIC_ACQ_REL);
}

// Always inlined, so that every failure path ends in a trap the caller's own code holds. An
// out-of-line inline function is a weak symbol, and a kernel's object checker cannot take a
// weak function as noreturn (it may be replaced at link time): x86 objtool then reports that
// each caller "falls through to next function" after the call. Inlined, the call site holds
// the handler call and the trap instruction, which every checker sees as a dead end.
[[noreturn, gnu::always_inline]] inline void
assertion_failed(const assertion_failure& failure) noexcept {
#if defined(TAGCACHE_ASSERTION_HANDLER)
    TAGCACHE_ASSERTION_HANDLER(failure);
#else
    __atomic_load_n(&detail::current_assertion_handler, __ATOMIC_ACQUIRE)(failure);
#endif
    __builtin_trap();
}

} // namespace tagcache

// Always checked: these guard memory safety, not just debugging convenience.
#define TAGCACHE_ASSERT(condition, message)                                                        \
    (TAGCACHE_LIKELY(condition) ? static_cast<void>(0)                                             \
                                : ::tagcache::assertion_failed(::tagcache::assertion_failure{      \
                                      #condition, message, __FILE__, __LINE__}))

// Checked unless NDEBUG: hot-path preconditions whose callers are already validated.
#if defined(NDEBUG)
// Unevaluated, but still a use of what it names: no unused-variable warnings under NDEBUG.
#define TAGCACHE_DEBUG_ASSERT(condition, message) static_cast<void>(sizeof((condition) ? 1 : 0))
#else
#define TAGCACHE_DEBUG_ASSERT(condition, message) TAGCACHE_ASSERT(condition, message)
#endif
