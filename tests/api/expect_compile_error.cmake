# Compiles SOURCE and passes only if compilation fails with diagnostics matching every regex
# in EXPECT (a |-separated list): a configuration error must be reported, and readably.
# -D COMPILER=... -D INCLUDE_DIR=... -D SOURCE=... -D EXPECT=regex|regex
cmake_minimum_required(VERSION 3.21)
execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only -I ${INCLUDE_DIR} ${SOURCE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(status EQUAL 0)
    message(FATAL_ERROR "${SOURCE} compiled, but must be refused")
endif()
string(REPLACE "|" ";" expectations "${EXPECT}")
foreach(expected IN LISTS expectations)
    if(NOT out MATCHES "${expected}")
        message(FATAL_ERROR "the diagnostics do not mention '${expected}':\n${out}")
    endif()
endforeach()
message(STATUS "refused, as it must be")
