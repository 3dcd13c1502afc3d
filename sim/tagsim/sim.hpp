// The simulator's model (not installed with the library): tag machines for both strategies,
// the CMA-migration baseline and the kernel cost model, the buddy allocator, page cache and
// workloads, trace readers and replay, and the side-by-side simulation. Hosted; namespace
// tagcache::sim.
#pragma once

#include "allocation_table.hpp"
#include "buddy_allocator.hpp"
#include "cleancache_machine.hpp"
#include "cma_baseline.hpp"
#include "cma_machine.hpp"
#include "cma_options.hpp"
#include "cost_model.hpp"
#include "eviction_policies.hpp"
#include "file_trace.hpp"
#include "limits.hpp"
#include "lis_trace.hpp"
#include "mixed_workload.hpp"
#include "number_text.hpp"
#include "page_cache.hpp"
#include "replay.hpp"
#include "simulation.hpp"
#include "tag_contents.hpp"
#include "tag_machine.hpp"
#include "trace_stream.hpp"
#include "workload.hpp"
