# Builds main.cpp the way a Makefile user would, with the flags `pkg-config --cflags tagcache`
# gives for the installed package, then runs it.
# -D PKG_CONFIG=... -D COMPILER=... -D PREFIX=... -D SOURCE=... -D BINARY=... -D VERSION=...
cmake_minimum_required(VERSION 3.21)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/share/pkgconfig")
set(ENV{PKG_CONFIG_LIBDIR} "${PREFIX}/share/pkgconfig") # only the installed package
execute_process(COMMAND ${PKG_CONFIG} --modversion tagcache
                OUTPUT_VARIABLE modversion OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE r1)
execute_process(COMMAND ${PKG_CONFIG} --cflags tagcache
                OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE r2)
if(NOT r1 EQUAL 0 OR NOT r2 EQUAL 0)
    message(FATAL_ERROR "pkg-config cannot find tagcache under ${PREFIX}")
endif()
if(NOT modversion STREQUAL VERSION)
    message(FATAL_ERROR "pkg-config says version ${modversion}, expected ${VERSION}")
endif()
# The .pc is relocatable: -I must lead to this prefix's include directory, however spelled.
string(REGEX REPLACE "^-I" "" include_dir "${cflags}")
get_filename_component(include_dir "${include_dir}" REALPATH)
get_filename_component(expected_dir "${PREFIX}/include" REALPATH)
if(NOT include_dir STREQUAL expected_dir)
    message(FATAL_ERROR "pkg-config --cflags gives '${cflags}', not -I${PREFIX}/include")
endif()
separate_arguments(cflag_list UNIX_COMMAND "${cflags}")
file(MAKE_DIRECTORY ${BINARY})
execute_process(COMMAND ${COMPILER} -std=c++20 ${cflag_list} ${SOURCE} -o ${BINARY}/consumer
                RESULT_VARIABLE compiled ERROR_VARIABLE errors)
if(NOT compiled EQUAL 0)
    message(FATAL_ERROR "compile with pkg-config flags failed:\n${errors}")
endif()
execute_process(COMMAND ${BINARY}/consumer RESULT_VARIABLE ran OUTPUT_VARIABLE out)
if(NOT ran EQUAL 0)
    message(FATAL_ERROR "consumer failed: ${out}")
endif()
message(STATUS "${out}")
