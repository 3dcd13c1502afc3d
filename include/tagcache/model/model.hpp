// Layer `model/`: hosted pieces for userspace models (std::mutex lock, page arena, pool
// construction, ARC-trace reader, demand-paging replay, buddy allocator, physical memory and
// tag contents). Not freestanding.
#pragma once

#include "arena_page_memory.hpp"
#include "buddy_allocator.hpp"
#include "lis_trace.hpp"
#include "mutex_lock.hpp"
#include "physical_memory.hpp"
#include "pool_storage.hpp"
#include "replay.hpp"
#include "tag_contents.hpp"
