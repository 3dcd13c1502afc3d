// Fuzzes the cleancache pool as an operation sequence: the differential run of the randomized
// test (tests/pool/differential_engine.hpp) with its decisions taken from the fuzzer's bytes,
// over one of several policy combinations (the first byte). Every restore returns exactly the
// latest stored bytes or misses; after an invalidation or a take-back it misses until stored
// again; every result code is the documented one; check_invariants() holds throughout.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "differential_engine.hpp"
#include "fuzz_support.hpp"

namespace {
using namespace tagcache;
using namespace tagcache::test;

struct fuzz_driver {
    tagcache::fuzz::fuzz_bytes& in;
    uint64_t draw() { return in.bits(16); } // every decision is below 2^16
    [[noreturn]] void fail(const std::string& what) { tagcache::fuzz::fail(what.c_str()); }
};

struct clock_data_config : data_config {
    using eviction = clock_eviction;
};
struct s3fifo_split_config : split_exclusive_config {
    using eviction = s3fifo_eviction;
};

template <class Config>
void run(tagcache::fuzz::fuzz_bytes& in, size_t size) {
    fuzz_driver driver{in};
    differential_run<Config, fuzz_driver> run(driver);
    // About as many operations as the input can decide, at most 256: each stamps and checks
    // 4 KiB pages under the sanitizers, and short runs keep the fuzzer at ~100s of inputs/s.
    run.run(size / 4 + 1 < 256 ? size / 4 + 1 : 256);
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    tagcache::fuzz::fuzz_bytes in(data, size);
    switch (in.byte() % 6) {
    case 0:
        run<data_config>(in, size);
        break;
    case 1:
        run<split_exclusive_config>(in, size);
        break;
    case 2:
        run<workingset_spinlock_config>(in, size);
        break;
    case 3:
        run<drop_exclusive_config>(in, size);
        break;
    case 4:
        run<clock_data_config>(in, size);
        break;
    default:
        run<s3fifo_split_config>(in, size);
        break;
    }
    return 0;
}
