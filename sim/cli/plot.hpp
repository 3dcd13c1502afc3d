// --plot: figures of one or more panels, rendered with gnuplot when it is installed
// (docs/tagsim.md). PNG or SVG, chosen by the file's extension.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "output_file.hpp"

namespace tagsim {

// The two strategies' colours in every figure (Okabe-Ito, readable by colour-blind readers).
inline constexpr const char* cleancache_colour = "#0072B2";
inline constexpr const char* cma_colour = "#D55E00";

enum class dash { solid, dashed, dotted, dash_dot };

struct plot_series {
    std::string title;
    std::string colour; // "#rrggbb"; empty: gnuplot's own
    dash style = dash::solid;
    bool right_axis = false; // drawn against the y2 axis
    bool points = false;     // marks each data point (few points: a sweep)
    std::vector<double> x{}, y{};
};

// A vertical reference line with a label beside it.
struct plot_marker {
    double x = 0;
    std::string label;
};

struct plot_panel {
    std::string title, x_label, y_label;
    std::string y2_label{}; // non-empty: a right axis for the series that ask for it
    std::vector<plot_series> series{};
    std::vector<plot_marker> markers{};
    bool log_x = false;
    int log_base = 10;             // of a logarithmic x axis: 2 puts tics at powers of two (MiB)
    bool percent_y = false;        // y is a share 0..1, labelled in per cent
    double y2_min = 0, y2_max = 0; // the right axis's range; both 0: automatic
};

struct plot_figure {
    std::string title;
    std::vector<plot_panel> panels;
    int columns = 1;
    int panel_width = 1100, panel_height = 700; // pixels (PNG) or points (SVG)
};

// Whether `gnuplot` is on the PATH (commands check before a long run, not after).
bool gnuplot_installed();
// Throws the --plot error when gnuplot is not installed.
void require_gnuplot();

// The figure's file, opened before the run so that a long run is not wasted: throws naming the
// reason when gnuplot is not installed, the path ends in neither .png nor .svg, or output_file
// refuses it (empty, a control character, a folder or other non-regular file, a folder that
// cannot be written).
std::unique_ptr<output_file> open_plot_file(const std::string& path);

// Renders the figure into `file` (PNG or SVG by its path's extension) and renames it into
// place. gnuplot reads the script on its standard input and writes the figure to its standard
// output (no shell, and no path a user gave reaches it); titles and labels go in as
// single-quoted data. Throws std::runtime_error with one line naming the reason (gnuplot's last
// message line) when gnuplot fails; the target is then left as it was.
void plot(output_file& file, const plot_figure& figure);

} // namespace tagsim
