// Concept `restore_mode_policy`: whether a restore keeps the cached copy. Freestanding.
#pragma once

#include "../base/meta.hpp"

namespace tagcache {

// Exclusive: a restored page leaves the pool (old cleancache private pools: "a get from a
// private pool is exclusive"). Inclusive: it stays (the 2025 cleancache keeps the copy).
template <class R>
concept restore_mode_policy = requires {
    { R::exclusive } -> convertible_to<bool>;
};

} // namespace tagcache
