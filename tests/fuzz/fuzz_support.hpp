// What the fuzz targets share: turning the fuzzer's bytes into decisions, and failing loudly.
// A target is a libFuzzer entry point (LLVMFuzzerTestOneInput); replay_corpus.cpp turns it into
// a program that replays files, so the committed corpora also run as ordinary tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tagcache::fuzz {

// The fuzzer's bytes as a stream of small decisions; past the end every read is 0.
class fuzz_bytes {
public:
    fuzz_bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    bool empty() const noexcept { return used_ >= size_; }
    uint8_t byte() noexcept { return used_ < size_ ? data_[used_++] : 0; }
    uint64_t bits(unsigned count) noexcept { // little-endian, `count` <= 64
        uint64_t value = 0;
        for (unsigned shift = 0; shift < count; shift += 8)
            value |= uint64_t{byte()} << shift;
        return count >= 64 ? value : value & ((uint64_t{1} << count) - 1);
    }
    uint64_t below(uint64_t bound) noexcept { return bound == 0 ? 0 : bits(64) % bound; }

private:
    const uint8_t* data_;
    size_t size_;
    size_t used_ = 0;
};

// A broken expectation: print what and abort, which libFuzzer reports with the input.
[[noreturn]] inline void fail(const char* what, unsigned long long a = 0,
                              unsigned long long b = 0) {
    std::fprintf(stderr, "fuzz: %s (%llu, %llu)\n", what, a, b);
    std::fflush(stderr);
    std::abort();
}
inline void expect(bool ok, const char* what, unsigned long long a = 0,
                   unsigned long long b = 0) {
    if (!ok)
        fail(what, a, b);
}

} // namespace tagcache::fuzz
