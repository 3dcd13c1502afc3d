// Fuzzes tagsim's scenario reader (sim/cli/scenario.cpp) with arbitrary bytes. It must never
// crash, hang or throw anything but scenario_error, whose message is one bounded line; and a
// scenario it accepts must pass the same checks again (the map builds, the limits hold).
#include <cstring>
#include <string>

#include "fuzz_support.hpp"
#include "scenario.hpp"

using tagcache::fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const tagsim::scenario s = tagsim::parse_scenario(text, "fuzz");
        (void)s.map();
        tagsim::check_scenario(s);
        expect(s.workload.page_cache_pages > 0 && s.workload.pages_per_file > 0,
               "an accepted scenario has an empty page cache or files");
        expect(s.workload.file_set_pages > s.workload.hot_set_pages,
               "an accepted scenario's hot set is not inside its file set");
    } catch (const tagsim::scenario_error& e) {
        const size_t length = std::strlen(e.what());
        expect(length > 0 && length < 1000, "a scenario error is empty or unbounded", length);
        expect(std::strchr(e.what(), '\n') == nullptr, "a scenario error spans lines");
    }
    return 0;
}
