// Layer `model/`: hosted pieces for userspace models (std::mutex lock, page arena, pool
// construction). Not freestanding.
#pragma once

#include "arena_page_memory.hpp"
#include "mutex_lock.hpp"
#include "pool_storage.hpp"
