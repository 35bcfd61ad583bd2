# The installable odec: `cmake --install` puts the CLI, the host API as a shared library with
# its header, and a relocatable CMake package under the prefix:
#
#   bin/odec
#   include/odec/odec.h
#   lib/libodec.so -> libodec.so.<major>.<minor> -> libodec.so.<version>
#   lib/cmake/odec/{odecConfig,odecConfigVersion,odecTargets,OdecAddModel}.cmake
#
# so that a host project writes
#
#   find_package(odec CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE odec::runtime)            # JIT host API (odec.h)
#   odec_add_model(app FILE m.node MODEL M TABLEAU RK4)         # emit-cpp at build time, no LLVM
#
# docs/host-api.md describes the package for its users.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# libodec.so: odec_driver and everything it links (whatever another module adds to it comes
# along), LLVM as a shared dependency. odec_driver goes in whole because the library has no
# code of its own that would pull the host API's archive members in. The static libraries
# were compiled with default visibility; the version script, not -fvisibility, is what keeps
# all but odec.h's classes local (cmake/odec.map says why).
add_library(odec_runtime_shared SHARED ${PROJECT_SOURCE_DIR}/cmake/empty.cpp)
target_link_libraries(odec_runtime_shared PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,odec_driver>")
target_link_options(odec_runtime_shared PRIVATE
  "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/odec.map" "LINKER:--no-undefined")
target_include_directories(odec_runtime_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# Before 1.0 a minor release may change the ABI, so the soname carries major.minor.
set_target_properties(odec_runtime_shared PROPERTIES
  OUTPUT_NAME odec
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR}
  EXPORT_NAME runtime
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/cmake/odec.map)

set(ODEC_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/odec)

install(TARGETS odec RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS odec_runtime_shared EXPORT odecTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/odec DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT odecTargets NAMESPACE odec:: DESTINATION ${ODEC_PACKAGE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/odecConfig.cmake.in
  ${PROJECT_BINARY_DIR}/odecConfig.cmake
  INSTALL_DESTINATION ${ODEC_PACKAGE_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
# The same soname rule: 0.1.x releases are interchangeable, 0.2 is not.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/odecConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/odecConfig.cmake ${PROJECT_BINARY_DIR}/odecConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/OdecAddModel.cmake
        DESTINATION ${ODEC_PACKAGE_DIR})
