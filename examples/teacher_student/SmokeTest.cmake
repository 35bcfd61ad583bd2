# The teacher–student smoke test: a tiny study (2 teachers, 3 epochs) must write its three
# outputs with one row per run, and training must have lowered the test loss in most runs.
# cmake -DPROGRAM=teacher_student -DOUT=dir -P SmokeTest.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PROGRAM} --teachers 2 --epochs 3 --out ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "teacher_student exited with ${rc}")
endif()

file(READ ${OUT}/histogram.svg svg)
string(FIND "${svg}" "</svg>" end)
string(FIND "${svg}" "<rect x=" bar)
if(end EQUAL -1 OR bar EQUAL -1)
  message(FATAL_ERROR "histogram.svg is incomplete or has no bars")
endif()

file(STRINGS ${OUT}/table.md table REGEX "^\\| (inside Euler|outside RK4) ")
list(LENGTH table rows)
if(NOT rows EQUAL 16) # 2 kinds x 4 solvers x 2 inits
  message(FATAL_ERROR "table.md has ${rows} data rows, expected 16")
endif()

file(STRINGS ${OUT}/runs.csv runs)
list(POP_FRONT runs header)
list(LENGTH runs n)
if(NOT n EQUAL 16) # 2 teachers x 4 solvers x 2 inits
  message(FATAL_ERROR "runs.csv has ${n} runs, expected 16")
endif()
set(improved 0)
foreach(line IN LISTS runs)
  string(REPLACE "," ";" f "${line}")
  list(GET f 5 initial)
  list(GET f 7 best)
  if(best LESS initial)
    math(EXPR improved "${improved} + 1")
  endif()
endforeach()
if(improved LESS 12)
  message(FATAL_ERROR "training lowered the test loss in only ${improved} of 16 runs")
endif()
message(STATUS "teacher_student smoke test: ${improved}/16 runs improved")
