# odec_add_model: a .node model as a self-contained C++17 header generated at build time,
# like protobuf_generate. Installed with odec's CMake package; needs ODEC_EXECUTABLE, which
# odecConfig.cmake sets to the installation's odec.
#
#   odec_add_model(<target> FILE model.node MODEL M TABLEAU T
#                  [PARAMS params.json] [FLOAT float|double] [HEADER name.hpp])
#
# At build time runs
#   odec emit-cpp model.node --model M --tableau T [--params params.json] --float ... -o <header>
# into ${CMAKE_CURRENT_BINARY_DIR}/odec_models/<target>/<header> (default header name: M.hpp),
# again whenever the .node file, the params file or odec changes; adds the header to <target>'s
# sources and its directory to <target>'s include path (PUBLIC), so `#include "M.hpp"` works.
# The header's API (namespace named after M: Params, field, jacobian, step, simulate, lossGrad)
# is listed in docs/host-api.md. Relative FILE and PARAMS are relative to the calling
# CMakeLists.txt. <target> must compile sources (an executable or a non-INTERFACE library).
function(odec_add_model target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FILE;MODEL;TABLEAU;PARAMS;FLOAT;HEADER" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "odec_add_model: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required FILE MODEL TABLEAU)
    if(NOT arg_${required})
      message(FATAL_ERROR "odec_add_model(${target}): ${required} is required")
    endif()
  endforeach()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "odec_add_model: no target named '${target}'")
  endif()
  if(NOT arg_FLOAT)
    set(arg_FLOAT double)
  elseif(NOT arg_FLOAT MATCHES "^(float|double)$")
    message(FATAL_ERROR "odec_add_model(${target}): FLOAT is float or double, not '${arg_FLOAT}'")
  endif()
  if(NOT arg_HEADER)
    set(arg_HEADER ${arg_MODEL}.hpp)
  endif()

  cmake_path(ABSOLUTE_PATH arg_FILE BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
  set(command ${ODEC_EXECUTABLE} emit-cpp ${arg_FILE} --model ${arg_MODEL}
              --tableau ${arg_TABLEAU} --float ${arg_FLOAT})
  set(inputs ${arg_FILE} ${ODEC_EXECUTABLE})
  if(arg_PARAMS)
    cmake_path(ABSOLUTE_PATH arg_PARAMS BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE)
    list(APPEND command --params ${arg_PARAMS})
    list(APPEND inputs ${arg_PARAMS})
  endif()

  # One directory per target: two targets may generate the same model without clashing.
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/odec_models/${target})
  file(MAKE_DIRECTORY ${dir})
  add_custom_command(OUTPUT ${dir}/${arg_HEADER}
    COMMAND ${command} -o ${dir}/${arg_HEADER}
    DEPENDS ${inputs}
    COMMENT "odec emit-cpp: model ${arg_MODEL} with ${arg_TABLEAU} -> ${arg_HEADER}"
    VERBATIM)
  target_sources(${target} PRIVATE ${dir}/${arg_HEADER})
  target_include_directories(${target} PUBLIC ${dir})
endfunction()
