// The few type traits and concepts the freestanding layers need. <type_traits> and <concepts>
// are hosted headers under -nostdinc++, so these are built on compiler builtins instead.
#pragma once

namespace tagcache {

template <class T>
T&& declval() noexcept; // unevaluated contexts only

template <class A, class B>
concept same_as = __is_same(A, B) && __is_same(B, A);

namespace detail {
template <class To>
void accept_implicitly(To) noexcept; // unevaluated: tests implicit conversion
} // namespace detail

template <class From, class To>
concept convertible_to = requires {
    detail::accept_implicitly<To>(declval<From>());
};

template <class T>
concept trivially_copyable = __is_trivially_copyable(T);

template <class T>
concept unsigned_integral = __is_same(T, unsigned char) || __is_same(T, unsigned short) ||
                            __is_same(T, unsigned int) || __is_same(T, unsigned long) ||
                            __is_same(T, unsigned long long);

template <class T>
struct remove_reference {
    using type = T;
};
template <class T>
struct remove_reference<T&> {
    using type = T;
};
template <class T>
struct remove_reference<T&&> {
    using type = T;
};

template <class T>
constexpr typename remove_reference<T>::type&& move(T&& value) noexcept {
    return static_cast<typename remove_reference<T>::type&&>(value);
}

} // namespace tagcache
