// The scenario files of sim/scenarios: the default one states the built-in scenario
// exactly, and every shipped file reads and validates.
#include <tagsim/trace/number_text.hpp>
#include <tagsim/trace/trace_stream.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "scenario.hpp"
#include "scenario_json.hpp"
#include "tmem_scenario.hpp"

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

TEST_CASE("sim/scenarios/tmem.json is the built-in tmem scenario", "[scenario][tmem]") {
    const tagcache::sim::tmem_params file = read_tmem_scenario(TAGSIM_SCENARIOS_DIR "/tmem.json");
    const tagcache::sim::tmem_params built_in = tagcache::sim::default_tmem_params();
    CHECK(file.name == built_in.name);
    CHECK(file.seed == built_in.seed);
    CHECK(file.duration_s == built_in.duration_s);
    CHECK(file.tick_s == built_in.tick_s);
    CHECK(file.host_mib == built_in.host_mib);
    CHECK(file.host_reserved_mib == built_in.host_reserved_mib);
    CHECK(file.block_mib == built_in.block_mib);
    CHECK(file.sudden_mib == built_in.sudden_mib);
    CHECK(file.report_mib == built_in.report_mib);
    CHECK(file.notify_discards == built_in.notify_discards);
    REQUIRE(file.guests.size() == built_in.guests.size());
    for (size_t i = 0; i < file.guests.size(); ++i) {
        const auto& a = file.guests[i];
        const auto& b = built_in.guests[i];
        CHECK(a.boot_mib == b.boot_mib);
        CHECK(a.flexible_mib == b.flexible_mib);
        CHECK(a.anon_mib == b.anon_mib);
        CHECK(a.kernel_mib == b.kernel_mib);
        CHECK(a.swap_mib == b.swap_mib);
        CHECK(a.reads_per_s == b.reads_per_s);
        CHECK(a.file_set_mib == b.file_set_mib);
        CHECK(a.hot_set_mib == b.hot_set_mib);
        CHECK(a.hot_share == b.hot_share);
        CHECK(a.file_mib == b.file_mib);
    }
    REQUIRE(file.pressure.size() == built_in.pressure.size());
    for (size_t i = 0; i < file.pressure.size(); ++i) {
        CHECK(file.pressure[i].time_s == built_in.pressure[i].time_s);
        CHECK(file.pressure[i].free_target_mib == built_in.pressure[i].free_target_mib);
    }
}

