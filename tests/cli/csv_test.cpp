// tagsim's CSV (run --csv, sweep, tmem --csv) parses as RFC 4180 says, whatever the scenario's
// name holds: each field through csv_field (sim/cli/csv.hpp), and each command's whole output,
// read back by the small RFC 4180 reader below, has one field a column and the name intact.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "csv.hpp"

namespace {

using record = std::vector<std::string>;

// RFC 4180, section 2: records end in CRLF or LF (tagsim writes LF); a field in double quotes
// may hold commas, CR, LF and doubled double quotes. Anything else malformed fails the test.
std::vector<record> parse_csv(const std::string& text) {
    std::vector<record> records;
    record current;
    std::string field;
    size_t i = 0;
    bool field_started = false;
    const auto end_field = [&] {
        current.push_back(field);
        field.clear();
        field_started = false;
    };
    while (i < text.size()) {
        const char c = text[i];
        if (!field_started && c == '"') {
            ++i;
            for (;;) {
                REQUIRE(i < text.size()); // an unterminated quoted field
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
            // After the closing quote: a separator, a record's end, or the text's end.
            REQUIRE((i == text.size() || text[i] == ',' || text[i] == '\n' || text[i] == '\r'));
            field_started = true;
            continue;
        }
        if (c == ',') {
            end_field();
            ++i;
        } else if (c == '\n' || c == '\r') {
            end_field();
            records.push_back(std::move(current));
            current.clear();
            i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2u : 1u;
        } else {
            REQUIRE(c != '"'); // a double quote inside an unquoted field
            field += c;
            field_started = true;
            ++i;
        }
    }
    if (field_started || !current.empty()) {
        end_field();
        records.push_back(std::move(current));
    }
    return records;
}

std::string join(const record& fields) {
    std::string out;
    for (size_t i = 0; i < fields.size(); ++i)
        out.append(i == 0 ? "" : ",").append(tagsim::csv_field(fields[i]));
    return out;
}

// The command's stdout (stderr goes to the test's log); REQUIREs exit status 0.
std::string run(const std::string& arguments) {
    const std::string command = std::string(TAGSIM_BINARY) + " " + arguments;
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string out;
    char buffer[4096];
    for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) != 0;)
        out.append(buffer, got);
    const int status = ::pclose(pipe);
    INFO(command << "\n" << out);
    REQUIRE(status == 0);
    return out;
}

// A copy of a shipped scenario with its "name" replaced (JSON-escaped) by `name`, written to
// a file of the calling test's own (`test`): ctest runs the test cases in parallel.
std::string scenario_named(const std::string& test, const std::string& shipped,
                           const std::string& old_name, const std::string& name) {
    std::ifstream in(std::string(TAGSIM_SCENARIOS_DIR) + "/" + shipped);
    std::stringstream text;
    text << in.rdbuf();
    std::string json = text.str();
    std::string escaped;
    for (const char c : name) {
        if (c == '"' || c == '\\')
            escaped += '\\';
        escaped += c;
    }
    const std::string from = "\"name\": \"" + old_name + "\"";
    const size_t at = json.find(from);
    REQUIRE(at != std::string::npos);
    json.replace(at, from.size(), "\"name\": \"" + escaped + "\"");
    const auto path = std::filesystem::path(TAGSIM_TEST_WORK_DIR) / (test + "_" + shipped);
    std::ofstream(path) << json;
    return path.string();
}

// Every record has the header's field count, and the scenario column holds the name.
void check_table(const std::string& csv, const std::string& name, size_t rows) {
    INFO(csv);
    const std::vector<record> records = parse_csv(csv);
    REQUIRE(records.size() == rows + 1);
    REQUIRE(records[0].at(0) == "scenario");
    for (size_t i = 1; i < records.size(); ++i) {
        CHECK(records[i].size() == records[0].size());
        CHECK(records[i].at(0) == name);
    }
}

// Names a scenario may hold that CSV must quote (control characters are the reader's to refuse).
const char* const awkward_names[] = {"a,b", "say \"hi\"", "\"", ",", "a,\"b\",c\"\""};

} // namespace

