# Runs a program and checks its exit status and output (stdout and stderr together):
# -D PROGRAM=... -D ARGS=a|b|c -D EXIT=zero|nonzero|<status> -D OUTPUT=<regex>
cmake_minimum_required(VERSION 3.21)
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE out)
if(EXIT STREQUAL "zero" AND NOT status EQUAL 0)
    message(FATAL_ERROR "expected success, got exit status ${status}:\n${out}")
endif()
if(EXIT STREQUAL "nonzero" AND status EQUAL 0)
    message(FATAL_ERROR "expected failure, got exit status 0:\n${out}")
endif()
if(EXIT MATCHES "^[0-9]+$" AND NOT status EQUAL EXIT)
    message(FATAL_ERROR "expected exit status ${EXIT}, got ${status}:\n${out}")
endif()
if(NOT out MATCHES "${OUTPUT}")
    message(FATAL_ERROR "output does not match '${OUTPUT}':\n${out}")
endif()
