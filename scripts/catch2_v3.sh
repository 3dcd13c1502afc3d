#!/usr/bin/env bash
# Builds and runs the tests against Catch2 v3, as the README promises they work with both: the
# system keeps Debian 12's Catch2 v2 (package catch2); Catch2 v3.7.1 (libcatch2-dev from
# Debian's bookworm-backports) is unpacked into build/catch2-v3/prefix with apt-get download
# and dpkg -x, and found through CMAKE_PREFIX_PATH (the preset catch2-v3).
#
#   scripts/catch2_v3.sh            (Debian 12, root for the first run: it may add the suite)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
prefix=$PWD/build/catch2-v3/prefix
say() { printf 'catch2_v3: %s\n' "$*"; }

if [[ ! -f $prefix/usr/include/catch2/catch_all.hpp ]]; then
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        list=/etc/apt/sources.list.d/tagcache-bookworm-backports.list
        say "adding Debian's bookworm-backports suite ($list)"
        echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$list"
        apt-get update -qq
    fi
    download=$PWD/build/catch2-v3/download
    rm -rf "$download" && mkdir -p "$download" "$prefix"
    # A fresh apt cache may not know the suite yet.
    (cd "$download" && { apt-get download -qq libcatch2-dev/bookworm-backports 2>/dev/null ||
        { apt-get update -qq && apt-get download -qq libcatch2-dev/bookworm-backports; }; })
    say "unpacking $(basename "$download"/libcatch2-dev_*.deb) into $prefix"
    dpkg -x "$download"/libcatch2-dev_*.deb "$prefix"
fi
cmake --workflow --preset catch2-v3
