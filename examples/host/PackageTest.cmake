# The installed-package tests (registered in tests/CMakeLists.txt): odec installed into a
# prefix, and the host examples built against that prefix alone, as a user would.
#
#   cmake -DMODE=install -DBUILD=dir -DPREFIX=dir -DNM=nm -P PackageTest.cmake
#       empties PREFIX, runs `cmake --install BUILD --prefix PREFIX`, and checks that
#       libodec.so exports the host API and nothing but odec.h's classes (cmake/odec.map)
#   cmake -DMODE=jit|aot -DPREFIX=dir -DWORK=dir -DGENERATOR=g -DCXX=c++ -P PackageTest.cmake
#       configures examples/host/MODE in WORK/MODE with CMAKE_PREFIX_PATH=PREFIX, builds and
#       runs it: jit must report its loss decreased; aot must reproduce `odec simulate`

# Runs a command; fails with its output unless it exits 0. The output is left in `output`.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "`${command}` exited with ${rc}:\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "install")
  file(REMOVE_RECURSE ${PREFIX})
  run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${PREFIX})
  file(GLOB_RECURSE library ${PREFIX}/lib*/libodec.so)
  if(NOT library)
    message(FATAL_ERROR "no libodec.so under ${PREFIX}")
  endif()
  run(${NM} -D --defined-only -C ${library})
  # The classes and structs odec.h declares; exception classes (`class X : public ...`) have
  # only inline members, so only their type_info and vtable are exported.
  file(STRINGS ${PREFIX}/include/odec/odec.h declarations REGEX "^(class|struct) [A-Za-z]+ ")
  set(classes "")
  foreach(declaration IN LISTS declarations)
    string(REGEX REPLACE "^(class|struct) ([A-Za-z]+) .*" "\\2" class "${declaration}")
    list(APPEND classes ${class})
    # A class with out-of-line members that cmake/odec.map does not name fails here.
    if(declaration MATCHES "^class [A-Za-z]+ {$" AND NOT output MATCHES " odec::${class}::")
      message(FATAL_ERROR "libodec.so does not export odec::${class} (cmake/odec.map)")
    endif()
  endforeach()
  list(JOIN classes "|" class)
  set(public "^[0-9a-f]+ [A-Za-z] (odec::(${class})::|(typeinfo|typeinfo name|vtable) for odec::(${class})$)")
  string(STRIP "${output}" symbols)
  string(REPLACE "\n" ";" symbols "${symbols}")
  foreach(symbol IN LISTS symbols)
    if(NOT symbol MATCHES "${public}")
      message(FATAL_ERROR "libodec.so exports more than odec.h: ${symbol}")
    endif()
  endforeach()
  return()
endif()

set(source ${CMAKE_CURRENT_LIST_DIR}/${MODE})
set(binary ${WORK}/${MODE})
file(REMOVE_RECURSE ${binary})
run(${CMAKE_COMMAND} -S ${source} -B ${binary} -G ${GENERATOR} -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${PREFIX}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
# The package must come from the prefix, not from the build tree or the system.
file(STRINGS ${binary}/CMakeCache.txt found REGEX "^odec_DIR:")
string(FIND "${found}" "=${PREFIX}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "the example found odec elsewhere than ${PREFIX}: ${found}")
endif()
run(${CMAKE_COMMAND} --build ${binary})

if(MODE STREQUAL "jit")
  run(${binary}/jit_example)
  if(NOT output MATCHES "loss decreased")
    message(FATAL_ERROR "jit_example:\n${output}")
  endif()
elseif(MODE STREQUAL "aot")
  # The run aot_example.cpp hard-codes: x0 = (1, 0), 40 steps of 0.05.
  run(${PREFIX}/bin/odec simulate ${source}/pendulum.node --params ${source}/pendulum.json
      --tableau RK4 --step 0.05 --steps 40 --x0 1,0 --out ${binary}/reference.csv)
  run(${binary}/aot_example ${binary}/reference.csv)
else()
  message(FATAL_ERROR "MODE is install, jit or aot, not '${MODE}'")
endif()
message(STATUS "${output}")
