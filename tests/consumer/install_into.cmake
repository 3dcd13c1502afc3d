# Installs the build tree into an empty prefix: -D BUILD_DIR=... -D PREFIX=...
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "cmake --install failed")
endif()
foreach(expected include/tagcache/core.hpp share/cmake/tagcache/tagcacheConfig.cmake
                 share/cmake/tagcache/tagcacheConfigVersion.cmake share/pkgconfig/tagcache.pc)
    if(NOT EXISTS ${PREFIX}/${expected})
        message(FATAL_ERROR "install did not produce ${expected}")
    endif()
endforeach()
