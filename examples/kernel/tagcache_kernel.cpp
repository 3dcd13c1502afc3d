// SPDX-License-Identifier: MIT
// The one C++ translation unit of the kernel module: tagcache's freestanding core instantiated
// with a kernel configuration, behind the C ABI of tagcache_kernel.h.
//
// Kernel configuration: a FIFO ticket spinlock that disables local interrupts while held (so a
// take-back in hard-interrupt context never spins on a lock its own CPU holds), donor pages
// the shim maps (mapped_page_memory), block-aligned placement (a taken-back tag block drops
// whole folios), and both partial-take modes, chosen per pool at run time.
//
// Built with the kernel's own code-generation flags (see Kbuild) plus -ffreestanding
// -fno-exceptions -fno-rtti -fno-threadsafe-statics: it needs nothing from the kernel but
// memcpy/memset, the stack protector and ftrace entry, and the shim's hooks.
#include "tagcache_kernel_config.hpp"
#include "tagcache_kernel_recording.hpp"

namespace {

void* map_trampoline(void* context, pfn_t pfn) noexcept {
    const auto* pool = static_cast<const tagcache_pool*>(context);
    return pool->map_pfn(pool->map_context, pfn);
}

errc geometry_of(const tagcache_pool_params* params, tagcache::pool_geometry& out) noexcept {
    if (params == nullptr || params->map_pfn == nullptr ||
        !tagcache::is_valid(static_cast<tagcache::page_size>(params->page_size)) ||
        params->partial_take > TAGCACHE_SPLIT_FOLIO)
        return errc::invalid_geometry;
    out = tagcache::pool_geometry{};
    out.slots = params->slots;
    out.max_block_pages = params->max_block_pages;
    out.filesystems = params->filesystems != 0 ? params->filesystems : 16;
    out.max_ranges = params->max_ranges != 0 ? params->max_ranges : 32;
    out.page = static_cast<tagcache::page_size>(params->page_size);
    return errc::ok;
}

template <class Pool>
int create_core(tagcache_pool* pool, void* buffer, size_t bytes,
                const tagcache::pool_geometry& geometry) noexcept {
    const auto created =
        Pool::create(buffer, bytes, geometry, tagcache::mapped_page_memory(&map_trampoline, pool));
    if (!created)
        return code(created.error());
    pool->core = *created;
    return 0;
}

// Tag maintenance: the library's hooks take pfn_range; the C hooks take (first, count).
void to_tags_trampoline(void* context, pfn_range tag_pages) noexcept {
    const auto* tags = static_cast<const tagcache_tags*>(context);
    if (tags->hooks.to_tags != nullptr)
        tags->hooks.to_tags(tags->hooks.context, tag_pages.first, tag_pages.count);
}
void to_data_trampoline(void* context, pfn_range tag_pages) noexcept {
    const auto* tags = static_cast<const tagcache_tags*>(context);
    if (tags->hooks.to_data != nullptr)
        tags->hooks.to_data(tags->hooks.context, tag_pages.first, tag_pages.count);
}
void zero_tags_trampoline(void* context, pfn_t data_page) noexcept {
    const auto* tags = static_cast<const tagcache_tags*>(context);
    if (tags->hooks.zero_tags != nullptr)
        tags->hooks.zero_tags(tags->hooks.context, data_page);
}
void invalidate_tags_trampoline(void* context, pfn_t data_page) noexcept {
    const auto* tags = static_cast<const tagcache_tags*>(context);
    if (tags->hooks.invalidate_tags != nullptr)
        tags->hooks.invalidate_tags(tags->hooks.context, data_page);
}

template <class Pool>
int create_tags(tagcache_tags* tags, void* buffer, size_t bytes, const tagcache::tag_map& map,
                tagcache_pool* pool) noexcept {
    tagcache::hooked_tag_maintenance maintenance;
    maintenance.on_to_tags = &to_tags_trampoline;
    maintenance.on_to_data = &to_data_trampoline;
    maintenance.on_zero_tags = &zero_tags_trampoline;
    maintenance.on_invalidate_tags = &invalidate_tags_trampoline;
    maintenance.context = tags;
    const auto created =
        kernel_tags<Pool>::create(buffer, bytes, map, *static_cast<Pool*>(pool->core), maintenance);
    if (!created)
        return code(created.error());
    tags->core = *created;
    return 0;
}

} // namespace

// ---- errors and assertions ------------------------------------------------------------------

