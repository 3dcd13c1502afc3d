// How tagsim and tagmap end on a command line CLI11 cannot parse (an unknown option, a missing
// value, a required argument left out): one line on stderr, "PROGRAM: what (see --help)", and
// exit status 2, whatever CLI11's own code for the error (106, 109, ...). --help is not an
// error: it prints the help and exits 0.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <string>

namespace tagsim {

inline constexpr int usage_exit_status = 2;

inline int command_line_error(const CLI::App& app, const CLI::ParseError& e, const char* program) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success))
        return app.exit(e); // --help, --help-all
    std::string what = e.what();
    for (char& c : what) // one line, whatever CLI11 says
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            c = ' ';
    fmt::print(stderr, "{}: {} (see --help)\n", program, what);
    return usage_exit_status;
}

} // namespace tagsim
