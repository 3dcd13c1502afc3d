// Built as its own program: TAGCACHE_ASSERTION_HANDLER is a compile-time choice, and defining
// it in one translation unit of a program but not another would break the one-definition rule.
#include <cstdio>
#include <cstdlib>

#define TAGCACHE_ASSERTION_HANDLER(failure)                                                        \
    (std::printf("macro handler: %s\n", (failure).expression), std::exit(0))
#include <tagcache/base/assert.hpp>

int main() {
    volatile int zero = 0;
    TAGCACHE_ASSERT(zero == 1, "the macro handler must run");
    std::puts("not reached");
    return 1;
}