const char* tagcache_error_name(int value) {
    if (value < 0 || static_cast<unsigned>(value) >= tagcache::error_code_count)
        return "unknown_error";
    return tagcache::error_name(static_cast<errc>(value));
}

const char* tagcache_error_message(int value) {
    if (value < 0 || static_cast<unsigned>(value) >= tagcache::error_code_count)
        return "unknown error";
    return tagcache::error_message(static_cast<errc>(value));
}

void tagcache_set_assertion_handler(tagcache_assertion_fn handler) {
    __atomic_store_n(&c_assertion_handler, handler, __ATOMIC_RELEASE);
    tagcache::set_assertion_handler(handler != nullptr ? &assertion_trampoline : nullptr);
}

// ---- pool -------------------------------------------------------------------------------------

size_t tagcache_pool_bytes(const tagcache_pool_params* params) {
    tagcache::pool_geometry geometry;
    if (geometry_of(params, geometry) != errc::ok)
        return 0;
    const size_t core = params->partial_take == TAGCACHE_SPLIT_FOLIO
                            ? split_pool::required_bytes(geometry)
                            : drop_pool::required_bytes(geometry);
    return align64(sizeof(tagcache_pool)) + align64(sizeof(pool_recording)) + core;
}

int tagcache_pool_create(void* buffer, size_t bytes, const tagcache_pool_params* params,
                         tagcache_pool** out) {
    tagcache::pool_geometry geometry;
    if (const errc e = geometry_of(params, geometry); e != errc::ok)
        return code(e);
    const size_t header = align64(sizeof(tagcache_pool)) + align64(sizeof(pool_recording));
    if (buffer == nullptr || out == nullptr || bytes < header ||
        !tagcache::is_aligned(reinterpret_cast<uintptr_t>(buffer), 64))
        return code(errc::buffer_too_small);
    auto* recording = ::new (static_cast<unsigned char*>(buffer) + align64(sizeof(tagcache_pool)),
                             tagcache::placement_new) pool_recording();
    recording->geometry = geometry;
    if (params->records != nullptr && params->record_capacity != 0) {
        recording->records = params->records;
        recording->capacity = params->record_capacity;
        recording->active = true; // from the first operation on: none escapes it
    }
    auto* pool = ::new (buffer, tagcache::placement_new)
        tagcache_pool{params->partial_take == TAGCACHE_SPLIT_FOLIO ? partial_take::split_folio
                                                                   : partial_take::drop_whole_folio,
                      params->map_pfn, params->map_context, nullptr, recording};
    unsigned char* core = static_cast<unsigned char*>(buffer) + header;
    const int status = pool->mode == partial_take::split_folio
                           ? create_core<split_pool>(pool, core, bytes - header, geometry)
                           : create_core<drop_pool>(pool, core, bytes - header, geometry);
    if (status == 0)
        *out = pool;
    return status;
}

int tagcache_pool_register_donor(tagcache_pool* pool, const char* name,
                                 const tagcache_pfn_range* ranges, uint32_t range_count,
                                 uint32_t block_pages, uint64_t quota, uint32_t* donor) {
    // tagcache_pfn_range and pfn_range are both {first, count} of 64 bits; convert in batches
    // so that nothing large lives on the kernel stack.
    pfn_range converted[8];
    if (ranges == nullptr || range_count == 0 || range_count > 8)
        return code(errc::too_many_ranges);
    for (uint32_t i = 0; i < range_count; ++i)
        converted[i] = pfn_range{ranges[i].first, ranges[i].count};
    tagcache_record entry{};
    entry.op = TAGCACHE_RECORD_REGISTER_DONOR;
    entry.fs = range_count;
    entry.inode = block_pages;
    entry.index = quota;
    return recorded(
        pool, entry,
        [&](tagcache_record& e) noexcept {
            return visit(pool, [&](auto& core) noexcept {
                const auto registered = core.register_donor(
                    name, tagcache::span<const pfn_range>(converted, range_count), block_pages,
                    quota);
                if (registered) {
                    e.value = *registered;
                    if (donor != nullptr)
                        *donor = *registered;
                }
                return code(registered);
            });
        },
        ranges, range_count);
}

namespace {

tagcache_record record_of(uint8_t op, uint32_t fs = 0, uint64_t inode = 0, uint64_t index = 0,
                          unsigned order = 0) noexcept {
    tagcache_record entry{};
    entry.op = op;
    entry.order = static_cast<uint8_t>(order);
    entry.fs = fs;
    entry.inode = inode;
    entry.index = index;
    return entry;
}

} // namespace

