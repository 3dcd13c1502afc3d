// Compiled by the freestanding test with -nostdinc -nostdinc++ -ffreestanding -fno-exceptions
// -fno-rtti -fno-threadsafe-statics -fno-stack-protector: no hosted header may be reachable
// from core.hpp, and the code the freestanding templates generate may call nothing but
// memcpy/memset/memmove and the user's hooks. Each exported function takes run-time inputs
// so that nothing folds away; later layers add their templates here.
#include <tagcache/core.hpp>

namespace {
struct null_lock {
    static constexpr bool may_sleep = false;
    void lock() noexcept {}
    void unlock() noexcept {}
};
static_assert(tagcache::lock_policy<null_lock>);

// Static storage, constant-initialised: a kernel keeps the map in .bss/.data, not on a stack.
constinit tagcache::tag_map g_map;
} // namespace

extern "C" int tagcache_fs_build_map(uint64_t memory_base, uint64_t memory_size, uint64_t tag_base,
                                     uint64_t block_size, unsigned page) {
    const tagcache::tag_region_desc descs[] = {
        {{memory_base, memory_size}, {tag_base, memory_size / 32}, block_size},
        {{memory_base + memory_size * 2, memory_size},
         {tag_base + memory_size, memory_size / 32},
         block_size},
    };
    const auto status = g_map.assign(descs, static_cast<tagcache::page_size>(page));
    return status ? 0 : static_cast<int>(status.error().code);
}

extern "C" int tagcache_fs_query(uint64_t pfn, unsigned order, uint64_t address, uint64_t* out) {
    const auto span = g_map.blocks_for_folio(pfn, order);
    if (!span)
        return static_cast<int>(span.error());
    const auto tag = g_map.tag_page_of(pfn);
    const auto block = g_map.block_of(pfn);
    const auto where = g_map.tag_location_of(address);
    const tagcache::pfn_range served = g_map.data_pages_of(*block);
    out[0] = span->first + span->count;
    out[1] = tag.value_or(0) + served.first;
    out[2] = where ? where->tag_pfn + where->byte_offset + where->nibble : 0;
    out[3] = g_map.is_tag_storage(pfn) + g_map.total_blocks();
    out[4] = tagcache::lcm(out[0], 3) + tagcache::log2_ceil(out[1] | 1);
    TAGCACHE_ASSERT(g_map.region_count() <= tagcache::tag_map::max_regions, "region count");
    return 0;
}

extern "C" void tagcache_fs_placement(void* where) {
    null_lock* lock = ::new (where, tagcache::placement_new) null_lock();
    lock->lock();
    lock->unlock();
}

extern "C" void tagcache_fs_assertion_hook(tagcache::assertion_handler handler) {
    tagcache::set_assertion_handler(handler);
}

// ---- pool/ and policy/ ------------------------------------------------------------------
namespace {
// A kernel-like configuration: ticket spinlock, donor pages mapped by the shim, split folios,
// block-aligned placement, proportional donors, working-set admission, exclusive restores.
struct kernel_pool_config : tagcache::default_pool_config {
    using lock = tagcache::ticket_spinlock;
    using page_memory = tagcache::mapped_page_memory;
    using placement = tagcache::block_aligned_placement;
    using donor_choice = tagcache::proportional_donors;
    using admission = tagcache::admit_workingset_only;
    static constexpr tagcache::partial_take on_partial_take = tagcache::partial_take::split_folio;
    static constexpr tagcache::restore_mode on_restore = tagcache::restore_mode::exclusive;
};
using kernel_pool = tagcache::cleancache_pool<kernel_pool_config>;
using simple_pool = tagcache::cleancache_pool<>;
using default_pool_config_alias = tagcache::default_pool_config;

// The shim's mapping of donor pfns (user hook).
extern "C" void* tagcache_hook_map_pfn(void* context, tagcache::pfn_t pfn) noexcept;

template <class Pool>
int exercise_pool(void* buffer, size_t bytes, uint64_t first_pfn, void* data,
                  typename Pool::page_memory_type memory) {
    tagcache::pool_geometry geometry;
    geometry.slots = 64;
    geometry.max_block_pages = 4;
    const auto created = Pool::create(buffer, bytes, geometry, memory);
    if (!created)
        return static_cast<int>(created.error());
    Pool& pool = **created;
    const tagcache::pfn_range range{first_pfn, 64};
    const auto donor =
        pool.register_donor("tags", tagcache::span<const tagcache::pfn_range>(&range, 1), 4);
    if (!donor)
        return static_cast<int>(donor.error());
    pool.donate_range(*donor, range);
    const auto fs = pool.add_fs();
    const tagcache::page_key key{*fs, 7, 16};
    (void)pool.store(key, 2, data, true);
    const auto filled = pool.restore(key, 2, data);
    (void)pool.invalidate(key, 0);
    (void)pool.invalidate_inode(*fs, 7);
    (void)pool.restore_run(*fs, 7, 0, 4, [data](uint64_t) noexcept { return data; });
    (void)pool.take_back(*donor, first_pfn + 3);
    pool.take_back_range(*donor, {first_pfn, 8});
    (void)pool.invalidate_fs(*fs);
    (void)pool.remove_fs(*fs);
    pool.reclaim_stale(64);
    const tagcache::pool_stats stats = pool.stats();
    const char* broken = pool.check_invariants();
    return static_cast<int>(filled ? filled->count() : 0) + static_cast<int>(stats.stored) +
           (broken != nullptr ? 1000 : 0);
}
} // namespace

