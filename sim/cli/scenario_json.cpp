#include "scenario_json.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <sys/stat.h>

#include <fstream>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

namespace tagsim {

using nlohmann::json;

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

// A field name as a path shows it: cut at 40 bytes, control characters as \xNN (a message is
// one line).
std::string short_key(const std::string& key) {
    std::string out;
    for (const char c : std::string_view(key).substr(0, 40)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f)
            out += fmt::format("\\x{:02x}", byte);
        else
            out += c;
    }
    return key.size() <= 40 ? out : out + "...";
}

std::string read_name(const json& value, const std::string& field) {
    constexpr size_t max_bytes = 200;
    if (!value.is_string())
        fail(field, "must be a string, not " + quote(value));
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() > max_bytes)
        fail(field, fmt::format("is longer than {} bytes ({} bytes)", max_bytes, text.size()));
    if (const size_t at = tagcache::sim::first_unprintable(text); at != std::string::npos)
        fail(field, fmt::format("{} holds a control character or a byte outside UTF-8 (0x{:02x} "
                                "at byte {}); names are printed and plotted, so they must be "
                                "printable",
                                quote(value), static_cast<unsigned char>(text[at]), at));
    return text;
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

namespace {

// Builds the JSON tree from nlohmann's SAX events (its public sax_parse interface), and
// refuses, naming the field, what nlohmann's own parser would accept or report without a place:
// a key twice in one object (the last value would silently win), nesting deeper than a
// scenario ever needs (64 levels), and numbers out of range. It tracks the path of the value
// being read (tag-storage[1].reg[0]) for that.
class scenario_reader {
public:
    static constexpr size_t max_depth = 64;

    explicit scenario_reader(json& root) : root_(root) {}

    bool null() { return place(nullptr); }
    bool boolean(bool v) { return place(v); }
    bool number_integer(json::number_integer_t v) { return place(v); }
    bool number_unsigned(json::number_unsigned_t v) { return place(v); }
    bool number_float(json::number_float_t v, const std::string& /*text*/) { return place(v); }
    bool string(std::string& v) { return place(std::move(v)); }
    bool binary(json::binary_t& v) { return place(json(std::move(v))); }
    bool start_object(std::size_t /*elements*/) { return open(json::object()); }
    bool end_object() { return close(); }
    bool start_array(std::size_t /*elements*/) { return open(json::array()); }
    bool end_array() { return close(); }
    bool key(std::string& k) {
        frame& f = frames_.back();
        f.key = k;
        if (!f.keys.insert(k).second)
            fail(path(), "appears twice in one object (which value was meant?)");
        return true;
    }
    bool parse_error(std::size_t position, const std::string& token, const json::exception& e) {
        if (e.id == 406) // number overflow
            fail(path(), tagcache::sim::quoted(token) + " is out of the range of a double");
        // nlohmann's own words, without its "[json.exception.parse_error.101] " prefix and
        // without the token it quotes ("; last read: '...'"), which can be the whole file.
        std::string what = e.what();
        if (const size_t close = what.find("] "); close != std::string::npos)
            what.erase(0, close + 2);
        if (const size_t quoted = what.find("; last read: "); quoted != std::string::npos) {
            const size_t expected = what.rfind("; expected ");
            what =
                what.substr(0, quoted) +
                (expected != std::string::npos && expected > quoted ? what.substr(expected) : "");
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
        json* node;       // the object or array being filled
        size_t index = 0; // arrays: the element being read
        std::string key;  // objects: the field being read
        std::set<std::string> keys;
    };

    // The path of the value being read, e.g. tag-storage[0].reg[1] (long keys cut short).
    std::string path() const {
        std::string out;
        for (const frame& f : frames_) {
            if (f.node->is_object())
                out.append(out.empty() ? "" : ".").append(short_key(f.key));
            else
                out.append(fmt::format("[{}]", f.index == 0 ? 0 : f.index - 1));
        }
        if (out.size() > 120) // 64 levels of [0]: keep both ends
            out = out.substr(0, 50) + "..." + out.substr(out.size() - 50);
        return out.empty() ? "the scenario" : out;
    }
    // A value begins: in an array it is the next element.
    void begin_value() {
        if (!frames_.empty() && frames_.back().node->is_array())
            ++frames_.back().index;
    }
    // Puts the value just begun where it belongs: the root, the array's end, or the object's
    // field under the key last read. Returns it in its place.
    json* attach(json&& value) {
        if (frames_.empty()) {
            root_ = std::move(value);
            return &root_;
        }
        json& parent = *frames_.back().node;
        if (parent.is_array()) {
            parent.push_back(std::move(value));
            return &parent.back();
        }
        json& field = parent[frames_.back().key];
        field = std::move(value);
        return &field;
    }
    bool place(json&& value) {
        begin_value();
        attach(std::move(value));
        return true;
    }
    bool open(json&& container) {
        begin_value();
        if (frames_.size() == max_depth)
            fail(path(), fmt::format("nested deeper than {} levels", max_depth));
        frames_.push_back(frame{attach(std::move(container)), 0, {}, {}});
        return true;
    }
    bool close() {
        frames_.pop_back();
        return true;
    }

    json& root_;
    std::vector<frame> frames_;
};

} // namespace

json parse_scenario_json(const std::string& json_text) {
    json root;
    scenario_reader reader(root);
    json::sax_parse(json_text, &reader);
    return root;
}

std::string read_scenario_text(const std::string& path) {
    if (path.empty()) // once the built-in scenario, silently
        throw scenario_error("a scenario must be a file name, not ''");
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
    return text;
}

} // namespace tagsim