int tagcache_pool_donate(tagcache_pool* pool, uint32_t donor, uint64_t pfn) {
    return recorded(pool, record_of(TAGCACHE_RECORD_DONATE, donor, pfn), [&](tagcache_record&) {
        return visit(pool, [&](auto& core) noexcept { return code(core.donate(donor, pfn)); });
    });
}

int tagcache_pool_take_back(tagcache_pool* pool, uint32_t donor, uint64_t pfn) {
    return recorded(pool, record_of(TAGCACHE_RECORD_TAKE_BACK, donor, pfn), [&](tagcache_record&) {
        return visit(pool, [&](auto& core) noexcept { return code(core.take_back(donor, pfn)); });
    });
}

int tagcache_pool_add_fs(tagcache_pool* pool, uint32_t* fs) {
    return recorded(pool, record_of(TAGCACHE_RECORD_ADD_FS), [&](tagcache_record& e) {
        return visit(pool, [&](auto& core) noexcept {
            const auto added = core.add_fs();
            if (added) {
                e.value = *added;
                if (fs != nullptr)
                    *fs = *added;
            }
            return code(added);
        });
    });
}

int tagcache_pool_remove_fs(tagcache_pool* pool, uint32_t fs) {
    return recorded(pool, record_of(TAGCACHE_RECORD_REMOVE_FS, fs), [&](tagcache_record&) {
        return visit(pool, [&](auto& core) noexcept { return code(core.remove_fs(fs)); });
    });
}

int tagcache_pool_store(tagcache_pool* pool, uint32_t fs, uint64_t inode, uint64_t index,
                        unsigned order, const void* source) {
    irq_off copy_window; // claim, copy and publish: see the interrupt rule in the header
    return recorded(
        pool, record_of(TAGCACHE_RECORD_STORE, fs, inode, index, order), [&](tagcache_record&) {
            return visit(pool, [&](auto& core) noexcept {
                return code(core.store(tagcache::page_key{fs, inode, index}, order, source, true));
            });
        });
}

int tagcache_pool_restore(tagcache_pool* pool, uint32_t fs, uint64_t inode, uint64_t index,
                          unsigned order, void* sink, uint64_t* filled) {
    irq_off copy_window;
    return recorded(pool, record_of(TAGCACHE_RECORD_RESTORE, fs, inode, index, order),
                    [&](tagcache_record& e) {
                        return visit(pool, [&](auto& core) noexcept {
                            const auto restored =
                                core.restore(tagcache::page_key{fs, inode, index}, order, sink);
                            e.value = restored ? restored->word() : 0;
                            if (filled != nullptr)
                                *filled = e.value;
                            return code(restored);
                        });
                    });
}

int tagcache_pool_invalidate_page(tagcache_pool* pool, uint32_t fs, uint64_t inode, uint64_t index,
                                  unsigned order) {
    return recorded(
        pool, record_of(TAGCACHE_RECORD_INVALIDATE_PAGE, fs, inode, index, order),
        [&](tagcache_record&) {
            return visit(pool, [&](auto& core) noexcept {
                return code(core.invalidate(tagcache::page_key{fs, inode, index}, order));
            });
        });
}

int tagcache_pool_invalidate_inode(tagcache_pool* pool, uint32_t fs, uint64_t inode) {
    return recorded(pool, record_of(TAGCACHE_RECORD_INVALIDATE_INODE, fs, inode),
                    [&](tagcache_record&) {
                        return visit(pool, [&](auto& core) noexcept {
                            return code(core.invalidate_inode(fs, inode));
                        });
                    });
}

int tagcache_pool_invalidate_fs(tagcache_pool* pool, uint32_t fs) {
    return recorded(pool, record_of(TAGCACHE_RECORD_INVALIDATE_FS, fs), [&](tagcache_record&) {
        return visit(pool, [&](auto& core) noexcept { return code(core.invalidate_fs(fs)); });
    });
}

void tagcache_pool_reclaim_stale(tagcache_pool* pool, uint32_t slots) {
    recorded(pool, record_of(TAGCACHE_RECORD_RECLAIM_STALE, 0, slots), [&](tagcache_record&) {
        return visit(pool, [&](auto& core) noexcept {
            core.reclaim_stale(slots);
            return 0;
        });
    });
}

void tagcache_pool_stop_recording(tagcache_pool* pool) {
    end_recording(pool, recording_end::stopped);
}

