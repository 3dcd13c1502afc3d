#include "plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace tagsim {
namespace {

std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text)
        out += c == '\'' ? std::string("''") : std::string(1, c);
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

void require_plot_file(const std::string& file) {
    require_gnuplot();
    if (!ends_with(lowercase(file), ".png") && !is_svg(file))
        throw std::invalid_argument("--plot: '" + file +
                                    "' must end in .png or .svg (the format it is written in)");
}

void plot(const std::string& file, const plot_figure& figure) {
    require_plot_file(file);
    const int columns = std::max(figure.columns, 1);
    const int rows = static_cast<int>((figure.panels.size() + static_cast<size_t>(columns) - 1) /
                                      static_cast<size_t>(columns));
    const int width = columns * figure.panel_width;
    const int height = rows * figure.panel_height + (figure.title.empty() ? 0 : 50);
    std::string script;
    if (is_svg(file))
        script = fmt::format("set terminal svg size {},{} dynamic font 'DejaVu Sans,15' "
                             "noenhanced background '#ffffff'\n",
                             width, height);
    else
        script = fmt::format("set terminal pngcairo size {},{} font 'DejaVu Sans,15' noenhanced\n",
                             width, height);
    script += "set encoding utf8\nset output " + quoted(file) + "\n";
    // The data goes inline (`$name << EOD`), so no temporary files are left behind.
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

    std::error_code ignored;
    std::filesystem::remove(file, ignored); // a stale file must not pass for a new one
    // gnuplot's messages go to stderr: stdout may be carrying --json or --csv.
    FILE* gnuplot = popen("gnuplot 1>&2", "w");
    if (gnuplot == nullptr)
        throw std::runtime_error("--plot: cannot start gnuplot");
    std::fwrite(script.data(), 1, script.size(), gnuplot);
    if (pclose(gnuplot) != 0 || !std::filesystem::exists(file) ||
        std::filesystem::file_size(file) == 0)
        throw std::runtime_error("--plot: gnuplot failed to write '" + file + "'");
}

} // namespace tagsim
