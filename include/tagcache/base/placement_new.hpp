// Placement new for freestanding code. The standard `operator new(size_t, void*)` lives in the
// hosted header <new>; declaring it ourselves would clash with hosted code that includes <new>.
// A tagged overload of our own never clashes:  ::new (where, tagcache::placement_new) T(args...).
#pragma once

#include <stddef.h>

namespace tagcache {
struct placement_new_tag {
    explicit placement_new_tag() = default;
};
inline constexpr placement_new_tag placement_new{};
} // namespace tagcache

[[nodiscard]] inline void* operator new(size_t, void* where, tagcache::placement_new_tag) noexcept {
    return where;
}
// Matching deallocation form, used only if a constructor exits by exception (hosted builds).
inline void operator delete(void*, void*, tagcache::placement_new_tag) noexcept {}
