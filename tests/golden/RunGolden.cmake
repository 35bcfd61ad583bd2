# Runs odec on a golden input from the golden folder (so paths print as NAME.node) and
# compares stdout+stderr plus a final "exit: N" line with EXPECTED. UPDATE=1 rewrites EXPECTED.
#
# The command is `odec check NAME.node` unless the input's first line says otherwise:
#   # RUN: odec derive %s --what vjp
# (%s stands for the input's file name).
get_filename_component(name ${INPUT} NAME)
file(STRINGS ${INPUT} first LIMIT_COUNT 1)
set(args check ${name})
if(first MATCHES "^# RUN: odec (.*)$")
  string(REPLACE "%s" "${name}" run "${CMAKE_MATCH_1}")
  separate_arguments(args UNIX_COMMAND "${run}")
endif()
execute_process(COMMAND ${ODEC} ${args}
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(actual "${out}${err}exit: ${rc}\n")
if(UPDATE)
  file(WRITE ${EXPECTED} "${actual}")
  return()
endif()
if(NOT EXISTS ${EXPECTED})
  message(FATAL_ERROR "missing ${EXPECTED}; actual output:\n${actual}")
endif()
file(READ ${EXPECTED} expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "golden mismatch for ${name}\n--- expected\n${expected}\n--- actual\n${actual}")
endif()
