// Layer `model/`: hosted pieces for userspace models (std::mutex lock, page arena, pool
// construction, ARC-trace reader, demand-paging replay, buddy allocator, physical memory and
// tag contents). Not freestanding.
#pragma once

#include "allocation_table.hpp"
#include "arena_page_memory.hpp"
#include "buddy_allocator.hpp"
#include "cleancache_machine.hpp"
#include "cma_baseline.hpp"
#include "cma_machine.hpp"
#include "cma_support.hpp"
#include "file_trace.hpp"
#include "lis_trace.hpp"
#include "mixed_workload.hpp"
#include "mutex_lock.hpp"
#include "page_cache.hpp"
#include "physical_memory.hpp"
#include "pool_storage.hpp"
#include "replay.hpp"
#include "simulation.hpp"
#include "tag_contents.hpp"
#include "tag_machine.hpp"
#include "workload.hpp"
