// Numbers as people write them in a scenario file or on a command line, read strictly:
//  - unsigned integers in decimal or 0x-hexadecimal, with digit separators ('_' or '\'')
//    allowed only between digits ("0x8_f800_0000", "1'000"); a leading zero is still
//    decimal (never octal); no sign, no empty digits, nothing that overflows 64 bits;
//  - real numbers in decimal or scientific notation, finite (no "inf", "nan", nor 1e400).
// Each parser returns the value, or why the text is refused. Hosted.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>

namespace tagcache::sim {

// A value, or the reason the text is not one ("is not ...").
template <class T>
struct parsed {
    std::variant<T, std::string> outcome;
    bool ok() const noexcept { return outcome.index() == 0; }
    T value() const { return std::get<0>(outcome); }
    const std::string& why() const { return std::get<1>(outcome); }
};

// The length of the well-formed UTF-8 sequence that starts `text` (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0 when it does not start with one.
inline size_t utf8_sequence_length(std::string_view text) noexcept {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xc0) == 0x80; };
    const unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    if (lead >= 0xc2 && lead <= 0xdf)
        return continuation(1) ? 2 : 0;
    if (lead >= 0xe0 && lead <= 0xef) {
        if (!continuation(1) || !continuation(2))
            return 0;
        if ((lead == 0xe0 && byte(1) < 0xa0) || (lead == 0xed && byte(1) > 0x9f))
            return 0; // overlong, or a UTF-16 surrogate
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        if (!continuation(1) || !continuation(2) || !continuation(3))
            return 0;
        if ((lead == 0xf0 && byte(1) < 0x90) || (lead == 0xf4 && byte(1) > 0x8f))
            return 0; // overlong, or above U+10FFFF
        return 4;
    }
    return 0;
}

// A control character (C0 or DEL): what may end a line or a command, or drive a terminal.
inline bool is_control(char c) noexcept {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
}

// The offset of the first control character or byte outside well-formed UTF-8, or npos.
inline size_t first_unprintable(std::string_view text) noexcept {
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0 || is_control(text[i]))
            return i;
        i += length;
    }
    return std::string_view::npos;
}

// Text a user gave, safe to print on one line of a terminal: control characters and bytes
// outside well-formed UTF-8 are written as \xNN (and a backslash as \\, so that nothing is
// ambiguous); the rest as given.
inline std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0 || is_control(text[i])) {
            static constexpr char hex[] = "0123456789abcdef";
            const auto byte = static_cast<unsigned char>(text[i]);
            out.append("\\x").append(1, hex[byte >> 4]).append(1, hex[byte & 15]);
            ++i;
            continue;
        }
        if (text[i] == '\\')
            out.append("\\");
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

// Quotes text a user gave, at most `limit` bytes of it, for a message (printable: one line,
// whatever the text holds).
inline std::string quoted(std::string_view text, size_t limit = 60) {
    // Appends, not `"'" + string`: GCC 12 at -O3 misreports that as overlapping (-Wrestrict).
    std::string out(1, '\'');
    out.append(printable(text.substr(0, limit))).append(text.size() <= limit ? "'" : "...'");
    if (text.size() > limit)
        out.append(" (").append(std::to_string(text.size())).append(" bytes)");
    return out;
}

inline parsed<uint64_t> parse_unsigned(std::string_view text) {
    const auto refuse = [&](const char* why) { return parsed<uint64_t>{quoted(text) + " " + why}; };
    const bool hex = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const std::string_view digits = hex ? text.substr(2) : text;
    const uint64_t base = hex ? 16 : 10;
    const auto digit_value = [&](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            return (c | 0x20) - 'a' + 10;
        return -1;
    };
    if (digits.empty())
        return refuse("is not a number (decimal or 0x-hexadecimal digits)");
    uint64_t value = 0;
    bool after_digit = false;
    for (const char c : digits) {
        if (c == '_' || c == '\'') {
            if (!after_digit)
                return refuse("is not a number (a separator must stand between digits)");
            after_digit = false;
            continue;
        }
        const int digit = digit_value(c);
        if (digit < 0)
            return refuse(hex ? "is not a number (0x-hexadecimal digits only)"
                              : "is not a number (decimal or 0x-hexadecimal, no sign)");
        if (value > (UINT64_MAX - uint64_t(digit)) / base)
            return refuse("does not fit in 64 bits");
        value = value * base + uint64_t(digit);
        after_digit = true;
    }
    if (!after_digit)
        return refuse("is not a number (a separator must stand between digits)");
    return parsed<uint64_t>{value};
}

inline parsed<double> parse_real(std::string_view text) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error == std::errc::result_out_of_range)
        return parsed<double>{quoted(text) + " is out of the range of a double"};
    if (error != std::errc() || stop != end || text.empty())
        return parsed<double>{quoted(text) + " is not a number"};
    if (!std::isfinite(value))
        return parsed<double>{quoted(text) + " is not a finite number"};
    return parsed<double>{value};
}

} // namespace tagcache::sim
