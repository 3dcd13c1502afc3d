// --plot: renders with gnuplot when it is installed (docs/tagsim.md).
#pragma once

#include <string>
#include <vector>

namespace tagsim {

struct plot_series {
    std::string title;
    std::vector<double> x, y;
};

// Whether `gnuplot` is on the PATH (commands check before a long run, not after).
bool gnuplot_installed();
// Throws the --plot error when it is not.
void require_gnuplot();

// Writes a PNG of the series (lines) to `png` with gnuplot. Throws std::runtime_error naming
// the reason when gnuplot is not installed or fails.
void plot_lines(const std::string& png, const std::string& title, const std::string& x_label,
                const std::string& y_label, const std::vector<plot_series>& series,
                bool log_x = false);

} // namespace tagsim
