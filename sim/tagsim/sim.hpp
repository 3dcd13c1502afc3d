// The simulator's model (not installed with the library), every header of it: tag machines for
// both strategies, the CMA-migration baseline and the kernel cost model, the buddy allocator,
// page cache and workloads, trace readers and replay, the side-by-side simulation, and the
// virtio-tmem host and its guests (docs/tmem.md). Hosted; namespace tagcache::sim.
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
#include "hierarchical_bitmap.hpp"
#include "id_map.hpp"
#include "limits.hpp"
#include "lis_trace.hpp"
#include "mixed_workload.hpp"
#include "number_text.hpp"
#include "page_cache.hpp"
#include "replay.hpp"
#include "resizable_page_cache.hpp"
#include "simulation.hpp"
#include "tag_contents.hpp"
#include "tag_machine.hpp"
#include "tmem_guest_base.hpp"
#include "tmem_guests.hpp"
#include "tmem_host.hpp"
#include "tmem_params.hpp"
#include "trace_stream.hpp"
#include "virtio_mem_guest.hpp"
#include "workload.hpp"
