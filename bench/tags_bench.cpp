// Tag-storage reservation: the manager's reserve when the block is free in the pool, holds
// cached data (the drop), or is already in use (a reference only), and release back to the
// pool; the CMA baseline's reserve with 0, 1 and all pages of the block migrating. Tag regions
// with block-size 0x4000 (bsp 4), 64 Ki tag pages (8 GiB tagged), the pool holding page data.
#include "bench_support.hpp"

#include <tagsim/machines/cma_baseline.hpp>

#include <memory>

namespace tagcache::bench {
namespace {

constexpr uint32_t tag_pages = 64 * 1024, block_pages = 4;
constexpr uint64_t batch = 1024;

tag_map bench_map() {
    const uint64_t tagged = uint64_t{tag_pages} * 32 * page_4k;
    const tag_region_desc desc{
        {0x1'0000'0000, tagged}, {0x1'0000'0000 + tagged, tag_pages * page_4k}, 0x4000};
    return tag_map::create(span<const tag_region_desc>(&desc, 1), page_size::size_4k).value();
}

struct tag_config {
    using lock = ticket_spinlock;
    using maintenance = no_tag_maintenance;
    using pool = cleancache_pool<data_config>;
};
using manager_type = tag_storage_manager<tag_config>;

// The pool (every tag page donated by the manager) and the manager.
struct manager_rig {
    tag_map map = bench_map();
    owned_pool<data_config> pool{geometry()};
    std::unique_ptr<unsigned char, decltype(&std::free)> storage{
        static_cast<unsigned char*>(
            std::aligned_alloc(64, round_up(manager_type::required_bytes(map)))),
        &std::free};
    manager_type& manager =
        *manager_type::create(storage.get(), manager_type::required_bytes(map), map, *pool).value();
    fs_id fs = pool->add_fs().value();
    page_buffer source{1};
    uint64_t next_index = 0;

