# Compiles a unit as a kernel would, with exactly the flags below plus FLAGS (never the build's
# own flags or sanitizers), at -O0 and -O2, and checks with nm that the object's undefined
# symbols are at most memcpy, memset, memmove and the user's hooks: no libgcc helper (soft
# floating point, outlined atomics, popcount), no C++ runtime, no allocation.
#
# -D COMPILER=<c++ compiler> -D NM=<nm> -D SOURCE=<tu> -D INCLUDE_DIR=<repo>/include -D WORK_DIR=<dir>
# [-D FLAGS=<extra flags, space-separated, e.g. "--target=aarch64-linux-gnu -mgeneral-regs-only">]
# [-D ALLOWED_PATTERN=<regex of the undefined hooks the unit may call>]
cmake_minimum_required(VERSION 3.21)
foreach(var COMPILER NM SOURCE INCLUDE_DIR WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_freestanding.cmake: -D${var}=... is required")
    endif()
endforeach()

separate_arguments(FLAGS UNIX_COMMAND "${FLAGS}")

# The compiler's own headers (stddef.h, stdint.h), and nothing else.
execute_process(COMMAND ${COMPILER} --version OUTPUT_VARIABLE version_text)
if(version_text MATCHES "clang")
    execute_process(COMMAND ${COMPILER} ${FLAGS} -print-resource-dir
                    OUTPUT_VARIABLE resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE)
    set(compiler_include "${resource_dir}/include")
else()
    execute_process(COMMAND ${COMPILER} -print-file-name=include
                    OUTPUT_VARIABLE compiler_include OUTPUT_STRIP_TRAILING_WHITESPACE)
endif()
if(NOT IS_DIRECTORY "${compiler_include}")
    message(FATAL_ERROR "cannot find the compiler's include directory (got '${compiler_include}')")
endif()

# _GLOBAL_OFFSET_TABLE_ is defined by the linker for position-independent code (the
# compiler's default here), not by any library.
set(allowed memcpy memset memmove _GLOBAL_OFFSET_TABLE_)
# User hooks a shim must provide are named tagcache_hook_* (ALLOWED_PATTERN: another regex,
# for a unit with hooks of its own, e.g. the kernel module's).
set(allowed_pattern "^tagcache_hook_")
if(DEFINED ALLOWED_PATTERN)
    set(allowed_pattern "${ALLOWED_PATTERN}")
endif()

file(MAKE_DIRECTORY ${WORK_DIR})
# -O0 keeps every call visible; -O2 -DNDEBUG is what a kernel build compiles.
foreach(optimization -O0 -O2)
    set(object ${WORK_DIR}/freestanding${optimization}.o)
    set(defines "")
    if(optimization STREQUAL "-O2")
        set(defines -DNDEBUG)
    endif()
    execute_process(
        COMMAND ${COMPILER} -std=c++20 ${optimization} ${defines} -nostdinc -nostdinc++ -isystem
                ${compiler_include} -ffreestanding -fno-exceptions -fno-rtti
                -fno-threadsafe-statics -fno-stack-protector -Wall -Wextra -Werror ${FLAGS}
                -I ${INCLUDE_DIR} -c ${SOURCE} -o ${object}
        RESULT_VARIABLE compile_result
        OUTPUT_VARIABLE compile_output
        ERROR_VARIABLE compile_output)
    if(NOT compile_result EQUAL 0)
        message(FATAL_ERROR "freestanding compile (${optimization}) failed:\n${compile_output}")
    endif()
    execute_process(
        COMMAND ${NM} -u --format=posix ${object}
        RESULT_VARIABLE nm_result
        OUTPUT_VARIABLE nm_output)
    if(NOT nm_result EQUAL 0)
        message(FATAL_ERROR "${NM} failed on ${object}")
    endif()
    string(REPLACE "\n" ";" lines "${nm_output}")
    set(forbidden "")
    set(seen "")
    foreach(line IN LISTS lines)
        if(line STREQUAL "")
            continue()
        endif()
        string(REGEX REPLACE " .*" "" symbol "${line}")
        list(APPEND seen ${symbol})
        if(NOT symbol IN_LIST allowed AND NOT symbol MATCHES "${allowed_pattern}")
            list(APPEND forbidden ${symbol})
        endif()
    endforeach()
    if(forbidden)
        message(FATAL_ERROR "freestanding object (${optimization}) needs forbidden symbols: "
                            "${forbidden}")
    endif()
    message(STATUS "freestanding ${optimization}: undefined symbols: [${seen}]")
endforeach()
