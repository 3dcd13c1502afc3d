# Warnings for tagcache's own tests, examples and benchmarks. The headers must stay clean under
# all of these, since a header-only library's warnings become its users' warnings. Whether they
# are errors is the preset's choice (dev: -Werror), not forced on every build.
add_library(tagcache_warnings INTERFACE)
target_compile_options(
    tagcache_warnings
    INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
              -Wnon-virtual-dtor -Wold-style-cast -Wcast-align)
