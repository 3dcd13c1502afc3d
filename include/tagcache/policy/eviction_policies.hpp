// The eviction policies a pool can be configured with, by name: the one list for a program that
// lets its user choose one (a command-line option, a field of a file). Each name is the
// policy's own `name`; the order is the order they are listed in. ARC is the double-target
// arc_eviction (a kernel build names arc_fixed_eviction itself). Freestanding.
#pragma once

#include <stddef.h>

#include "arc.hpp"
#include "clock.hpp"
#include "list_eviction.hpp"
#include "s3fifo.hpp"
#include "sieve.hpp"

namespace tagcache {

template <class... Policies>
struct eviction_policy_list {
    static constexpr size_t size = sizeof...(Policies);
    static constexpr const char* names[] = {Policies::name...};

    // Calls f.template operator()<Eviction>() for the policy named by the `length` bytes at
    // `name` (not NUL-terminated); false, calling nothing, for a name not in the list.
    template <class F>
    static constexpr bool with(const char* name, size_t length, F&& f) {
        return (
            (is_named(Policies::name, name, length) && (f.template operator()<Policies>(), true)) ||
            ...);
    }

private:
    static constexpr bool is_named(const char* policy, const char* name, size_t length) noexcept {
        size_t i = 0;
        for (; i < length; ++i)
            if (policy[i] == '\0' || policy[i] != name[i])
                return false;
        return policy[i] == '\0';
    }
};

using eviction_policies = eviction_policy_list<lru_eviction, fifo_eviction, clock_eviction,
                                               arc_eviction, s3fifo_eviction, sieve_eviction>;

} // namespace tagcache
