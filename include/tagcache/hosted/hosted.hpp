// Layer `hosted/`: what a userspace user of the pool needs beyond the freestanding core: a
// lock that may sleep, page memory in an arena (and a discardable one, a virtio-tmem region's
// model), byte-backed physical memory, and a pool that owns its buffers. Standard headers (and
// POSIX mmap for the discardable arena) only; no optional dependency.
#pragma once

#include "../core.hpp"
#include "arena_page_memory.hpp"
#include "discardable_arena.hpp"
#include "mutex_lock.hpp"
#include "owned_pool.hpp"
#include "physical_memory.hpp"
#include "spin_then_park_lock.hpp"
#include "streaming_page_memory.hpp"