uint64_t tagcache_pool_recorded(const tagcache_pool* pool, uint64_t* lost) {
    const auto& r = *static_cast<const pool_recording*>(pool->recording);
    if (lost != nullptr)
        *lost = r.end == recording_end::full ? 1 : 0;
    return r.count;
}

size_t tagcache_pool_recording_line(tagcache_pool* pool, uint64_t* cursor, char* buffer,
                                    size_t size) {
    end_recording(pool, recording_end::stopped);
    const pool_recording& r = recording_of(pool);
    if (r.records == nullptr || buffer == nullptr || cursor == nullptr)
        return 0;
    line_writer out(buffer, size);
    uint64_t used = 1;
    const uint64_t at = *cursor;
    if (at == 0) {
        out.text("tagcache-recording 1");
    } else if (at == 1) {
        const tagcache::pool_geometry& g = r.geometry;
        out.text("pool slots=")
            .decimal(g.slots)
            .text(" max-block-pages=")
            .decimal(g.max_block_pages);
        out.text(" filesystems=").decimal(g.filesystems).text(" max-ranges=").decimal(g.max_ranges);
        out.text(" page-size=").decimal(static_cast<uint64_t>(g.page));
        out.text(" partial-take=").text(pool->mode == partial_take::split_folio ? "split" : "drop");
        out.text(" hash-seed=").hex(g.hash_seed);
    } else if (at - 2 < r.count) {
        write_record(out, r.records, r.count, at - 2, used);
    } else if (at - 2 == r.count) {
        out.text("stats");
#define TAGCACHE_KERNEL_WRITE_COUNTER(name, meaning) out.text(" " #name "=").decimal(r.at_end.name);
        TAGCACHE_POOL_COUNTERS(TAGCACHE_KERNEL_WRITE_COUNTER, TAGCACHE_KERNEL_WRITE_COUNTER)
#undef TAGCACHE_KERNEL_WRITE_COUNTER
    } else if (at - 2 == r.count + 1) {
        out.text("end records=").decimal(r.count).text(" reason=").text(end_name(r.end));
    } else {
        return 0;
    }
    const size_t length = out.finish();
    if (length != 0)
        *cursor = at + used;
    return length;
}

void tagcache_pool_get_stats(const tagcache_pool* pool, tagcache_pool_stats* out) {
    visit(pool, [&](const auto& core) noexcept {
        const tagcache::pool_stats s = core.stats();
#define TAGCACHE_KERNEL_COPY_COUNTER(name, meaning) out->name = s.name;
        TAGCACHE_POOL_COUNTERS(TAGCACHE_KERNEL_COPY_COUNTER, TAGCACHE_KERNEL_COPY_COUNTER)
#undef TAGCACHE_KERNEL_COPY_COUNTER
        return 0;
    });
}

int tagcache_pool_get_donor_stats(const tagcache_pool* pool, uint32_t donor,
                                  tagcache_donor_stats* out) {
    return visit(pool, [&](const auto& core) noexcept {
        const auto info = core.donor_info(donor);
        if (info)
            *out = tagcache_donor_stats{info->size, info->cached, info->free, info->recalled};
        return code(info);
    });
}

const char* tagcache_pool_check_invariants(const tagcache_pool* pool) {
    const char* broken = nullptr;
    visit(pool, [&](const auto& core) noexcept {
        broken = core.check_invariants();
        return 0;
    });
    return broken;
}

// ---- tag map ----------------------------------------------------------------------------------

size_t tagcache_map_bytes(void) {
    return align64(sizeof(tagcache_map));
}

int tagcache_map_create(void* buffer, size_t bytes, const tagcache_region_desc* descs,
                        uint32_t count, uint32_t page_size, tagcache_map** out,
                        uint32_t* bad_region) {
    if (buffer == nullptr || out == nullptr || bytes < sizeof(tagcache_map) ||
        !tagcache::is_aligned(reinterpret_cast<uintptr_t>(buffer), 64))
        return code(errc::buffer_too_small);
    if (count > tagcache::tag_map::max_regions)
        return code(errc::too_many_regions);
    auto* map = ::new (buffer, tagcache::placement_new) tagcache_map();
    for (uint32_t i = 0; i < count; ++i)
        map->scratch[i] = tagcache::tag_region_desc{{descs[i].memory_base, descs[i].memory_size},
                                                    {descs[i].tag_base, descs[i].tag_size},
                                                    descs[i].block_size};
    const auto assigned =
        map->map.assign(tagcache::span<const tagcache::tag_region_desc>(map->scratch, count),
                        static_cast<tagcache::page_size>(page_size));
    if (!assigned) {
        if (bad_region != nullptr)
            *bad_region = assigned.error().region;
        return code(assigned.error().code);
    }
    *out = map;
    return 0;
}

