/* The kernel ABI header as a C11 compiler sees it (tests/kernel/CMakeLists.txt compiles this
 * with -std=c11 -pedantic -Werror): it and the preprocessor-only lists it includes are C, and
 * the counter struct has one 64-bit field per entry of TAGCACHE_POOL_COUNTERS. */
#include "tagcache_kernel.h"

#define ABI_C11_ONE(name, meaning) +1
enum { abi_c11_counters = 0 TAGCACHE_POOL_COUNTERS(ABI_C11_ONE, ABI_C11_ONE) };
#undef ABI_C11_ONE

_Static_assert(sizeof(struct tagcache_pool_stats) == abi_c11_counters * sizeof(uint64_t),
	       "one uint64_t per counter, no padding");
_Static_assert(abi_c11_counters >= 11, "the list lost a counter");

uint64_t abi_c11_missed(const struct tagcache_pool_stats *stats);
uint64_t abi_c11_missed(const struct tagcache_pool_stats *stats)
{
	return stats->missed + stats->discarded + stats->collateral_dropped;
}
