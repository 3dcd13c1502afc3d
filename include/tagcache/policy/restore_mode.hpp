// Restore modes. Freestanding.
#pragma once

#include "../concepts/restore_mode.hpp"

namespace tagcache {

// The 2025 cleancache: a restore copies the data and keeps it cached.
struct inclusive_restore {
    static constexpr bool exclusive = false;
    static constexpr const char* name = "inclusive";
};

// Old cleancache private pools: a restored page leaves the pool (the page cache now holds it).
struct exclusive_restore {
    static constexpr bool exclusive = true;
    static constexpr const char* name = "exclusive";
};

static_assert(restore_mode_policy<inclusive_restore>);
static_assert(restore_mode_policy<exclusive_restore>);

} // namespace tagcache
