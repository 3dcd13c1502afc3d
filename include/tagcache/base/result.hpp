// result<T, E>: a value or an error, without exceptions (freestanding). Modelled on
// std::expected, restricted to trivially copyable T and E so that it is constexpr-friendly and
// needs neither <new> nor destructors.
#pragma once

#include "assert.hpp"
#include "error.hpp"
#include "meta.hpp"

namespace tagcache {

template <class T, class E = errc>
class [[nodiscard]] result {
    static_assert(trivially_copyable<T>, "result<T>: T must be trivially copyable");
    static_assert(trivially_copyable<E>, "result<T, E>: E must be trivially copyable");
    static_assert(!same_as<T, E>, "result<T, E>: T and E must differ");

public:
    using value_type = T;
    using error_type = E;

    constexpr result(const T& value) noexcept : value_(value), has_value_(true) {}
    constexpr result(const E& error) noexcept : error_(error), has_value_(false) {}

    constexpr bool has_value() const noexcept { return has_value_; }
    constexpr explicit operator bool() const noexcept { return has_value_; }

    constexpr const T& value() const noexcept {
        TAGCACHE_ASSERT(has_value_, "result::value() called on an error");
        return value_;
    }
    constexpr T& value() noexcept {
        TAGCACHE_ASSERT(has_value_, "result::value() called on an error");
        return value_;
    }
    constexpr const T& operator*() const noexcept { return value(); }
    constexpr T& operator*() noexcept { return value(); }
    constexpr const T* operator->() const noexcept { return &value(); }
    constexpr T* operator->() noexcept { return &value(); }

    constexpr const E& error() const noexcept {
        TAGCACHE_ASSERT(!has_value_, "result::error() called on a value");
        return error_;
    }
    constexpr T value_or(const T& fallback) const noexcept {
        return has_value_ ? value_ : fallback;
    }

private:
    union {
        T value_;
        E error_;
    };
    bool has_value_;
};

// Success carries no value.
template <class E>
class [[nodiscard]] result<void, E> {
    static_assert(trivially_copyable<E>, "result<void, E>: E must be trivially copyable");

public:
    using value_type = void;
    using error_type = E;

    constexpr result() noexcept : error_(), has_value_(true) {}
    constexpr result(const E& error) noexcept : error_(error), has_value_(false) {}

    constexpr bool has_value() const noexcept { return has_value_; }
    constexpr explicit operator bool() const noexcept { return has_value_; }
    constexpr const E& error() const noexcept {
        TAGCACHE_ASSERT(!has_value_, "result::error() called on a value");
        return error_;
    }

private:
    E error_;
    bool has_value_;
};

} // namespace tagcache