uint32_t tagcache_map_region_count(const tagcache_map* map) {
    return map->map.region_count();
}

int tagcache_map_region(const tagcache_map* map, uint32_t index, tagcache_region_info* out) {
    if (index >= map->map.region_count())
        return code(errc::not_tagged_memory);
    const tagcache::tag_region& r = map->map.region(index);
    *out = tagcache_region_info{r.memory.first, r.memory.count, r.tags.first,
                                r.tags.count,   r.block_pages,  r.block_count()};
    return 0;
}

int tagcache_map_tag_page_of(const tagcache_map* map, uint64_t pfn, uint64_t* tag_pfn) {
    const auto tag = map->map.tag_page_of(pfn);
    if (tag)
        *tag_pfn = *tag;
    return code(tag);
}

int tagcache_map_blocks_for_folio(const tagcache_map* map, uint64_t pfn, unsigned order,
                                  tagcache_block_span* out) {
    const auto span = map->map.blocks_for_folio(pfn, order);
    if (span)
        *out = tagcache_block_span{span->region, span->first, span->count};
    return code(span);
}

// ---- tag-storage manager ------------------------------------------------------------------

size_t tagcache_tags_bytes(const tagcache_map* map) {
    const size_t drop = kernel_tags<drop_pool>::required_bytes(map->map);
    const size_t split = kernel_tags<split_pool>::required_bytes(map->map);
    return align64(sizeof(tagcache_tags)) + (drop > split ? drop : split);
}

int tagcache_tags_create(void* buffer, size_t bytes, const tagcache_map* map, tagcache_pool* pool,
                         const tagcache_tag_hooks* hooks, tagcache_tags** out) {
    const size_t header = align64(sizeof(tagcache_tags));
    if (buffer == nullptr || out == nullptr || map == nullptr || pool == nullptr ||
        bytes < header || !tagcache::is_aligned(reinterpret_cast<uintptr_t>(buffer), 64))
        return code(errc::buffer_too_small);
    // The manager's donations and take-backs are not pool operations the recording sees: a
    // recording ends here, a faithful prefix (tagcache_kernel.h).
    end_recording(pool, recording_end::tag_storage);
    auto* tags = ::new (buffer, tagcache::placement_new)
        tagcache_tags{pool->mode, hooks != nullptr ? *hooks : tagcache_tag_hooks{}, nullptr};
    unsigned char* core = static_cast<unsigned char*>(buffer) + header;
    const int status = pool->mode == partial_take::split_folio
                           ? create_tags<split_pool>(tags, core, bytes - header, map->map, pool)
                           : create_tags<drop_pool>(tags, core, bytes - header, map->map, pool);
    if (status == 0)
        *out = tags;
    return status;
}

int tagcache_tags_reserve(tagcache_tags* tags, uint64_t pfn, unsigned order) {
    return visit(tags, [&](auto& core) noexcept { return code(core.reserve(pfn, order)); });
}

int tagcache_tags_release(tagcache_tags* tags, uint64_t pfn, unsigned order) {
    return visit(tags, [&](auto& core) noexcept { return code(core.release(pfn, order)); });
}

bool tagcache_tags_is_reserved(const tagcache_tags* tags, uint64_t pfn) {
    return visit(tags, [&](auto& core) noexcept { return core.is_reserved(pfn) ? 1 : 0; }) != 0;
}

uint32_t tagcache_tags_donor(const tagcache_tags* tags, uint32_t region) {
    return static_cast<uint32_t>(visit(
        tags, [&](auto& core) noexcept { return static_cast<int>(core.donor_of_region(region)); }));
}

void tagcache_tags_get_stats(const tagcache_tags* tags, tagcache_tag_stats* out) {
    visit(tags, [&](auto& core) noexcept {
        const tagcache::tag_stats s = core.stats();
        *out = tagcache_tag_stats{s.reservations,      s.releases,       s.blocks_claimed,
                                  s.blocks_returned,   s.pages_reserved, s.blocks_in_use,
                                  s.peak_blocks_in_use};
        return 0;
    });
}

const char* tagcache_tags_check_invariants(const tagcache_tags* tags) {
    const char* broken = nullptr;
    visit(tags, [&](auto& core) noexcept {
        broken = core.check_invariants();
        return 0;
    });
    return broken;
}
