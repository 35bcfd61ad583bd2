# Runs `odec check INPUT` (from the golden folder, so paths print as NAME.node) and compares
# stdout+stderr plus a final "exit: N" line with EXPECTED. UPDATE=1 rewrites EXPECTED.
get_filename_component(name ${INPUT} NAME)
execute_process(COMMAND ${ODEC} check ${name}
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