// Every eviction policy a kernel configuration may use (docs/policies.md): all of them, with
// ARC's target in fixed point. `arc_eviction` (a double target) is not among them: the
// negative control tests/freestanding/floating_point_tu.cpp shows the check refuses it.
namespace {
template <class Eviction>
struct eviction_config : default_pool_config_alias {
    using eviction = Eviction;
    using lock = tagcache::ticket_spinlock;
};
} // namespace

extern "C" int tagcache_fs_eviction_policies(void* buffer, size_t bytes, uint64_t first_pfn) {
    int total = 0;
    total += exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::lru_eviction>>>(
        buffer, bytes, first_pfn, nullptr, {});
    total += exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::fifo_eviction>>>(
        buffer, bytes, first_pfn, nullptr, {});
    total += exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::clock_eviction>>>(
        buffer, bytes, first_pfn, nullptr, {});
    total += exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::sieve_eviction>>>(
        buffer, bytes, first_pfn, nullptr, {});
    total += exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::s3fifo_eviction>>>(
        buffer, bytes, first_pfn, nullptr, {});
    total +=
        exercise_pool<tagcache::cleancache_pool<eviction_config<tagcache::arc_fixed_eviction>>>(
            buffer, bytes, first_pfn, nullptr, {});
    return total;
}

// The sharded pool, in a kernel configuration (per-shard ticket spinlocks, mapped pages).
extern "C" int tagcache_fs_sharded_pool(void* buffer, size_t bytes, uint64_t first_pfn,
                                        void* data) {
    using sharded = tagcache::sharded_pool<kernel_pool_config, 4>;
    return exercise_pool<sharded>(buffer, bytes, first_pfn, data,
                                  tagcache::mapped_page_memory(&tagcache_hook_map_pfn, nullptr));
}

extern "C" size_t tagcache_fs_pool_bytes() {
    tagcache::pool_geometry geometry;
    geometry.slots = 64;
    geometry.max_block_pages = 4;
    return kernel_pool::required_bytes(geometry) + simple_pool::required_bytes(geometry);
}

extern "C" int tagcache_fs_pool(void* buffer, size_t bytes, uint64_t first_pfn, void* data) {
    return exercise_pool<kernel_pool>(buffer, bytes, first_pfn, data,
                                      tagcache::mapped_page_memory(&tagcache_hook_map_pfn, data)) +
           exercise_pool<simple_pool>(buffer, bytes, first_pfn, data, {});
}

// ---- tags/ ----------------------------------------------------------------------------------
namespace {
extern "C" void tagcache_hook_dcache_inval(void* context, tagcache::pfn_range tag_pages) noexcept;
extern "C" void tagcache_hook_clear_tags(void* context, tagcache::pfn_t data_page) noexcept;

struct kernel_tag_config {
    using lock = tagcache::ticket_spinlock;
    using maintenance = tagcache::hooked_tag_maintenance;
    using pool = kernel_pool;
};
using kernel_tags = tagcache::tag_storage_manager<kernel_tag_config>;
static_assert(kernel_tags::atomic_safe);
} // namespace

