// Concept `admission_policy`: whether a store is worth keeping. Freestanding.
#pragma once

#include "../base/meta.hpp"

namespace tagcache {

// `workingset` is the caller's hint that the folio was recently evicted and refaulted (the
// kernel's PG_workingset); the 2025 cleancache admits only such folios.
template <class A>
concept admission_policy = requires(const A& policy, bool workingset) {
    { policy.admit(workingset) }
    noexcept->convertible_to<bool>;
};

} // namespace tagcache
