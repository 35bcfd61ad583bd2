# Fails when BINARY needs libodec or LLVM at run time, directly or through another library.
#   cmake -DBINARY=path/to/program -P CheckNoOdecLink.cmake
file(GET_RUNTIME_DEPENDENCIES EXECUTABLES ${BINARY}
     RESOLVED_DEPENDENCIES_VAR resolved UNRESOLVED_DEPENDENCIES_VAR unresolved)
foreach(library IN LISTS resolved unresolved)
  get_filename_component(name ${library} NAME)
  if(name MATCHES "^lib(odec|LLVM|clang)")
    message(FATAL_ERROR "${BINARY} links ${library}: an ahead-of-time model must not")
  endif()
endforeach()