extern "C" int tagcache_fs_tags(void* pool_buffer, size_t pool_bytes, void* buffer, size_t bytes,
                                void* data) {
    tagcache::pool_geometry geometry;
    geometry.slots = static_cast<uint32_t>(g_map.total_tag_pages());
    geometry.max_block_pages = 4;
    const auto pool =
        kernel_pool::create(pool_buffer, pool_bytes, geometry,
                            tagcache::mapped_page_memory(&tagcache_hook_map_pfn, data));
    if (!pool)
        return static_cast<int>(pool.error());
    tagcache::hooked_tag_maintenance hooks;
    hooks.on_to_tags = &tagcache_hook_dcache_inval;
    hooks.on_zero_tags = &tagcache_hook_clear_tags;
    const auto manager = kernel_tags::create(buffer, bytes, g_map, **pool, hooks);
    if (!manager)
        return static_cast<int>(manager.error());
    const tagcache::pfn_t pfn = g_map.region(0).memory.first;
    int status = (*manager)->reserve(pfn, 4) ? 0 : 1;
    status += (*manager)->release(pfn + 4, 2) ? 0 : 2;
    status += (*manager)->touch(pfn + 64).value_or(false) ? 0 : 4;
    status += (*manager)->check_invariants() != nullptr ? 8 : 0;
    return status + static_cast<int>(kernel_tags::required_bytes(g_map) & 1);
}

// ---- tmem/ and discardable page memory --------------------------------------------------------
namespace {
// A virtio-tmem driver's pool: the device's region mapped by the shim, the device's discard
// generations beside it.
struct tmem_pool_config : kernel_pool_config {
    using page_memory = tagcache::mapped_discardable_page_memory;
};
using tmem_pool = tagcache::cleancache_pool<tmem_pool_config>;
static_assert(tmem_pool::discardable && !kernel_pool::discardable);

template <class Pool>
int exercise_tmem(Pool& pool, uint64_t first_pfn, void* data) {
    const auto device =
        tagcache::tmem_device<Pool>::create(pool, "tmem", {first_pfn, 64}, 4 * 4096);
    if (!device)
        return static_cast<int>(device.error());
    auto driver = *device;
    int status = driver.set_requested_size(32 * 4096) ? 0 : 1;
    status += driver.set_requested_size(33 * 4096) ? 2 : 0; // refused: not block-aligned
    const auto fs = pool.add_fs();
    const tagcache::page_key key{*fs, 3, 8};
    (void)pool.store(key, 3, data, true);
    const auto filled = pool.restore(key, 3, data);
    status += filled && filled->count() <= 8 ? 0 : 4;
    (void)driver.on_discarded({first_pfn, 8});
    const auto shrunk = driver.set_requested_size(0);
    status += shrunk && driver.config().plugged_size == 0 ? 0 : 8;
    status += pool.check_invariants() != nullptr ? 16 : 0;
    return status + static_cast<int>(pool.stats().discarded & 1);
}
} // namespace

extern "C" int tagcache_fs_tmem(void* buffer, size_t bytes, uint64_t first_pfn, void* data,
                                const uint32_t* generations) {
    tagcache::pool_geometry geometry;
    geometry.slots = 64;
    geometry.max_block_pages = 4;
    const tagcache::mapped_discardable_page_memory memory(&tagcache_hook_map_pfn, data, generations,
                                                          first_pfn);
    const auto pool = tmem_pool::create(buffer, bytes, geometry, memory);
    if (!pool)
        return static_cast<int>(pool.error());
    int status = exercise_tmem(**pool, first_pfn, data);
    using sharded = tagcache::sharded_pool<tmem_pool_config, 2>;
    if (bytes >= sharded::required_bytes(geometry)) {
        const auto shards = sharded::create(buffer, bytes, geometry, memory);
        if (shards)
            status += exercise_tmem(**shards, first_pfn, data);
    }
    return status;
}

// The list of eviction policies by name: a run-time name reaches its policy's type (here its
// per-slot bytes) with no string function and no floating point, ARC's double target included.
extern "C" size_t tagcache_fs_policy_slot_bytes(const char* name, size_t length) {
    size_t bytes = 0;
    tagcache::eviction_policies::with(name, length,
                                      [&]<class Eviction>() { bytes = Eviction::bytes_per_slot; });
    return bytes;
}
