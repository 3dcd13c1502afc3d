// A std::mutex as a lock policy. It may sleep, so a pool using it is not callable from atomic
// context and take-back loses its time bound: right for userspace programs whose threads may
// outnumber the cores. Hosted.
#pragma once

#include <mutex>

#include "../concepts/lock.hpp"

namespace tagcache {

class mutex_lock {
public:
    static constexpr bool may_sleep = true;
    void lock() noexcept { mutex_.lock(); } // std::mutex::lock throws only on misuse
    void unlock() noexcept { mutex_.unlock(); }

private:
    std::mutex mutex_;
};

static_assert(lock_policy<mutex_lock>);

} // namespace tagcache
