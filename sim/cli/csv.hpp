// One CSV field as RFC 4180 writes it: as it is when it holds no comma, double quote, CR or LF;
// otherwise in double quotes with each double quote doubled. Every CSV tagsim prints
// (run --csv, sweep, tmem --csv) writes its text fields through this.
#pragma once

#include <string>
#include <string_view>

namespace tagsim {

inline std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos)
        return std::string(text);
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
    return out;
}

} // namespace tagsim
