// The simulator's model (not installed with the library), every header of it: tag machines for
// both strategies, the CMA-migration baseline and the kernel cost model, the buddy allocator,
// page cache and workloads, trace readers and replay, the side-by-side simulation, and the
// virtio-tmem host and its guests (docs/tmem.md), in folders by concern: machines/, workload/,
// trace/, tmem/ (docs/architecture.md). Hosted; namespace tagcache::sim.
#pragma once

#include "eviction_policies.hpp"
#include "machines/allocation_table.hpp"
#include "machines/buddy_allocator.hpp"
#include "machines/cleancache_machine.hpp"
#include "machines/cma_baseline.hpp"
#include "machines/cma_machine.hpp"
#include "machines/cma_options.hpp"
#include "machines/cost_model.hpp"
#include "machines/hierarchical_bitmap.hpp"
#include "machines/tag_contents.hpp"
#include "machines/tag_machine.hpp"
#include "tmem/resizable_page_cache.hpp"
#include "tmem/tmem_guest_base.hpp"
#include "tmem/tmem_guests.hpp"
#include "tmem/tmem_host.hpp"
#include "tmem/tmem_params.hpp"
#include "tmem/virtio_mem_guest.hpp"
#include "trace/file_trace.hpp"
#include "trace/lis_trace.hpp"
#include "trace/number_text.hpp"
#include "trace/replay.hpp"
#include "trace/trace_stream.hpp"
#include "workload/id_map.hpp"
#include "workload/limits.hpp"
#include "workload/mixed_workload.hpp"
#include "workload/page_cache.hpp"
#include "workload/simulation.hpp"
#include "workload/workload.hpp"
