# Dependencies of the tests, benchmarks and examples (the library itself has none).
# find_package first; with TAGCACHE_FETCH_DEPENDENCIES=ON, FetchContent downloads what
# find_package does not find (FIND_PACKAGE_ARGS, CMake >= 3.24).

if(TAGCACHE_FETCH_DEPENDENCIES)
    if(CMAKE_VERSION VERSION_LESS 3.24)
        message(FATAL_ERROR "TAGCACHE_FETCH_DEPENDENCIES needs CMake 3.24 or newer")
    endif()
    include(FetchContent)
    FetchContent_Declare(
        Catch2 GIT_REPOSITORY https://github.com/catchorg/Catch2.git GIT_TAG v3.7.1
        GIT_SHALLOW ON FIND_PACKAGE_ARGS)
    FetchContent_Declare(
        benchmark GIT_REPOSITORY https://github.com/google/benchmark.git GIT_TAG v1.9.1
        GIT_SHALLOW ON FIND_PACKAGE_ARGS)
    FetchContent_Declare(
        fmt GIT_REPOSITORY https://github.com/fmtlib/fmt.git GIT_TAG 11.1.4
        GIT_SHALLOW ON FIND_PACKAGE_ARGS)
    FetchContent_Declare(
        CLI11 GIT_REPOSITORY https://github.com/CLIUtils/CLI11.git GIT_TAG v2.5.0
        GIT_SHALLOW ON FIND_PACKAGE_ARGS)
    set(BENCHMARK_ENABLE_TESTING OFF CACHE BOOL "" FORCE)
    set(BENCHMARK_ENABLE_GTEST_TESTS OFF CACHE BOOL "" FORCE)
endif()

# What each part needs, and the Debian package that provides it.
function(tagcache_require package target debian_package)
    if(NOT TARGET ${target})
        message(FATAL_ERROR
            "tagcache: ${package} not found; it is needed because ${ARGN}.\n"
            "Install it (Debian: apt-get install ${debian_package}), configure with "
            "-DTAGCACHE_FETCH_DEPENDENCIES=ON to download it, or turn the option off.")
    endif()
endfunction()

if(TAGCACHE_BUILD_TESTS)
    if(TAGCACHE_FETCH_DEPENDENCIES)
        FetchContent_MakeAvailable(Catch2)
    else()
        # Catch2 v3 when present, else v2 (Debian 12 ships 2.13.10).
        find_package(Catch2 3 QUIET)
        if(NOT Catch2_FOUND)
            find_package(Catch2 2.13 QUIET)
        endif()
    endif()
    tagcache_require(Catch2 Catch2::Catch2 catch2 "TAGCACHE_BUILD_TESTS is ON")
    if(NOT DEFINED Catch2_VERSION_MAJOR OR Catch2_VERSION_MAJOR STREQUAL "")
        set(Catch2_VERSION_MAJOR 3) # built from source by FetchContent
    endif()
    # A build meant to test one major version (the catch2-v3 preset) must not quietly use the
    # other.
    set(TAGCACHE_REQUIRE_CATCH2_MAJOR "" CACHE STRING "Fail unless Catch2 has this major version")
    if(TAGCACHE_REQUIRE_CATCH2_MAJOR AND
       NOT Catch2_VERSION_MAJOR STREQUAL TAGCACHE_REQUIRE_CATCH2_MAJOR)
        message(FATAL_ERROR "tagcache: Catch2 ${Catch2_VERSION} was found, but "
                            "TAGCACHE_REQUIRE_CATCH2_MAJOR is ${TAGCACHE_REQUIRE_CATCH2_MAJOR} "
                            "(scripts/catch2_v3.sh unpacks Catch2 v3)")
    endif()
    message(STATUS "tagcache: tests use Catch2 ${Catch2_VERSION}")
endif()

if(TAGCACHE_BUILD_BENCHMARKS)
    if(TAGCACHE_FETCH_DEPENDENCIES)
        FetchContent_MakeAvailable(benchmark)
    else()
        find_package(benchmark QUIET)
    endif()
    tagcache_require(benchmark benchmark::benchmark libbenchmark-dev
                     "TAGCACHE_BUILD_BENCHMARKS is ON")
endif()

if(TAGCACHE_BUILD_TESTS OR TAGCACHE_BUILD_EXAMPLES OR TAGCACHE_BUILD_BENCHMARKS OR
   TAGCACHE_BUILD_FUZZERS)
    if(TAGCACHE_FETCH_DEPENDENCIES)
        FetchContent_MakeAvailable(fmt)
    else()
        find_package(fmt QUIET)
    endif()
    tagcache_require(fmt fmt::fmt libfmt-dev "the tests, examples and benchmarks print with fmt")

    # zstd-compressed traces (tests/data, tagsim replay).
    find_package(zstd QUIET)
    if(TARGET zstd::libzstd_shared)
        add_library(tagcache_zstd ALIAS zstd::libzstd_shared)
    elseif(TARGET zstd::libzstd_static)
        add_library(tagcache_zstd ALIAS zstd::libzstd_static)
    endif()
    tagcache_require(zstd tagcache_zstd libzstd-dev "the ARC-paper traces are zstd-compressed")
endif()

if(TAGCACHE_BUILD_EXAMPLES)
    if(TAGCACHE_FETCH_DEPENDENCIES)
        FetchContent_MakeAvailable(CLI11)
    else()
        find_package(CLI11 CONFIG QUIET)
    endif()
    tagcache_require(CLI11 CLI11::CLI11 libcli11-dev "the example programs parse options with it")
endif()

if(TAGCACHE_BUILD_EXAMPLES OR TAGCACHE_BUILD_BENCHMARKS OR TAGCACHE_BUILD_FUZZERS)
    find_package(nlohmann_json 3 QUIET)
    tagcache_require(nlohmann_json nlohmann_json::nlohmann_json nlohmann-json3-dev
                     "tagsim writes JSON with it, the benchmark ratio table reads it")
endif()
