# Preprocesses one public header as a user's translation unit would include it
# (`-std=c++20 -E -P`) and fails when it grows past its budget (docs/architecture.md says why
# each budget is what it is).
# -D COMPILER=<c++ compiler> -D INCLUDE_DIR=<repo>/include -D HEADER=tagcache/core.hpp -D BUDGET=<lines>
cmake_minimum_required(VERSION 3.21)
foreach(var COMPILER INCLUDE_DIR HEADER BUDGET)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "preprocessed_size.cmake: -D${var}=... is required")
    endif()
endforeach()
string(MAKE_C_IDENTIFIER "${HEADER}" name)
set(source "${CMAKE_CURRENT_BINARY_DIR}/include_${name}.cpp")
file(WRITE "${source}" "#include <${HEADER}>\n")
execute_process(COMMAND ${COMPILER} -std=c++20 -E -P -I ${INCLUDE_DIR} ${source}
                RESULT_VARIABLE status OUTPUT_VARIABLE text ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "preprocessing <${HEADER}> failed:\n${errors}")
endif()
string(REGEX MATCHALL "\n" newlines "${text}")
list(LENGTH newlines lines)
if(lines GREATER BUDGET)
    message(FATAL_ERROR "<${HEADER}> preprocesses to ${lines} lines, over its budget of "
                        "${BUDGET}: find what it pulls in (g++ -std=c++20 -E -H)")
endif()
message(STATUS "<${HEADER}>: ${lines} preprocessed lines (budget ${BUDGET})")