TEST_CASE("a tmem scenario error names the field and the reason", "[scenario][tmem]") {
    const auto error_of = [](const std::string& json) -> std::string {
        try {
            parse_tmem_scenario(json, ".");
        } catch (const scenario_error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_of("{}").empty());
    CHECK(error_of(R"({"kind": "cma"})").rfind("kind: must be \"tmem\"", 0) == 0);
    CHECK(error_of(R"({"colour": 1})").rfind("colour: unknown field", 0) == 0);
    CHECK(error_of(R"({"block-mib": 3})").rfind("block-mib: must be a power of two", 0) == 0);
    CHECK(error_of(R"({"guests": [{}]})") == "guests: must hold 2 to 64 guests, not 1");
    CHECK(error_of(R"({"guests": [{}, {"anon-mib": 2000}]})").rfind("guests[1].anon-mib: ", 0) ==
          0);
    CHECK(error_of(R"({"pressure": [[0, 512], [10, 99999]]})").rfind("pressure[1][1]: ", 0) == 0);
    CHECK(error_of(R"({"pressure": [[5, 512], [1, 512]]})") ==
          "pressure[1][0]: times must not decrease");
    CHECK(error_of(R"({"pressure": [], "duration-s": 10})").rfind("pressure: ", 0) == 0);
    CHECK(error_of(R"({"pressure": [[0, 1]], "pressure-trace": "x"})")
              .rfind("pressure: give either", 0) == 0);
    // The count as given, not where the reader stopped.
    std::string many = R"({"guests": [{})";
    for (int i = 1; i < 1000; ++i)
        many += ", {}";
    CHECK(error_of(many + "]}") == "guests: must hold 2 to 64 guests, not 1000");
    CHECK(error_of(R"({"pressure-trace": ""})") == "pressure-trace: must be a file name, not ''");
    CHECK(error_of(R"({"duration-s": 0.05, "tick-s": 0.1})") ==
          "duration-s: must be at least tick-s (0.1 s), one step, not 0.05");
    CHECK(
        error_of(R"({"duration-s": 3600, "guests": [{"reads-per-s": 1e6}, {"reads-per-s": 1e6}]})")
            .rfind("duration-s: 3600 s x 2000000 reads/s", 0) == 0);
}

TEST_CASE("a pressure trace error names the file, the line and the value as given",
          "[scenario][tmem]") {
    const auto error_of = [](const std::string& text) -> std::string {
        const std::string path = "trace.txt";
        std::FILE* file = ::fmemopen(const_cast<char*>(text.data()), text.size(), "rb");
        REQUIRE(file != nullptr);
        tagcache::sim::trace_line_reader reader(path, file);
        try {
            read_pressure_trace(reader, 15360);
        } catch (const scenario_error& e) {
            return e.what();
        }
        return "";
    };
    CHECK(error_of("0 512\n# a comment\n10 1024 # and another\n").empty());
    CHECK(error_of("0 512\n\n10 -512\n") ==
          "trace.txt:3: free target must be between 0 and 15360 MiB (host-mib - "
          "host-reserved-mib), not '-512'");
    CHECK(error_of("-0.5 512\n") ==
          "trace.txt:1: time must be between 0 and 1000000 s, not '-0.5'");
    CHECK(error_of("5 512\n4 512\n") == "trace.txt:2: times must not decrease ('4' after 5)");
    CHECK(error_of("0 512\n1" + std::string(1, '\0') + "0 1024\n") ==
          "trace.txt:2: '1\\x000' is not a number");
    CHECK(error_of("0 512 7\n") == "trace.txt:1: expected TIME_S FREE_TARGET_MIB, not '0 512 7'");
    CHECK(error_of("# nothing\n") == "trace.txt: no points");
    CHECK(error_of(std::string(5000, '1')).rfind("trace.txt:1: line longer than 4096 bytes", 0) ==
          0);
    CHECK_THROWS_WITH(read_pressure_trace("", 15360),
                      "a pressure trace must be a file name, not ''");
}

TEST_CASE("every shipped scenario reads and the FVP one has both regions", "[scenario]") {
    for (const auto& entry : std::filesystem::directory_iterator(TAGSIM_SCENARIOS_DIR)) {
        INFO(entry.path());
        const std::string path = entry.path().string();
        const std::string file = entry.path().filename().string();
        if (entry.path().extension() == ".trace") // a tmem host pressure trace
            CHECK_NOTHROW(read_pressure_trace(
                path, max_free_target_mib(tagcache::sim::default_tmem_params())));
        else if (file.rfind("tmem", 0) == 0) // `tagsim tmem` scenarios (docs/tmem.md)
            CHECK_NOTHROW(read_tmem_scenario(path));
        else
            CHECK_NOTHROW(read_scenario(path).map());
    }
    const scenario fvp = read_scenario(TAGSIM_SCENARIOS_DIR "/fvp.json");
    REQUIRE(fvp.regions.size() == 2);
    // The series' FVP tree (docs/mapping.md): memory 1 ends where the tags of region 0 begin.
    CHECK(fvp.regions[0].tag_storage.base == 0x8'f800'0000);
    CHECK(fvp.regions[1].tagged_memory.base + fvp.regions[1].tagged_memory.size ==
          fvp.regions[0].tag_storage.base);
    CHECK(fvp.map().total_tag_pages() == (0x400'0000 + 0x3c0'0000) / 4096);
}

// The reader builds its tree itself from SAX events (to refuse duplicate keys and deep nesting
// with the field's path): for any JSON it accepts, the tree nlohmann's own parser builds.
TEST_CASE("the scenario reader's tree is nlohmann's", "[scenario][json]") {
    std::vector<std::string> texts = {
        "{}",
        "[]",
        "0",
        "-1",
        "18446744073709551615",
        "1.5e3",
        "true",
        "null",
        "\"x\"",
        R"({"a": [1, -2, 3.25, "s", null, false, {"b": []}], "c": {"d": {"e": [[1], [2, [3]]]}}})",
        R"([{"x": 1}, {"x": 2}, [], {}])"};
    for (const auto& entry : std::filesystem::directory_iterator(TAGSIM_SCENARIOS_DIR))
        if (entry.path().extension() == ".json") {
            std::ifstream in(entry.path());
            std::stringstream text;
            text << in.rdbuf();
            texts.push_back(text.str());
        }
    for (const std::string& text : texts) {
        INFO(text);
        const nlohmann::json ours = parse_scenario_json(text);
        CHECK(ours == nlohmann::json::parse(text));
        CHECK(ours.dump() == nlohmann::json::parse(text).dump());
    }
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
    // Memory nodes no tag-storage node names are checked too, and against each other.
    const std::string fits = R"(, "workload": {"page-cache-mib": 32, "movable-live-mib": 100,
                      "file-set-mib": 512, "hot-set-mib": 36, "tagged-live-mib": 8})";
    const auto with_spare = [&](const std::string& reg) {
        try {
            parse_scenario(R"({"memory": [{"name": "m", "reg": ["0x80000000", "0x10000000"]},
                                          {"name": "spare", "reg": )" +
                               reg + R"(}],
                "tag-storage": [{"reg": ["0x90000000", "0x800000"], "block-size": "0x1000",
                                 "tagged-memory": "m"}])" +
                               fits + "}",
                           "test");
        } catch (const scenario_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(with_spare(R"(["0x100000000", "0x100000"])").empty());
    CHECK(with_spare(R"(["0x100000000", 0])") == "memory[1].reg: [0x100000000, 0] is empty");
    CHECK(with_spare(R"(["0xfffffffffff00000", "0x200000"])") ==
          "memory[1].reg: [0xfffffffffff00000, 0x200000] ends beyond 2^64");
    CHECK(with_spare(R"(["0x100000800", "0x1000"])") ==
          "memory[1].reg: [0x100000800, 0x1000] is not whole pages of 4096 bytes");
    CHECK(with_spare(R"(["0x8ffff000", "0x2000"])") ==
          "memory[1].reg: overlaps memory[0].reg ([0x80000000, 0x10000000] and [0x8ffff000, "
          "0x2000])");
    CHECK(with_spare(R"(["0x90000000", "0x1000"])").empty()); // touching is not overlapping
    // The default workload does not fit in 256 MiB.
    CHECK(error_of("").rfind("workload: page-cache-mib + tagged-live-mib + movable-live-mib", 0) ==
          0);
}