TEST_CASE("csv_field: RFC 4180 reads back every string, commas, quotes, CR and LF included",
          "[csv]") {
    for (const std::string text : {"", "plain", "a,b", "\"", "\"\"", "a\nb", "a\r\nb", ",\",\n"})
        CHECK(parse_csv(join({text, "x"}) + "\n") == std::vector<record>{{text, "x"}});
    CHECK(tagsim::csv_field("plain") == "plain"); // left bare when it can be
    CHECK(tagsim::csv_field("a,b") == "\"a,b\"");
    CHECK(tagsim::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
    // Random records over the bytes that matter.
    std::mt19937_64 random(23);
    const std::string alphabet = ",\"\r\n ax";
    for (int round = 0; round < 2000; ++round) {
        record fields(1 + random() % 4);
        for (std::string& f : fields)
            for (uint64_t n = random() % 6; n > 0; --n)
                f += alphabet[random() % alphabet.size()];
        INFO(join(fields));
        CHECK(parse_csv(join(fields) + "\n") == std::vector<record>{fields});
    }
}

TEST_CASE("run --csv quotes the scenario's name", "[csv]") {
    for (const std::string name : awkward_names)
        check_table(run("run " + scenario_named("run", "small.json", "small", name) +
                        " --duration 0.02 --csv"),
                    name, 2);
}

TEST_CASE("sweep --vary policy quotes the scenario's name", "[csv]") {
    const std::string name = "a,\"b\",c";
    check_table(run("sweep " + scenario_named("sweep", "small.json", "small", name) +
                    " --vary policy --duration 0.01"),
                name, 12);
}

TEST_CASE("tmem --csv quotes the scenario's name", "[csv]") {
    for (const std::string name : awkward_names)
        check_table(run("tmem " + scenario_named("tmem", "tmem.json", "tmem", name) +
                        " --duration 0.05 --csv"),
                    name, 4);
}

// One list of fields feeds the table, JSON and CSV (docs/tagsim.md, "Output fields"): each
// strategy's JSON figures (samples aside) are exactly the CSV's columns after the five that name
// the row, with the same values as far as CSV's digits go; the measured latencies, which vary
// from run to run, only by name. Columns added since the first release come last.
TEST_CASE("run --csv has each of --json's figures, in a column of its name", "[csv]") {
    const std::string scenario = std::string(TAGSIM_SCENARIOS_DIR) + "/small.json";
    const nlohmann::json json =
        nlohmann::json::parse(run("run " + scenario + " --duration 0.05 --json"));
    const std::vector<record> csv = parse_csv(run("run " + scenario + " --duration 0.05 --csv"));
    REQUIRE(csv.size() == 3);
    const record& header = csv[0];
    REQUIRE(header.size() > 8);
    CHECK(record(header.end() - 3, header.end()) ==
          record{"pages_dropped", "movable_share_end", "skipped_events"});
    for (size_t row = 1; row < csv.size(); ++row) {
        const std::string strategy = csv[row].at(4);
        REQUIRE(json.contains(strategy));
        std::vector<std::pair<std::string, nlohmann::json>> figures; // by CSV name
        for (const auto& [key, value] : json[strategy].items()) {
            if (key == "samples")
                continue;
            if (value.is_object())
                for (const auto& [part, number] : value.items())
                    figures.emplace_back(key + "_" + part, number);
            else
                figures.emplace_back(key, value);
        }
        REQUIRE(figures.size() == header.size() - 5);
        for (const auto& [name, value] : figures) {
            INFO(strategy << " " << name);
            const auto column = std::find(header.begin() + 5, header.end(), name);
            REQUIRE(column != header.end());
            if (name.starts_with("latency_measured_ns"))
                continue;
            const std::string& text = csv[row].at(static_cast<size_t>(column - header.begin()));
            if (value.is_number_unsigned())
                CHECK(text == std::to_string(value.get<uint64_t>()));
            else
                CHECK(std::abs(std::stod(text) - value.get<double>()) <= 5e-4);
        }
    }
}
