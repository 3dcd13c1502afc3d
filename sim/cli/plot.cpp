#include "plot.hpp"

#include <fmt/format.h>
#include <fmt/os.h>

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

} // namespace

bool gnuplot_installed() {
    return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

void require_gnuplot() {
    if (!gnuplot_installed())
        throw std::runtime_error("--plot: gnuplot is not installed (Debian: apt-get install "
                                 "gnuplot-nox); nothing was plotted");
}

void plot_lines(const std::string& png, const std::string& title, const std::string& x_label,
                const std::string& y_label, const std::vector<plot_series>& series, bool log_x) {
    require_gnuplot();
    // The data goes inline (`$name << EOD`), so no temporary files are left behind.
    std::string script = "set terminal pngcairo size 1000,640 noenhanced\n";
    script += "set output " + quoted(png) + "\n";
    script += "set title " + quoted(title) + "\nset xlabel " + quoted(x_label) + "\nset ylabel " +
              quoted(y_label) + "\nset grid\nset key below\n";
    if (log_x)
        script += "set logscale x\n";
    for (size_t i = 0; i < series.size(); ++i) {
        script += fmt::format("$data{} << EOD\n", i);
        for (size_t j = 0; j < series[i].x.size(); ++j)
            script += fmt::format("{} {}\n", series[i].x[j], series[i].y[j]);
        script += "EOD\n";
    }
    script += "plot ";
    for (size_t i = 0; i < series.size(); ++i)
        script += fmt::format("{}$data{} using 1:2 with lines lw 2 title {}", i == 0 ? "" : ", ", i,
                              quoted(series[i].title));
    script += "\n";
    FILE* gnuplot = popen("gnuplot 2>&1", "w");
    if (gnuplot == nullptr)
        throw std::runtime_error("--plot: cannot start gnuplot");
    std::fwrite(script.data(), 1, script.size(), gnuplot);
    if (pclose(gnuplot) != 0 || !std::filesystem::exists(png))
        throw std::runtime_error("--plot: gnuplot failed to write '" + png + "'");
}

} // namespace tagsim