TEST_CASE("text a user gave prints on one line, escaped", "[scenario][text]") {
    using tagcache::sim::first_unprintable;
    using tagcache::sim::printable;
    using tagcache::sim::utf8_sequence_length;
    CHECK(printable("plain é € 😀") == "plain é € 😀");
    CHECK(printable(std::string("a\nb\0c\x7f", 6)) == "a\\x0ab\\x00c\\x7f");
    CHECK(printable("back\\slash") == "back\\\\slash");
    CHECK(printable("\xff\xc0\xaf") == "\\xff\\xc0\\xaf");          // not UTF-8; overlong
    CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");          // a UTF-16 surrogate
    CHECK(printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80"); // above U+10FFFF
    CHECK(utf8_sequence_length("\xe2\x82") == 0);                   // cut short
    CHECK(utf8_sequence_length("\xf0\x9f\x98\x80") == 4);
    CHECK(first_unprintable("ok") == std::string_view::npos);
    CHECK(first_unprintable("ok\t") == 2);
    CHECK(first_unprintable("é\xff") == 2);
    for (int byte = 0; byte < 256; ++byte) { // every byte alone: printable, or escaped
        const std::string text(1, static_cast<char>(byte));
        const std::string shown = printable(text);
        for (const char c : shown)
            CHECK(!tagcache::sim::is_control(c));
    }
    CHECK(tagcache::sim::quoted("a\nb") == "'a\\x0ab'");
}

// The message a call throws, or "" (Catch2 v2 and v3 spell string matchers differently).
template <class Call>
std::string error_of(Call call) {
    try {
        call();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST_CASE("a name with a control character is refused at the reader, naming the field",
          "[scenario][text]") {
    for (const std::string name : {"a\\nb", "a\\u0000b", "a\\u001bb", "a\\u007fb", "\\tx"}) {
        const std::string json =
            R"({"name": ")" + name +
            R"(", "memory": [{"name": "m", "reg": ["0x80000000", "0x10000000"]}], "tag-storage": [{"reg": ["0x90000000", "0x800000"], "block-size": "0x1000", "tagged-memory": "m"}]})";
        const std::string root_error = error_of([&] { parse_scenario(json, "x"); });
        CHECK(root_error.rfind("name: ", 0) == 0);
        CHECK(root_error.find("control character") != std::string::npos);
        const std::string node =
            R"({"memory": [{"name": ")" + name +
            R"(", "reg": ["0x80000000", "0x10000000"]}], "tag-storage": [{"reg": ["0x90000000", "0x800000"], "block-size": "0x1000", "tagged-memory": "m"}]})";
        CHECK(error_of([&] { parse_scenario(node, "x"); }).rfind("memory[0].name: ", 0) == 0);
        const std::string tmem_error = error_of(
            [&] { parse_tmem_scenario(R"({"kind": "tmem", "name": ")" + name + "\"}", "."); });
        CHECK(tmem_error.rfind("name: ", 0) == 0);
        CHECK(tmem_error.find("control character") != std::string::npos);
    }
    // What a figure title may hold: quotes, backslashes, shell syntax, any script.
    const scenario named = parse_scenario(
        R"({"name": "it's \"x\" \\ `y` $(z) | ! é", "memory": [{"name": "m", "reg": ["0x80000000", "0x10000000"]}], "tag-storage": [{"reg": ["0x90000000", "0x800000"], "block-size": "0x1000", "tagged-memory": "m"}], "workload": {"page-cache-mib": 16, "movable-live-mib": 100, "hot-set-mib": 20, "file-set-mib": 256, "tagged-live-mib": 8}})",
        "x");
    CHECK(named.name == "it's \"x\" \\ `y` $(z) | ! é");
}

TEST_CASE("a trace's path is printed escaped in its messages", "[scenario][text]") {
    const std::string error =
        error_of([] { tagcache::sim::trace_line_reader reader("no-such\n\x1b[2Jtrace"); });
    CHECK(error == "no-such\\x0a\\x1b[2Jtrace: cannot open (No such file or directory)");
}