    static pool_geometry geometry() {
        pool_geometry g;
        g.slots = tag_pages;
        g.max_block_pages = block_pages;
        g.max_ranges = 2;
        return g;
    }
    static std::size_t round_up(std::size_t n) { return (n + 63) & ~std::size_t{63}; }
    const tag_region& region() const { return map.region(0); }
    // A data page served by block b.
    pfn_t data_page(uint64_t b, uint64_t offset = 0) const {
        return region().data_pages_of_block(b).first + offset;
    }
    void fill(uint64_t count) {
        for (uint64_t i = 0; i < count; ++i, ++next_index)
            (void)pool->store({fs, 1 + next_index % 64, next_index / 64}, 0, source.page(0));
    }
};

const page_buffer& copy_sources() {
    static const page_buffer buffer(arena_pages);
    return buffer;
}
const page_buffer& copy_sinks() {
    static const page_buffer buffer(arena_pages);
    return buffer;
}

enum class block_state { free_in_pool, holding_data, in_use };

void manager_reserve(benchmark::State& state, block_state start) {
    manager_rig r;
    const uint64_t blocks = r.region().block_count();
    if (start == block_state::holding_data)
        r.fill(tag_pages);
    const auto order = permutation(static_cast<uint32_t>(blocks));
    uint64_t cursor = 0;
    const auto block = [&](uint64_t i) { return order[(cursor + i) % blocks]; };
    const uint64_t recalled_before = r.pool->stats().recalled;
    bool first = true;
    batched(
        state, batch,
        [&] {
            if (!first) { // undo the last batch: release (the block returns to the pool)
                for (uint64_t i = 0; i < batch; ++i) {
                    (void)r.manager.release(r.data_page(block(i), 1), 0);
                    if (start == block_state::in_use)
                        (void)r.manager.release(r.data_page(block(i), 0), 0);
                }
                if (start == block_state::holding_data)
                    r.fill(batch * block_pages); // into exactly the pages just lent back
                cursor += batch;
            }
            first = false;
            if (start == block_state::in_use)
                for (uint64_t i = 0; i < batch; ++i)
                    (void)r.manager.reserve(r.data_page(block(i), 0), 0);
        },
        [&](uint64_t i) { (void)r.manager.reserve(r.data_page(block(i), 1), 0); });
    const uint64_t dropped = r.pool->stats().recalled - recalled_before;
    const uint64_t expected =
        start == block_state::holding_data ? iterations(state) * batch * block_pages : 0;
    if (dropped != expected || r.manager.check_invariants() != nullptr)
        state.SkipWithError("the reservations did not find the blocks in the intended state");
}

// Release of a block's only reserved page: the count reaches 0 and the block is lent again.
void manager_release(benchmark::State& state) {
    manager_rig r;
    const uint64_t blocks = r.region().block_count();
    const auto order = permutation(static_cast<uint32_t>(blocks));
    uint64_t cursor = 0;
    const auto block = [&](uint64_t i) { return order[(cursor + i) % blocks]; };
    batched(
        state, batch,
        [&] {
            cursor += batch;
            for (uint64_t i = 0; i < batch; ++i)
                (void)r.manager.reserve(r.data_page(block(i)), 0);
        },
        [&](uint64_t i) { (void)r.manager.release(r.data_page(block(i)), 0); });
    if (r.manager.stats().blocks_in_use != 0)
        state.SkipWithError("a release did not return its block");
}

// The CMA baseline: a tagged order-0 page at the first data page of a random block whose tag
// pages hold `movable` order-0 movable pages; the reservation migrates them to normal memory.
// `copy`: also copy 4 KiB per migrated page, as the kernel must (the model only counts it).
void cma_reserve(benchmark::State& state, uint32_t movable, bool copy) {
    const tag_map map = bench_map();
    const tag_region& region = map.region(0);
    const pfn_range memory[] = {region.memory};
    sim::buddy_allocator normal(memory);
    sim::allocation_table owners;
    sim::cma_tag_storage storage(map, normal, owners);
    const uint64_t blocks = region.block_count();
    const auto order = permutation(static_cast<uint32_t>(blocks));
    // 256 MiB each, built once, only for the +copy variants.
    const page_buffer* from = copy ? &copy_sources() : nullptr;
    const page_buffer* to = copy ? &copy_sinks() : nullptr;
    uint64_t cursor = 0, migrated = 0, failed = 0;
    const auto block = [&](uint64_t i) { return order[(cursor + i) % blocks]; };
    std::vector<pfn_t> placed;
    batched(
        state, batch,
        [&] {
            for (const pfn_t pfn : placed) { // undo the last batch
                (void)storage.release(pfn, 0);
                for (const sim::allocation_record& record : owners.records()) { // a copy
                    normal.free(record.pfn, record.order);
                    owners.erase(record.pfn);
                }
            }
            placed.clear();
            cursor += batch;
            for (uint64_t i = 0; i < batch; ++i) {
                const pfn_t pfn = region.data_pages_of_block(block(i)).first;
                (void)normal.allocate_at(pfn, 0);
                (void)owners.insert({pfn, 0, sim::allocation_kind::tagged, 0});
                for (uint32_t m = 0; m < movable; ++m)
                    (void)storage.allocate_movable_at(region.tag_pages_of_block(block(i)).first + m,
                                                      0);
                placed.push_back(pfn);
            }
        },
        [&](uint64_t i) {
            const sim::reservation_report report = storage.reserve(placed[i], 0);
            failed += report.error == errc::ok && !report.fell_back ? 0u : 1u;
            migrated += report.pages_migrated;
            if (copy)
                for (uint32_t m = 0; m < report.pages_migrated; ++m)
                    std::memcpy(to->page((i * 4 + m) * 61 % to->pages()),
                                from->page((i * 4 + m) * 67 % from->pages()), page_4k);
        });
    if (failed != 0 || migrated != iterations(state) * batch * movable)
        state.SkipWithError("a CMA reservation did not migrate exactly the block's movable pages");
}

} // namespace

BENCHMARK_CAPTURE(manager_reserve, free_in_pool, block_state::free_in_pool)
    ->Name("tags/reserve/free_block")
    ->UseManualTime();
BENCHMARK_CAPTURE(manager_reserve, holding_data, block_state::holding_data)
    ->Name("tags/reserve/drop")
    ->UseManualTime();
BENCHMARK_CAPTURE(manager_reserve, in_use, block_state::in_use)
    ->Name("tags/reserve/reference_only")
    ->UseManualTime();
BENCHMARK(manager_release)->Name("tags/release/to_pool")->UseManualTime();
BENCHMARK_CAPTURE(cma_reserve, migrate_0, 0, false)->Name("cma/reserve/migrate_0")->UseManualTime();
BENCHMARK_CAPTURE(cma_reserve, migrate_1, 1, false)->Name("cma/reserve/migrate_1")->UseManualTime();
BENCHMARK_CAPTURE(cma_reserve, migrate_all, block_pages, false)
    ->Name("cma/reserve/migrate_all")
    ->UseManualTime();
BENCHMARK_CAPTURE(cma_reserve, migrate_1_copy, 1, true)
    ->Name("cma/reserve/migrate_1+copy")
    ->UseManualTime();
BENCHMARK_CAPTURE(cma_reserve, migrate_all_copy, block_pages, true)
    ->Name("cma/reserve/migrate_all+copy")
    ->UseManualTime();

} // namespace tagcache::bench
