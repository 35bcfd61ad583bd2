# The teacher–student smoke test: a tiny study (2 teachers, 3 epochs, two threads) must write
# its three outputs with one row per run, and training must have lowered the test loss in most
# runs, and one thread must give the same runs as two.
# cmake -DPROGRAM=teacher_student -DSETTING=driven|autonomous -DOUT=dir -P SmokeTest.cmake
if(SETTING STREQUAL "driven")
  set(solvers 8) # every explicit built-in without an embedded pair
else()
  set(solvers 4) # Euler, Midpoint, Kutta3, RK4
endif()
math(EXPR expected "2 * ${solvers} * 2") # teachers (or kinds) x solvers x inits
math(EXPR enough "${expected} * 3 / 4")
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${PROGRAM} --setting ${SETTING} --teachers 2 --epochs 3 --threads 2
                        --out ${OUT} RESULT_VARIABLE rc)
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
if(NOT rows EQUAL expected)
  message(FATAL_ERROR "table.md has ${rows} data rows, expected ${expected}")
endif()

file(STRINGS ${OUT}/runs.csv runs)
list(POP_FRONT runs header)
list(LENGTH runs n)
if(NOT n EQUAL expected)
  message(FATAL_ERROR "runs.csv has ${n} runs, expected ${expected}")
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
if(improved LESS enough)
  message(FATAL_ERROR "training lowered the test loss in only ${improved} of ${expected} runs")
endif()
# The same study on one thread gives the same runs, to the last digit.
execute_process(COMMAND ${PROGRAM} --setting ${SETTING} --teachers 2 --epochs 3 --threads 1
                        --out ${OUT}/one RESULT_VARIABLE rc)
file(READ ${OUT}/runs.csv two)
file(READ ${OUT}/one/runs.csv one)
if(NOT rc EQUAL 0 OR NOT one STREQUAL two)
  message(FATAL_ERROR "one thread gave other runs than two (exit ${rc})")
endif()
message(STATUS "teacher_student smoke test (${SETTING}): ${improved}/${expected} runs improved")
