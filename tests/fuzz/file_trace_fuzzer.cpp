// Fuzzes the native file-page trace reader and its replay (sim/tagsim/trace/file_trace.hpp): any
// bytes either end in trace_error or replay through a small pool whose invariants then hold,
// with counts that add up; an event the reader yields is within its documented limits.
#include <cstdio>

#include <tagsim/trace/file_trace.hpp>

#include "fuzz_support.hpp"

using tagcache::fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0; // fmemopen refuses an empty buffer
    using config = tagcache::sim::replay_config<tagcache::lru_eviction>;
    std::FILE* file = fmemopen(const_cast<uint8_t*>(data), size, "rb");
    tagcache::sim::trace_line_reader reader("fuzz.trace", file);
    tagcache::sim::file_replayer<config> replayer(16);
    try {
        tagcache::sim::for_each_file_event(
            reader, config::max_order, [&](const tagcache::sim::file_event& e) {
                expect(e.order <= config::max_order, "an event's order is too large", e.order);
                expect(e.op == tagcache::sim::file_op::truncate ||
                           e.index % (uint64_t{1} << e.order) == 0,
                       "an event's folio is unaligned", e.index);
                replayer.apply(e);
            });
    } catch (const tagcache::sim::trace_error&) {
    }
    const auto& r = replayer.result();
    expect(r.hits <= r.reads && r.pages_hit <= r.pages_read, "more hits than reads", r.hits,
           r.reads);
    const char* broken = replayer.pool().check_invariants();
    if (broken != nullptr)
        tagcache::fuzz::fail(broken);
    return 0;
}
