#include <tagcache/base/assert.hpp>
#include <tagcache/base/placement_new.hpp>

#include <csignal>
#include <cstdio>
#include <new> // the standard placement new must coexist with tagcache's tagged one
#include <string>

#include "catch.hpp"
#include "subprocess.hpp"

namespace {
struct counted {
    static inline int live = 0;
    int value;
    explicit counted(int v) : value(v) { ++live; }
    ~counted() { --live; }
};

void fail_an_assertion() {
    TAGCACHE_ASSERT(1 + 1 == 3, "arithmetic is broken");
}

void custom_handler(const tagcache::assertion_failure& failure) noexcept {
    std::fprintf(stderr, "custom handler: %s | %s\n", failure.expression, failure.message);
    std::_Exit(42);
}
void returning_handler(const tagcache::assertion_failure&) noexcept {}
} // namespace

TEST_CASE("tagged placement new constructs in place beside <new>", "[base][placement]") {
    alignas(counted) unsigned char storage[sizeof(counted)];
    counted* object = ::new (static_cast<void*>(storage), tagcache::placement_new) counted(7);
    REQUIRE(static_cast<void*>(object) == static_cast<void*>(storage));
    REQUIRE(object->value == 7);
    REQUIRE(counted::live == 1);
    object->~counted();
    REQUIRE(counted::live == 0);

    counted* standard = ::new (static_cast<void*>(storage)) counted(8); // <new>'s form
    REQUIRE(standard->value == 8);
    standard->~counted();
}

TEST_CASE("the default assertion handler prints the failure and aborts", "[base][assert]") {
    const auto outcome = tagcache::test::run_in_child([] { fail_an_assertion(); });
    REQUIRE(outcome.signalled);
    REQUIRE(outcome.signal_number == SIGABRT);
    REQUIRE(outcome.standard_error.find("tagcache: assertion failed: 1 + 1 == 3 (arithmetic is "
                                        "broken) at ") != std::string::npos);
    REQUIRE(outcome.standard_error.find("placement_assert_test.cpp:") != std::string::npos);
}

TEST_CASE("an installed assertion handler is called instead", "[base][assert]") {
    const auto outcome = tagcache::test::run_in_child([] {
        tagcache::set_assertion_handler(&custom_handler);
        fail_an_assertion();
    });
    REQUIRE(outcome.exited);
    REQUIRE(outcome.exit_code == 42);
    REQUIRE(outcome.standard_error == "custom handler: 1 + 1 == 3 | arithmetic is broken\n");
}

TEST_CASE("a handler that returns does not resume the failing code", "[base][assert]") {
    const auto outcome = tagcache::test::run_in_child([] {
        tagcache::set_assertion_handler(&returning_handler);
        fail_an_assertion();
        std::fputs("resumed after a failed assertion\n", stderr);
    });
    REQUIRE(outcome.signalled); // __builtin_trap: SIGILL on x86-64 and arm64
    REQUIRE(outcome.standard_error.find("resumed") == std::string::npos);
}

TEST_CASE("set_assertion_handler returns the previous handler, and nullptr restores the default",
          "[base][assert]") {
    const auto original = tagcache::set_assertion_handler(&custom_handler);
    REQUIRE(tagcache::set_assertion_handler(nullptr) == &custom_handler);
    REQUIRE(tagcache::set_assertion_handler(original) == original);
}
