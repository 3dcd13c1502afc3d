// What tagsim prints about a scenario's run (scenario_run.hpp runs it): a table for people, JSON
// and CSV for programs, all three from one list of each strategy's figures. docs/tagsim.md
// explains every field.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "scenario_run.hpp"

namespace tagsim {

void print_table(const run_summary& run);
nlohmann::json to_json(const run_summary& run);
std::string csv_header();
std::string csv_rows(const run_summary& run, const std::string& prefix_columns = "");

} // namespace tagsim
