// What both scenario readers (tagsim run/sweep and tagsim tmem) share: reading a file within
// the size limit, parsing JSON so that a bad file is refused with the field it concerns (never
// a crash, a silent duplicate key or an unbounded message), and the field checks' wording.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>

#include "scenario.hpp"

namespace tagsim {

// Throws scenario_error("field: reason").
[[noreturn]] void fail(const std::string& field, const std::string& reason);

// What an error message shows of a JSON value: a scalar as written (strings cut short), an array
// or object by its size; never a recursive dump.
std::string quote(const nlohmann::json& value);

// A field name as a path shows it: cut at 40 bytes, control characters as \xNN.
std::string short_key(const std::string& key);

// A name (the scenario's, a memory node's): a string of at most 200 bytes of printable UTF-8.
// Names reach tables, CSV and figure titles, so a control character (a newline would end a
// gnuplot command or a CSV row) is refused here, naming the field and the byte's offset.
std::string read_name(const nlohmann::json& value, const std::string& field);

// Refuses a non-object, or a field of `object` not in `known` (naming it and the known ones).
void only_keys(const nlohmann::json& object, const std::string& where,
               std::initializer_list<const char*> known);

// Parses a scenario's JSON, refusing (with the field's path) duplicate keys, nesting deeper than
// 64 levels and out-of-range numbers, and syntax errors with a bounded, one-line message.
nlohmann::json parse_scenario_json(const std::string& json_text);

// The file's text: refuses a directory, an unreadable file and one over max_scenario_bytes.
std::string read_scenario_text(const std::string& path);

} // namespace tagsim
