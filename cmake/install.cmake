# Install and export rules: headers, tagcacheConfig.cmake with its version file, tagcache.pc.
# The package is header-only and architecture independent, so its CMake and pkg-config files
# go under DATADIR (as nlohmann_json's do), where find_package and pkg-config both look.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

target_include_directories(tagcache INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

set(TAGCACHE_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/tagcache"
    CACHE STRING "Where tagcacheConfig.cmake is installed, relative to the prefix")
set(TAGCACHE_PKGCONFIG_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/pkgconfig"
    CACHE STRING "Where tagcache.pc is installed, relative to the prefix")

install(TARGETS tagcache EXPORT tagcacheTargets)
install(DIRECTORY include/tagcache DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tagcacheTargets NAMESPACE tagcache:: DESTINATION ${TAGCACHE_CMAKE_INSTALL_DIR})

configure_package_config_file(
    cmake/tagcacheConfig.cmake.in ${PROJECT_BINARY_DIR}/tagcacheConfig.cmake
    INSTALL_DESTINATION ${TAGCACHE_CMAKE_INSTALL_DIR})
write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/tagcacheConfigVersion.cmake
    COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/tagcacheConfig.cmake
              ${PROJECT_BINARY_DIR}/tagcacheConfigVersion.cmake
        DESTINATION ${TAGCACHE_CMAKE_INSTALL_DIR})

# tagcache.pc is relocatable: its prefix is found from where the file sits (${pcfiledir}), so
# `cmake --install --prefix` anywhere gives a working .pc. Relative include dirs hang off it.
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(TAGCACHE_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
    set(TAGCACHE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/tagcache.pc.in ${PROJECT_BINARY_DIR}/tagcache.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tagcache.pc DESTINATION ${TAGCACHE_PKGCONFIG_INSTALL_DIR})
