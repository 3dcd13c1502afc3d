// A minimal contiguous view (std::span is a hosted header under -nostdinc++). Converts from
// C arrays, pointer + size, and any container with data() and size() (std::vector, std::array,
// std::span), so hosted callers pass their containers directly.
#pragma once

#include <stddef.h>

#include "assert.hpp"
#include "meta.hpp"

namespace tagcache {

template <class T>
class span {
public:
    constexpr span() noexcept = default;
    constexpr span(T* data, size_t size) noexcept : data_(data), size_(size) {}
    template <size_t N>
    constexpr span(T (&array)[N]) noexcept : data_(array)
                                           , size_(N) {}
    template <class Container>
    requires(!same_as<Container, span> &&
             requires(Container & c) {
                 { c.data() } -> convertible_to<T*>;
                 { c.size() } -> convertible_to<size_t>;
             }) constexpr span(Container& container) noexcept
        : data_(container.data())
        , size_(static_cast<size_t>(container.size())) {}

    constexpr T* data() const noexcept { return data_; }
    constexpr size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr T* begin() const noexcept { return data_; }
    constexpr T* end() const noexcept { return data_ + size_; }
    constexpr T& operator[](size_t index) const noexcept {
        TAGCACHE_DEBUG_ASSERT(index < size_, "span index out of range");
        return data_[index];
    }

private:
    T* data_ = nullptr;
    size_t size_ = 0;
};

} // namespace tagcache
