#include "scenario.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <tagsim/trace/number_text.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "policies.hpp"
#include "scenario_json.hpp"

namespace tagsim {
namespace {

using nlohmann::json;
using tagcache::sim::mixed_workload_params;
using tagcache::sim::tagged_placement;

// An address or size: a JSON unsigned integer, or a string in decimal or 0x-hexadecimal (device
// trees write them in hex, and JSON has no hex literals).
uint64_t read_u64(const json& value, const std::string& field) {
    if (value.is_number_unsigned())
        return value.get<uint64_t>();
    if (value.is_string()) {
        const auto number = tagcache::sim::parse_unsigned(value.get_ref<const std::string&>());
        if (!number.ok())
            fail(field, number.why());
        return number.value();
    }
    fail(field,
         "must be an unsigned integer or a string such as \"0x80000000\", not " + quote(value));
}

const json& required(const json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end())
        fail(where.empty() ? key : where + "." + key, "missing");
    return *it;
}

// `reg = <base size>`: a two-element array.
tagcache::phys_range read_reg(const json& value, const std::string& field) {
    if (!value.is_array() || value.size() != 2)
        fail(field, "must be [base, size], not " + quote(value));
    return {read_u64(value[0], field + "[0]"), read_u64(value[1], field + "[1]")};
}

tagcache::page_size read_page_size(const json& value) {
    const uint64_t bytes = read_u64(value, "page-size");
    for (const auto size : {tagcache::page_size::size_4k, tagcache::page_size::size_16k,
                            tagcache::page_size::size_64k})
        if (bytes == static_cast<uint64_t>(size))
            return size;
    fail("page-size", fmt::format("must be 4096, 16384 or 65536, not {}", bytes));
}

// A memory node's own rules, whether or not a tag-storage node names it (tag_map::create
// checks those it names again, with the tag storage): not empty, not past 2^64, whole pages.
void check_memory_node(const tagcache::phys_range& reg, tagcache::page_size page,
                       const std::string& field) {
    if (reg.size == 0)
        fail(field, fmt::format("[{:#x}, 0] is empty", reg.base));
    if (reg.base + reg.size < reg.base)
        fail(field, fmt::format("[{:#x}, {:#x}] ends beyond 2^64", reg.base, reg.size));
    const auto page_bytes = static_cast<uint64_t>(page);
    if (reg.base % page_bytes != 0 || reg.size % page_bytes != 0)
        fail(field, fmt::format("[{:#x}, {:#x}] is not whole pages of {} bytes", reg.base, reg.size,
                                page_bytes));
}

// No two memory nodes share an address (sorted by base: each against the one before).
void check_memory_overlaps(std::vector<std::pair<tagcache::phys_range, size_t>> nodes) {
    std::sort(nodes.begin(), nodes.end(),
              [](const auto& a, const auto& b) { return a.first.base < b.first.base; });
    for (size_t i = 1; i < nodes.size(); ++i) {
        const auto& [before, before_index] = nodes[i - 1];
        const auto& [reg, index] = nodes[i];
        if (reg.base < before.base + before.size)
            fail(fmt::format("memory[{}].reg", std::max(index, before_index)),
                 fmt::format("overlaps memory[{}].reg ([{:#x}, {:#x}] and [{:#x}, {:#x}])",
                             std::min(index, before_index), before.base, before.size, reg.base,
                             reg.size));
    }
}

// The machine: memory nodes by name, and the tag-storage nodes naming them (the binding's
// `tagged-memory` is a phandle; a name stands for it here).
std::vector<tagcache::tag_region_desc> read_machine(const json& root, tagcache::page_size page) {
    const json& memory = required(root, "memory", "");
    if (!memory.is_array() || memory.empty())
        fail("memory", "must be a non-empty array of memory nodes");
    std::map<std::string, tagcache::phys_range> nodes;
    std::vector<std::pair<tagcache::phys_range, size_t>> ranges;
    for (size_t i = 0; i < memory.size(); ++i) {
        const std::string where = fmt::format("memory[{}]", i);
        only_keys(memory[i], where, {"name", "reg"});
        const json& name = required(memory[i], "name", where);
        const std::string node_name = read_name(name, where + ".name");
        const tagcache::phys_range reg =
            read_reg(required(memory[i], "reg", where), where + ".reg");
        check_memory_node(reg, page, where + ".reg");
        if (!nodes.emplace(node_name, reg).second)
            fail(where + ".name", quote(name) + " names two memory nodes");
        ranges.emplace_back(reg, i);
    }
    check_memory_overlaps(std::move(ranges));
    const json& storage = required(root, "tag-storage", "");
    if (!storage.is_array() || storage.empty())
        fail("tag-storage", "must be a non-empty array of arm,mte-tag-storage nodes");
    std::vector<tagcache::tag_region_desc> regions;
    for (size_t i = 0; i < storage.size(); ++i) {
        const std::string where = fmt::format("tag-storage[{}]", i);
        const json& node = storage[i];
        only_keys(node, where, {"name", "compatible", "reg", "block-size", "tagged-memory"});
        if (const auto it = node.find("compatible");
            it != node.end() && *it != json("arm,mte-tag-storage"))
            fail(where + ".compatible", "must be \"arm,mte-tag-storage\", not " + quote(*it));
        const json& tagged = required(node, "tagged-memory", where);
        if (!tagged.is_string())
            fail(where + ".tagged-memory", "must name a memory node");
        const auto memory_node = nodes.find(tagged.get<std::string>());
        if (memory_node == nodes.end())
            fail(where + ".tagged-memory", "no memory node is named " + quote(tagged));
        regions.push_back({memory_node->second,
                           read_reg(required(node, "reg", where), where + ".reg"),
                           read_u64(required(node, "block-size", where), where + ".block-size")});
    }
    return regions;
}

// A workload field: a number in [min, max]; `scale` converts it (MiB to pages).
struct number_field {
    const char* key;
    double min, max;
    bool integer;
    void (*store)(mixed_workload_params&, double value, uint64_t page_bytes);
};

#define TAGSIM_FIELD(key, member, min, max, integer)                                               \
    number_field {                                                                                 \
        key, min, max, integer, [](mixed_workload_params& p, double v, uint64_t) {                 \
            p.member = static_cast<decltype(p.member)>(v);                                         \
        }                                                                                          \
    }
#define TAGSIM_MIB_FIELD(key, member, min, max)                                                    \
    number_field {                                                                                 \
        key, min, max, false, [](mixed_workload_params& p, double v, uint64_t page_bytes) {        \
            p.member = static_cast<uint64_t>(                                                      \
                std::llround(v * 1048576.0 / static_cast<double>(page_bytes)));                    \
        }                                                                                          \
    }

const number_field workload_fields[] = {
    TAGSIM_FIELD("seed", seed, 0, 9.0e15, true),
    TAGSIM_FIELD("duration-s", duration_s, 1e-6, 1e6, false),
    TAGSIM_FIELD("file-reads-per-s", file_reads_per_s, 0, 1e9, false),
    TAGSIM_MIB_FIELD("page-cache-mib", page_cache_pages, 0.0625, 1 << 24),
    TAGSIM_MIB_FIELD("file-set-mib", file_set_pages, 0.0625, 1 << 30),
    TAGSIM_MIB_FIELD("hot-set-mib", hot_set_pages, 0, 1 << 30),
    TAGSIM_FIELD("hot-share", hot_share, 0, 1, false),
    TAGSIM_MIB_FIELD("file-mib", pages_per_file, 0.0625, 1 << 20),
    TAGSIM_FIELD("tagged-ops-per-s", tagged_ops_per_s, 0, 1e9, false),
    TAGSIM_MIB_FIELD("tagged-live-mib", tagged_live_pages, 0, 1 << 24),
    TAGSIM_FIELD("tagged-max-order", tagged_max_order, 0, 10, true),
    TAGSIM_FIELD("atomic-share", atomic_share, 0, 1, false),
    TAGSIM_FIELD("movable-ops-per-s", movable_ops_per_s, 0, 1e9, false),
    TAGSIM_MIB_FIELD("movable-live-mib", movable_live_pages, 0, 1 << 24),
    TAGSIM_FIELD("movable-max-order", movable_max_order, 0, 10, true),
    TAGSIM_FIELD("pin-share", pin_share, 0, 1, false),
    TAGSIM_FIELD("pin-limit", pin_limit, 0, 1e9, true),
};
#undef TAGSIM_FIELD
#undef TAGSIM_MIB_FIELD

void read_workload(const json& object, mixed_workload_params& params, uint64_t page_bytes) {
    if (!object.is_object())
        fail("workload", "must be an object, not " + quote(object));
    for (const auto& item : object.items()) {
        const std::string field = "workload." + item.key();
        const number_field* known = nullptr;
        for (const number_field& f : workload_fields)
            if (item.key() == f.key)
                known = &f;
        if (known == nullptr) {
            std::string list;
            for (const number_field& f : workload_fields)
                list.append(list.empty() ? "" : ", ").append(f.key);
            fail("workload." + short_key(item.key()), "unknown field (known: " + list + ")");
        }
        if (!item.value().is_number())
            fail(field, "must be a number, not " + quote(item.value()));
        const double value = item.value().get<double>();
        if (!(value >= known->min && value <= known->max))
            fail(field, fmt::format("must be between {} and {}, not {}", known->min, known->max,
                                    quote(item.value())));
        if (known->integer && value != std::floor(value))
            fail(field, "must be an integer, not " + quote(item.value()));
        known->store(params, value, page_bytes);
    }
}

// A machine this computer can simulate: a pool slot per tag page (slots are 32-bit), and host
// memory for both strategies' models of every data page.
void check_machine_size(const tagcache::tag_map& map, uint64_t data_pages) {
    if (map.total_tag_pages() >= tagcache::no_slot)
        fail("tag-storage", fmt::format("{} tag pages are more than a pool's {} slots",
                                        map.total_tag_pages(), tagcache::no_slot - 1));
    try {
        tagcache::sim::require_memory(
            fmt::format("memory: simulating {} pages of tagged memory", data_pages),
            data_pages * tagcache::sim::simulation_bytes_per_data_page);
    } catch (const std::invalid_argument& e) {
        throw scenario_error(e.what());
    }
}

// Relations between fields, checked once all are read.
void check_workload(const mixed_workload_params& w, const tagcache::tag_map& map) {
    if (w.page_cache_pages == 0)
        fail("workload.page-cache-mib", "must hold at least one page");
    if (w.file_set_pages <= w.hot_set_pages)
        fail("workload.file-set-mib", "must be larger than workload.hot-set-mib (the stream "
                                      "reads the rest)");
    if (w.pages_per_file == 0)
        fail("workload.file-mib", "must hold at least one page");
    if (w.hot_set_pages == 0 && w.hot_share > 0)
        fail("workload.hot-set-mib", "must hold at least one page while workload.hot-share is "
                                     "above 0 (hot reads pick a page of the hot set)");
    if (w.total_rate() <= 0)
        fail("workload", "file-reads-per-s, tagged-ops-per-s and movable-ops-per-s are all 0");
    if (w.steps() > 2'000'000'000)
        fail("workload.duration-s",
             fmt::format("{} steps (duration x the rates) is more than 2e9", w.steps()));
    uint64_t data_pages = 0;
    for (const tagcache::tag_region& region : map.regions())
        data_pages += region.memory.count;
    check_machine_size(map, data_pages);
    const uint64_t live = w.page_cache_pages + w.tagged_live_pages + w.movable_live_pages;
    if (live > data_pages)
        fail("workload", fmt::format("page-cache-mib + tagged-live-mib + movable-live-mib ({} "
                                     "pages) exceed the tagged memory ({} pages)",
                                     live, data_pages));
}

} // namespace

tagcache::tag_map scenario::map() const {
    const auto made = tagcache::tag_map::create(
        tagcache::span<const tagcache::tag_region_desc>(regions.data(), regions.size()), page);
    if (!made)
        throw scenario_error(fmt::format("tag-storage: {}", made.error()));
    return *made;
}

const char* placement_name(tagged_placement placement) {
    switch (placement) {
    case tagged_placement::lowest:
        return "lowest";
    case tagged_placement::scattered:
        return "scattered";
    case tagged_placement::clustered:
        return "clustered";
    }
    return "?";
}

scenario default_scenario() {
    scenario s;
    // 8 GiB of tagged memory at 2 GiB, its 256 MiB of tag storage right after it.
    s.regions = {{{0x8000'0000, 0x2'0000'0000}, {0x2'8000'0000, 0x1000'0000}, 0x1000}};
    mixed_workload_params& w = s.workload;
    constexpr uint64_t mib = 256; // 4 KiB pages per MiB
    w.seed = 1;
    w.duration_s = 10;
    w.file_reads_per_s = 200'000;
    w.page_cache_pages = 1024 * mib;
    w.file_set_pages = 16384 * mib;
    w.hot_set_pages = 1152 * mib;
    w.hot_share = 0.8;
    w.pages_per_file = 16 * mib;
    w.tagged_ops_per_s = 20'000;
    w.tagged_live_pages = 256 * mib;
    w.tagged_max_order = 4;
    w.atomic_share = 0.3;
    w.movable_ops_per_s = 20'000;
    w.movable_live_pages = 6800 * mib;
    w.movable_max_order = 2;
    w.pin_share = 0.05;
    w.pin_limit = 8192;
    return s;
}

scenario parse_scenario(const std::string& json_text, const std::string& name) {
    const json root = parse_scenario_json(json_text);
    only_keys(root, "",
              {"name", "page-size", "memory", "tag-storage", "placement", "policy", "workload"});
    scenario s = default_scenario();
    s.name = name;
    if (const auto it = root.find("name"); it != root.end())
        s.name = read_name(*it, "name");
    if (const auto it = root.find("page-size"); it != root.end())
        s.page = read_page_size(*it);
    s.regions = read_machine(root, s.page);
    if (const auto it = root.find("placement"); it != root.end()) {
        if (!it->is_string())
            fail("placement", "must be a string, not " + quote(*it));
        const std::string& text = it->get_ref<const std::string&>();
        if (text == "scattered")
            s.placement = tagged_placement::scattered;
        else if (text == "clustered")
            s.placement = tagged_placement::clustered;
        else if (text == "lowest")
            s.placement = tagged_placement::lowest;
        else
            fail("placement", quote(*it) + " is not scattered, clustered or lowest");
    }
    if (const auto it = root.find("policy"); it != root.end()) {
        if (!it->is_string())
            fail("policy", "must be a string, not " + quote(*it));
        const std::string& text = it->get_ref<const std::string&>();
        if (!with_policy(text, []<class>() {}))
            fail("policy", quote(*it) + " is not one of " + policy_list());
        s.policy = text;
    }
    const tagcache::tag_map map = s.map(); // validates the regions
    const uint64_t page_bytes = static_cast<uint64_t>(s.page);
    if (page_bytes != 4096) { // the default workload is in 4 KiB pages: rescale it
        mixed_workload_params& w = s.workload;
        for (uint64_t* pages : {&w.page_cache_pages, &w.file_set_pages, &w.hot_set_pages,
                                &w.pages_per_file, &w.tagged_live_pages, &w.movable_live_pages})
            *pages = *pages * 4096 / page_bytes;
    }
    if (const auto it = root.find("workload"); it != root.end())
        read_workload(*it, s.workload, page_bytes);
    check_workload(s.workload, map);
    return s;
}

void check_scenario(const scenario& s) {
    check_workload(s.workload, s.map());
}

void apply_overrides(scenario& s, const std::optional<std::string>& seed,
                     const std::optional<std::string>& duration_s) {
    if (seed) {
        const auto number = tagcache::sim::parse_unsigned(*seed);
        if (!number.ok())
            throw std::invalid_argument("--seed: " + number.why());
        s.workload.seed = number.value();
    }
    if (duration_s) {
        const auto number = tagcache::sim::parse_real(*duration_s);
        if (!number.ok())
            throw std::invalid_argument("--duration: " + number.why());
        if (!(number.value() > 0 && number.value() <= 1e6))
            throw std::invalid_argument(
                fmt::format("--duration must be between 0 and 1e6 s, not {}", *duration_s));
        s.workload.duration_s = number.value();
    }
    try {
        check_scenario(s);
    } catch (const scenario_error& e) {
        throw scenario_error(std::string(seed || duration_s ? "with --seed/--duration: " : "") +
                             e.what());
    }
}

scenario read_scenario(const std::string& path) {
    const std::string text = read_scenario_text(path);
    try {
        // Unnamed, a scenario is called by its path: printable, as a name must be.
        return parse_scenario(text, tagcache::sim::printable(path));
    } catch (const scenario_error& e) {
        throw scenario_error(tagcache::sim::printable(path) + ": " + e.what());
    }
}

} // namespace tagsim
