#!/bin/sh
# Renders the figures docs/ shows (docs/figures/): `tagsim run --plot` of the default and the
# FVP scenario. Needs gnuplot, python3 and a release build (cmake --preset release, built here if
# missing). Every figure is fixed by its scenario's seed except the measured-latency panel.
#   scripts/render_figures.sh [BUILD_DIR]      (default: build/release)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/release}
if [ ! -d "$build" ]; then
    cmake --preset release
fi
cmake --build "$build" --target tagsim -j2
tagsim=$build/bin/tagsim
mkdir -p docs/figures
"$tagsim" run sim/scenarios/default.json --plot docs/figures/default.png >/dev/null
"$tagsim" run sim/scenarios/default.json --plot docs/figures/default.svg >/dev/null
"$tagsim" run sim/scenarios/fvp.json --plot docs/figures/fvp.png >/dev/null
# pngcairo writes 24-bit RGB; as 256-colour palette images they are a third of the size.
python3 scripts/png_palette.py docs/figures/default.png docs/figures/fvp.png
ls -l docs/figures
