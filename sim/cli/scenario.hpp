// A tagsim scenario: the machine (tag-storage regions as the device tree's
// `arm,mte-tag-storage` binding describes them), where tagged pages land, the cleancache's
// eviction policy, and the workload (sim::mixed_workload_params). Read from JSON
// (docs/tagsim.md); the default scenario is built in.
#pragma once

#include <tagcache/fmt.hpp>
#include <tagcache/tagcache.hpp>
#include <tagsim/sim.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tagsim {

// A bad scenario: what() is "FIELD: reason", FIELD a JSON path such as tag-storage[1].reg.
struct scenario_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct scenario {
    std::string name = "default";
    tagcache::page_size page = tagcache::page_size::size_4k;
    std::vector<tagcache::tag_region_desc> regions;
    tagcache::sim::tagged_placement placement = tagcache::sim::tagged_placement::scattered;
    std::string policy = "lru";
    tagcache::sim::mixed_workload_params workload;

    tagcache::tag_map map() const; // validated when the scenario was read
};

// The built-in scenario: 8 GiB of tagged memory, its 256 MiB of tag storage (block-size
// 0x1000), 4K pages, and the workload docs/tagsim.md describes.
scenario default_scenario();

// Parses a scenario; fields the file leaves out keep the default scenario's values, except
// the machine (memory and tag-storage), which is required. Throws scenario_error.
scenario parse_scenario(const std::string& json_text, const std::string& name);
// Reads and parses a file; errors name the file too ("FILE: FIELD: reason"). A scenario file
// is at most max_scenario_bytes.
inline constexpr size_t max_scenario_bytes = size_t{1} << 20;
scenario read_scenario(const std::string& path);

// Checks a scenario again after the command line changed it (--seed, --duration): the same
// rules a file's values meet. Throws scenario_error naming the field.
void check_scenario(const scenario& s);

// Applies --seed and --duration (strictly parsed: decimal or 0x-hexadecimal seed; a finite
// duration in (0, 1e6] s), then checks the scenario again. Throws std::invalid_argument naming
// the option, or scenario_error naming the field a changed value breaks.
void apply_overrides(scenario& s, const std::optional<std::string>& seed,
                     const std::optional<std::string>& duration_s);

const char* placement_name(tagcache::sim::tagged_placement placement);

} // namespace tagsim
