// Compiler and environment facts every layer relies on. Freestanding.
#pragma once

#define TAGCACHE_VERSION_MAJOR 0
#define TAGCACHE_VERSION_MINOR 1
#define TAGCACHE_VERSION_PATCH 0

// 1 when compiled for a hosted implementation (userspace), 0 under -ffreestanding (kernel,
// hypervisor, firmware). Hosted-only conveniences (the default assertion message) key off it.
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#define TAGCACHE_HOSTED 1
#else
#define TAGCACHE_HOSTED 0
#endif

#if !defined(__GNUC__) && !defined(__clang__)
#error "tagcache needs GCC or Clang builtins (__builtin_*_overflow, __builtin_clzll, __is_same)"
#endif

#define TAGCACHE_LIKELY(x) __builtin_expect(!!(x), 1)
#define TAGCACHE_UNLIKELY(x) __builtin_expect(!!(x), 0)
