// The scenario files of sim/scenarios: the default one states the built-in scenario
// exactly, and every shipped file reads and validates.
#include <filesystem>

#include "catch.hpp"
#include "scenario.hpp"

using namespace tagsim;

TEST_CASE("sim/scenarios/default.json is the built-in scenario", "[scenario]") {
    const scenario file = read_scenario(TAGSIM_SCENARIOS_DIR "/default.json");
    const scenario built_in = default_scenario();
    CHECK(file.name == built_in.name);
    CHECK(file.page == built_in.page);
    REQUIRE(file.regions.size() == built_in.regions.size());
    for (size_t i = 0; i < file.regions.size(); ++i) {
        CHECK(file.regions[i].tagged_memory == built_in.regions[i].tagged_memory);
        CHECK(file.regions[i].tag_storage == built_in.regions[i].tag_storage);
        CHECK(file.regions[i].block_size == built_in.regions[i].block_size);
    }
    CHECK(file.placement == built_in.placement);
    CHECK(file.policy == built_in.policy);
    CHECK(file.workload == built_in.workload);
}

TEST_CASE("every shipped scenario reads and the FVP one has both regions", "[scenario]") {
    for (const auto& entry : std::filesystem::directory_iterator(TAGSIM_SCENARIOS_DIR)) {
        INFO(entry.path());
        CHECK_NOTHROW(read_scenario(entry.path().string()).map());
    }
    const scenario fvp = read_scenario(TAGSIM_SCENARIOS_DIR "/fvp.json");
    REQUIRE(fvp.regions.size() == 2);
    // The series' FVP tree (docs/mapping.md): memory 1 ends where the tags of region 0 begin.
    CHECK(fvp.regions[0].tag_storage.base == 0x8'f800'0000);
    CHECK(fvp.regions[1].tagged_memory.base + fvp.regions[1].tagged_memory.size ==
          fvp.regions[0].tag_storage.base);
    CHECK(fvp.map().total_tag_pages() == (0x400'0000 + 0x3c0'0000) / 4096);
}

TEST_CASE("a scenario error names the field and the reason", "[scenario]") {
    const std::string machine = R"("memory": [{"name": "m", "reg": ["0x80000000", "0x10000000"]}],
        "tag-storage": [{"reg": ["0x90000000", "0x800000"], "block-size": "0x1000",
                         "tagged-memory": "m"}])";
    const auto error_of = [&](const std::string& rest) -> std::string {
        try {
            parse_scenario("{" + machine + rest + "}", "test");
        } catch (const scenario_error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_of(R"(, "workload": {"page-cache-mib": 32, "movable-live-mib": 100,
                      "file-set-mib": 512, "hot-set-mib": 36, "tagged-live-mib": 8})")
              .empty());
    CHECK(error_of(R"(, "workload": {"hot-share": 2})")
              .rfind("workload.hot-share: must be "
                     "between 0 and 1",
                     0) == 0);
    CHECK(error_of(R"(, "workload": {"speed": 2})").rfind("workload.speed: unknown field", 0) == 0);
    CHECK(error_of(R"(, "placement": "everywhere")").rfind("placement: 'everywhere'", 0) == 0);
    // The default workload does not fit in 256 MiB.
    CHECK(error_of("").rfind("workload: page-cache-mib + tagged-live-mib + movable-live-mib", 0) ==
          0);
}
