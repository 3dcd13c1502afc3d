# Configures the find_package consumer asking for a version the package must refuse, and checks
# that configuration fails because of the version: -D SOURCE -D BINARY -D PREFIX -D VERSION
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${BINARY})
execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -DCMAKE_PREFIX_PATH=${PREFIX}
            -DEXPECTED_PREFIX=${PREFIX} -DTAGCACHE_REQUESTED_VERSION=${VERSION}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output)
if(result EQUAL 0)
    message(FATAL_ERROR "find_package(tagcache ${VERSION}) was accepted:\n${output}")
endif()
if(NOT output MATCHES "tagcacheConfig.cmake, version: [0-9.]+")
    message(FATAL_ERROR "configuration failed, but not for the version:\n${output}")
endif()
message(STATUS "find_package(tagcache ${VERSION}) refused, as it must be")
