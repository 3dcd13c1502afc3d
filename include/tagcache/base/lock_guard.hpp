// lock_guard: holds a lock for a scope. Freestanding.
#pragma once

namespace tagcache {

// Scoped lock for any lock (a lock_policy, concepts/lock.hpp: lock() and unlock(), noexcept).
// Not a policy itself: the pool and the layers above hold their locks with it.
template <class L>
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
