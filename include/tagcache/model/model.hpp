// Layer `model/`: hosted pieces for userspace models (std::mutex lock, page arena, pool
// construction, ARC-trace reader and demand-paging replay). Not freestanding.
#pragma once

#include "arena_page_memory.hpp"
#include "lis_trace.hpp"
#include "mutex_lock.hpp"
#include "pool_storage.hpp"
#include "replay.hpp"
