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
    null_lock* lock = ::new (where, tagcache::placement) null_lock();
    lock->lock();
    lock->unlock();
}

extern "C" void tagcache_fs_assertion_hook(tagcache::assertion_handler handler) {
    tagcache::set_assertion_handler(handler);
}
