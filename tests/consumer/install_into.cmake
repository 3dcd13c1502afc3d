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

# The installed headers are the library only: nothing of the simulator, and nothing that
# changes behaviour with what the consumer's machine has (__has_include) or needs a library
# the package does not declare (zstd).
file(GLOB_RECURSE installed RELATIVE ${PREFIX}/include ${PREFIX}/include/*)
foreach(header IN LISTS installed)
    if(NOT header MATCHES "^tagcache/")
        message(FATAL_ERROR "install put ${header} outside include/tagcache/")
    endif()
    file(READ ${PREFIX}/include/${header} text)
    if(text MATCHES "__has_include|zstd|tagsim|tagcache::sim")
        message(FATAL_ERROR "installed header ${header} depends on the simulator or on what "
                            "the consumer's machine has (${CMAKE_MATCH_0})")
    endif()
endforeach()
list(LENGTH installed count)
message(STATUS "${count} headers installed, all of the library")
