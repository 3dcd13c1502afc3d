// Admission policies. Freestanding.
#pragma once

#include "../concepts/admission.hpp"

namespace tagcache {

// Keep every store (old cleancache).
struct admit_all {
    static constexpr const char* name = "all";
    constexpr bool admit(bool) const noexcept { return true; }
};

// Keep only folios the caller marks as working set, as the 2025 cleancache does
// (folio_test_workingset): a folio evicted and refaulted recently is likely to be read again.
struct admit_workingset_only {
    static constexpr const char* name = "workingset";
    constexpr bool admit(bool workingset) const noexcept { return workingset; }
};

static_assert(admission_policy<admit_all>);
static_assert(admission_policy<admit_workingset_only>);

} // namespace tagcache
