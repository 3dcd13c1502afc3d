#include "plot.hpp"

#include <fmt/format.h>
#include <tagsim/trace/number_text.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace tagsim {
namespace {

// Text as gnuplot data: a single-quoted string, in which gnuplot substitutes nothing (no
// backquoted commands, no macros; a double-quoted string would run `...`) and the only escape
// is '' for '. What could still end the string or the command — a newline or any control
// character, a NUL, a byte outside UTF-8 — becomes U+FFFD: names are refused with those at
// the scenario reader, so this is the second wall, not the first.
std::string quoted(const std::string& text) {
    std::string out = "'";
    for (size_t i = 0; i < text.size();) {
        const size_t length = tagcache::sim::utf8_sequence_length(std::string_view(text).substr(i));
        if (length == 0 || tagcache::sim::is_control(text[i])) {
            out += "\xef\xbf\xbd"; // U+FFFD REPLACEMENT CHARACTER
            ++i;
        } else if (text[i] == '\'') {
            out += "''";
            ++i;
        } else {
            out.append(text, i, length);
            i += length;
        }
    }
    return out + "'";
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool ends_with(const std::string& text, const std::string& tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool is_svg(const std::string& file) {
    return ends_with(lowercase(file), ".svg");
}

const char* dash_type(dash style) {
    switch (style) {
    case dash::dashed:
        return "dt (12,6)";
    case dash::dotted:
        return "dt (2,5)";
    case dash::dash_dot:
        return "dt (14,5,3,5)";
    case dash::solid:
        break;
    }
    return "dt solid";
}

// Resets what one panel may have set, so the next starts clean.
constexpr const char* panel_reset =
    "unset arrow\nunset label\nunset logscale\nunset y2tics\n"
    "unset y2label\nset y2range [*:*]\nset ytics mirror\nset format y '% h'\n"
    "set autoscale\nset xrange [*:*]\nset yrange [*:*]\n";

std::string panel_script(const plot_panel& panel, size_t first_block) {
    std::string s = panel_reset;
    s += "set title " + quoted(panel.title) + " font ',17'\n";
    s += "set xlabel " + quoted(panel.x_label) + "\nset ylabel " + quoted(panel.y_label) + "\n";
    s += "set grid xtics ytics lc rgb '#d0d0d0' lw 1 dt solid\n";
    // Keys below the plot: never over a curve, however the data falls.
    s += "set key outside below center horizontal maxcols 2 samplen 2.5 spacing 1.05 height 0.6 "
         "font ',13' "
         "noopaque\n";
    if (panel.log_x)
        s += fmt::format("set logscale x {}\nset format x '%g'\n", panel.log_base);
    else
        s += "set format x '% h'\n";
    if (panel.percent_y)
        s += "set yrange [0:*]\nset format y '%g %%'\n";
    if (!panel.y2_label.empty())
        s += "set ytics nomirror\nset y2tics\nset y2label " + quoted(panel.y2_label) + "\n";
    if (panel.y2_max > panel.y2_min)
        s += fmt::format("set y2range [{}:{}]\n", panel.y2_min, panel.y2_max);
    if (!panel.markers.empty()) { // the x range holds every reference line too
        double low = panel.markers[0].x, high = low;
        for (const plot_marker& m : panel.markers) {
            low = std::min(low, m.x);
            high = std::max(high, m.x);
        }
        for (const plot_series& line : panel.series)
            for (const double x : line.x) {
                low = std::min(low, x);
                high = std::max(high, x);
            }
        if (panel.log_x && low > 0)
            s += fmt::format("set xrange [{}:{}]\n", low / 1.5, high * 1.5);
        else if (!panel.log_x)
            s += fmt::format("set xrange [{}:{}]\n", low - 0.05 * (high - low),
                             high + 0.05 * (high - low));
    }
    // Reference lines, named in the key (a label inside the frame could cross a curve).
    static constexpr const char* marker_dashes[] = {"(6,4)", "(2,3)", "(12,4,2,4)"};
    for (size_t i = 0; i < panel.markers.size(); ++i)
        s += fmt::format("set arrow from {0}, graph 0 to {0}, graph 1 nohead lw 1.5 dt {1} "
                         "lc rgb '#555555' back\n",
                         panel.markers[i].x, marker_dashes[i % 3]);
    s += "plot ";
    for (size_t i = 0; i < panel.series.size(); ++i) {
        const plot_series& line = panel.series[i];
        s += fmt::format(
            "{}$data{} using 1:2 axes x1{} with {} lw 2.5 {}{} title {}",
            i == 0 ? "" : ", \\\n     ", first_block + i, line.right_axis ? "y2" : "y1",
            line.points ? "linespoints pt 7 ps 1.2" : "lines", dash_type(line.style),
            line.colour.empty() ? "" : " lc rgb " + quoted(line.colour), quoted(line.title));
    }
    for (size_t i = 0; i < panel.markers.size(); ++i) // key entries only: NaN draws nothing
        s += fmt::format(", \\\n     NaN with lines lw 1.5 dt {} lc rgb '#555555' title {}",
                         marker_dashes[i % 3], quoted(panel.markers[i].label));
    return s + "\n";
}

} // namespace

bool gnuplot_installed() {
    return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

void require_gnuplot() {
    if (!gnuplot_installed())
        throw std::runtime_error("--plot: gnuplot is not installed (Debian: apt-get install "
                                 "gnuplot-nox); nothing was plotted");
}

std::unique_ptr<output_file> open_plot_file(const std::string& path) {
    require_gnuplot();
    if (path.empty())
        throw std::invalid_argument("--plot: the path is empty (give FILE.png or FILE.svg)");
    if (!ends_with(lowercase(path), ".png") && !is_svg(path))
        throw std::invalid_argument("--plot: " + tagcache::sim::quoted(path, 200) +
                                    " must end in .png or .svg (the format it is written in)");
    return std::make_unique<output_file>("--plot", path);
}

namespace {

// The last line of gnuplot's messages that says something: they span lines (warnings, the
// command, a caret under the place, then `line N: reason`), and a tagsim error is one line.
std::string last_message_line(FILE* messages) {
    std::rewind(messages);
    std::string line, said;
    for (int c = std::fgetc(messages);; c = std::fgetc(messages)) {
        if (c == EOF || c == '\n') {
            if (line.find_first_not_of(" \t^") != std::string::npos)
                said = line;
            line.clear();
            if (c == EOF)
                break;
        } else if (line.size() < 300) {
            line += static_cast<char>(c);
        }
    }
    const size_t start = said.find_first_not_of(" \t");
    return tagcache::sim::printable(start == std::string::npos ? said : said.substr(start));
}

// Runs gnuplot on `script`, with no shell and no path in between: its standard output is
// `output` (the figure, as `set output` is never given), its messages go to a temporary file.
// Returns an empty string on success, else why not.
std::string run_gnuplot(const std::string& script, int output) {
    FILE* messages = std::tmpfile();
    if (messages == nullptr)
        return std::string("cannot make a temporary file (") + std::strerror(errno) + ")";
    int input[2];
    if (::pipe(input) != 0) {
        std::fclose(messages);
        return std::string("cannot make a pipe (") + std::strerror(errno) + ")";
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, input[0], 0);
    posix_spawn_file_actions_adddup2(&actions, output, 1);
    posix_spawn_file_actions_adddup2(&actions, fileno(messages), 2);
    posix_spawn_file_actions_addclose(&actions, input[1]);
    char program[] = "gnuplot";
    char* argv[] = {program, nullptr};
    pid_t child = 0;
    const int spawned = posix_spawnp(&child, program, &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(input[0]);
    std::string why;
    if (spawned != 0) {
        ::close(input[1]);
        std::fclose(messages);
        return std::string("cannot start gnuplot (") + std::strerror(spawned) + ")";
    }
    // gnuplot may stop reading early (an error): its end of the pipe closing must be an error
    // to report, not a SIGPIPE that kills tagsim.
    struct sigaction ignore {
    }, previous{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    for (size_t done = 0; done < script.size();) {
        const ssize_t n = ::write(input[1], script.data() + done, script.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; // gnuplot has stopped reading; its exit status says why
        done += static_cast<size_t>(n);
    }
    ::close(input[1]);
    ::sigaction(SIGPIPE, &previous, nullptr);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const std::string message = last_message_line(messages);
        why =
            (WIFEXITED(status) ? fmt::format("gnuplot failed (exit status {})", WEXITSTATUS(status))
                               : std::string("gnuplot was killed")) +
            (message.empty() ? "" : ": " + message);
    }
    std::fclose(messages);
    return why;
}

} // namespace

void plot(output_file& file, const plot_figure& figure) {
    const int columns = std::max(figure.columns, 1);
    const int rows = static_cast<int>((figure.panels.size() + static_cast<size_t>(columns) - 1) /
                                      static_cast<size_t>(columns));
    const int width = columns * figure.panel_width;
    const int height = rows * figure.panel_height + (figure.title.empty() ? 0 : 50);
    std::string script;
    if (is_svg(file.path()))
        script = fmt::format("set terminal svg size {},{} dynamic font 'DejaVu Sans,15' "
                             "noenhanced background '#ffffff'\n",
                             width, height);
    else
        script = fmt::format("set terminal pngcairo size {},{} font 'DejaVu Sans,15' noenhanced\n",
                             width, height);
    // No `set output`: the figure goes to gnuplot's standard output, which is the temporary
    // file beside the target; no path a user gave ever reaches gnuplot. The data goes inline
    // (`$name << EOD`).
    script += "set encoding utf8\n";
    size_t block = 0;
    for (const plot_panel& panel : figure.panels)
        for (const plot_series& line : panel.series) {
            const double scale = panel.percent_y && !line.right_axis ? 100.0 : 1.0;
            script += fmt::format("$data{} << EOD\n", block++);
            for (size_t j = 0; j < line.x.size() && j < line.y.size(); ++j)
                script += fmt::format("{} {}\n", line.x[j], line.y[j] * scale);
            script += "EOD\n";
        }
    script +=
        fmt::format("set multiplot layout {},{}{}\n", rows, columns,
                    figure.title.empty() ? "" : " title " + quoted(figure.title) + " font ',20'");
    block = 0;
    for (const plot_panel& panel : figure.panels) {
        script += panel_script(panel, block);
        block += panel.series.size();
    }
    script += "unset multiplot\nset output\n";

    if (const std::string why = run_gnuplot(script, file.descriptor()); !why.empty())
        throw std::runtime_error("--plot: " + why + "; " + tagcache::sim::quoted(file.path(), 200) +
                                 " was not written");
    file.commit();
}

} // namespace tagsim
