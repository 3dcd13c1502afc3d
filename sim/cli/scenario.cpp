#include "scenario.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "policies.hpp"

namespace tagsim {
namespace {

using nlohmann::json;
using tagcache::sim::mixed_workload_params;
using tagcache::sim::tagged_placement;

[[noreturn]] void fail(const std::string& field, const std::string& reason) {
    throw scenario_error(field + ": " + reason);
}

// What an error message shows of a JSON value: a scalar as written (strings cut at 60 bytes),
// an array or object by its size. Never a recursive dump: a value nested 50,000 deep or 100 MB
// long must not crash the error path or flood the terminal.
std::string quote(const json& value) {
    if (value.is_string())
        return tagcache::sim::quoted(value.get_ref<const std::string&>());
    if (value.is_array())
        return fmt::format("an array of {} elements", value.size());
    if (value.is_object())
        return fmt::format("an object of {} fields", value.size());
    return value.dump(); // a number, boolean or null: short
}

// A field name as a path shows it: cut at 40 bytes.
std::string short_key(const std::string& key) {
    return key.size() <= 40 ? key : key.substr(0, 40) + "...";
}

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
    fail(field, "must be an unsigned integer or a string such as \"0x80000000\", not " +
                    quote(value));
}

void only_keys(const json& object, const std::string& where,
               std::initializer_list<const char*> known) {
    if (!object.is_object())
        fail(where.empty() ? "the scenario" : where, "must be an object, not " + quote(object));
    for (const auto& item : object.items()) {
        bool found = false;
        for (const char* key : known)
            found = found || item.key() == key;
        if (!found) {
            std::string list;
            for (const char* key : known)
                list.append(list.empty() ? "" : ", ").append(key);
            fail(where.empty() ? short_key(item.key()) : where + "." + short_key(item.key()),
                 "unknown field (known: " + list + ")");
        }
    }
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

// The machine: memory nodes by name, and the tag-storage nodes naming them (the binding's
// `tagged-memory` is a phandle; a name stands for it here).
std::vector<tagcache::tag_region_desc> read_machine(const json& root) {
    const json& memory = required(root, "memory", "");
    if (!memory.is_array() || memory.empty())
        fail("memory", "must be a non-empty array of memory nodes");
    std::map<std::string, tagcache::phys_range> nodes;
    for (size_t i = 0; i < memory.size(); ++i) {
        const std::string where = fmt::format("memory[{}]", i);
        only_keys(memory[i], where, {"name", "reg"});
        const json& name = required(memory[i], "name", where);
        if (!name.is_string())
            fail(where + ".name", "must be a string");
        if (!nodes
                 .emplace(name.get<std::string>(),
                          read_reg(required(memory[i], "reg", where), where + ".reg"))
                 .second)
            fail(where + ".name", quote(name) + " names two memory nodes");
    }
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

// Builds the JSON tree as nlohmann's DOM parser does, and refuses, naming the field, what the
// DOM parser would accept or report without a place: a key twice in one object (the last value
// would silently win), nesting deeper than a scenario ever needs (64 levels), and numbers out
// of range. It tracks the path of the value being read (tag-storage[1].reg[0]) for that.
class scenario_reader {
public:
    static constexpr size_t max_depth = 64;

    explicit scenario_reader(json& root) : dom_(root, true) {}

    bool null() { return value() && dom_.null(); }
    bool boolean(bool v) { return value() && dom_.boolean(v); }
    bool number_integer(json::number_integer_t v) { return value() && dom_.number_integer(v); }
    bool number_unsigned(json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
    bool number_float(json::number_float_t v, const std::string& text) {
        return value() && dom_.number_float(v, text);
    }
    bool string(std::string& v) { return value() && dom_.string(v); }
    bool binary(json::binary_t& v) { return value() && dom_.binary(v); }
    bool start_object(std::size_t n) { return open(true) && dom_.start_object(n); }
    bool end_object() {
        frames_.pop_back();
        return dom_.end_object();
    }
    bool start_array(std::size_t n) { return open(false) && dom_.start_array(n); }
    bool end_array() {
        frames_.pop_back();
        return dom_.end_array();
    }
    bool key(std::string& k) {
        frame& f = frames_.back();
        f.key = k;
        if (!f.keys.insert(k).second)
            fail(path(), "appears twice in one object (which value was meant?)");
        return dom_.key(k);
    }
    bool parse_error(std::size_t position, const std::string& token,
                     const nlohmann::detail::exception& e) {
        if (e.id == 406) // number overflow
            fail(path(), tagcache::sim::quoted(token) + " is out of the range of a double");
        // nlohmann's own words, without its "[json.exception.parse_error.101] " prefix and
        // without the token it quotes ("; last read: '...'"), which can be the whole file.
        std::string what = e.what();
        if (const size_t close = what.find("] "); close != std::string::npos)
            what.erase(0, close + 2);
        if (const size_t quoted = what.find("; last read: "); quoted != std::string::npos) {
            const size_t expected = what.rfind("; expected ");
            what = what.substr(0, quoted) +
                   (expected != std::string::npos && expected > quoted ? what.substr(expected)
                                                                        : "");
        }
        for (char& c : what) // a message is one printable line
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                c = '?';
        if (what.size() > 200)
            what = what.substr(0, 200) + "...";
        throw scenario_error(fmt::format("not valid JSON at byte {}: {}", position, what));
    }

private:
    struct frame {
        bool object;
        size_t index = 0; // arrays: the element being read
        std::string key;  // objects: the field being read
        std::set<std::string> keys;
    };

    // The path of the value being read, e.g. tag-storage[0].reg[1] (long keys cut short).
    std::string path() const {
        std::string out;
        for (const frame& f : frames_) {
            if (f.object)
                out.append(out.empty() ? "" : ".").append(short_key(f.key));
            else
                out.append(fmt::format("[{}]", f.index == 0 ? 0 : f.index - 1));
        }
        if (out.size() > 120) // 64 levels of [0]: keep both ends
            out = out.substr(0, 50) + "..." + out.substr(out.size() - 50);
        return out.empty() ? "the scenario" : out;
    }
    // A value begins: in an array it is the next element.
    bool value() {
        if (!frames_.empty() && !frames_.back().object)
            ++frames_.back().index;
        return true;
    }
    bool open(bool object) {
        value();
        if (frames_.size() == max_depth)
            fail(path(), fmt::format("nested deeper than {} levels", max_depth));
        frames_.push_back(frame{object, 0, {}, {}});
        return true;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    std::vector<frame> frames_;
};

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
    json root;
    scenario_reader reader(root);
    json::sax_parse(json_text, &reader);
    only_keys(root, "",
              {"name", "page-size", "memory", "tag-storage", "placement", "policy", "workload"});
    scenario s = default_scenario();
    s.name = name;
    if (const auto it = root.find("name"); it != root.end()) {
        if (!it->is_string())
            fail("name", "must be a string, not " + quote(*it));
        if (it->get_ref<const std::string&>().size() > 200)
            fail("name", "is longer than 200 characters");
        s.name = it->get<std::string>();
    }
    if (const auto it = root.find("page-size"); it != root.end())
        s.page = read_page_size(*it);
    s.regions = read_machine(root);
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
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
        throw scenario_error(path + ": is a directory, not a scenario file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw scenario_error(path + ": cannot open");
    // A scenario is a few kilobytes: read at most the limit and one byte more.
    std::string text(max_scenario_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad())
        throw scenario_error(path + ": read error");
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > max_scenario_bytes)
        throw scenario_error(fmt::format("{}: larger than {} bytes, the limit for a scenario file",
                                         path, max_scenario_bytes));
    try {
        return parse_scenario(text, path);
    } catch (const scenario_error& e) {
        throw scenario_error(path + ": " + e.what());
    }
}

} // namespace tagsim
