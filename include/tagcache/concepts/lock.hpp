// Concept `lock_policy`: the mutual exclusion a pool or manager takes around its metadata.
// Documented in docs/concepts.md. Freestanding.
#pragma once

#include "../base/meta.hpp"

namespace tagcache {

// A lock that protects a critical section. `may_sleep` tells whether lock() can block the
// calling thread (a mutex) or only spins (a ticket spinlock): only non-sleeping locks keep
// take-back and reserve callable in atomic context, and only they keep take-back's time bound.
template <class L>
concept lock_policy = requires(L& lock) {
    { lock.lock() }
    noexcept;
    { lock.unlock() }
    noexcept;
    { L::may_sleep } -> convertible_to<bool>;
};

} // namespace tagcache
