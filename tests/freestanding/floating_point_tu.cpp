// Negative control for the freestanding check: this unit instantiates ARC with its real-valued
// (double) target, which a kernel built with -mgeneral-regs-only cannot use. GCC refuses to
// compile it; Clang compiles it into soft-float calls (__adddf3, __divdf3, ...) that no
// kernel provides. The check must reject it either way.
#include <tagcache/core.hpp>

namespace {
struct arc_double_config : tagcache::default_pool_config {
    using eviction = tagcache::arc_eviction;
};
using arc_pool = tagcache::cleancache_pool<arc_double_config>;
} // namespace

extern "C" int tagcache_fs_arc_double(void* buffer, size_t bytes, uint64_t index) {
    tagcache::pool_geometry geometry;
    geometry.slots = 64;
    const auto pool = arc_pool::create(buffer, bytes, geometry);
    if (!pool)
        return 1;
    const tagcache::pfn_range range{0x100, 64};
    (void)(*pool)->register_donor("d", {&range, 1});
    (*pool)->donate_range(0, range);
    const auto fs = (*pool)->add_fs();
    for (uint64_t i = 0; i < 200; ++i) // evictions and ghost hits move ARC's target p
        (void)(*pool)->store({*fs, 1, (index + i) % 97}, 0, nullptr);
    return 0;
}
