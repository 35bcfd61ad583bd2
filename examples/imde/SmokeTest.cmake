# The IMDE smoke test: run.sh in a tiny configuration (h = 0.5 only, 600 epochs for λx; 40
# epochs and a 2000-step rollout for the pendulum) must finish, draw both figures, and show
#  - the λ learned with Euler equal to the order-5 IMDE prediction to 1e-4 (measured 2.9e-6,
#    the series' truncation error), i.e. −0.787, far from the true λ = −1;
#  - the true pendulum's energy bounded under the implicit midpoint rule (max |E − E(0)| below
#    0.02; measured 0.0086) and decaying under RK4 (drift below −0.05; measured −0.090);
#  - the Hamiltonian net trained with the implicit midpoint rule drifting less than a third as
#    much as the one trained with RK4 (measured ratio 0.047).
# cmake -DODEC=odec -DPLOT=imde_plot -DSCRIPT=run.sh -DOUT=dir -P SmokeTest.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${CMAKE_COMMAND} -E env ODEC=${ODEC} PLOT=${PLOT} OUT=${OUT}
                        STEPS_LINEAR=0.5 EPOCHS_LINEAR=600 EPOCHS_PENDULUM=40 ROLLOUT=2000
                        TRAJECTORIES=8 bash ${SCRIPT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run.sh exited with ${rc}:\n${output}\n${errors}")
endif()

# | Euler | 0.5 | learned | IMDE | exact | -1 | learned − IMDE |
string(REGEX MATCH "\\| Euler \\| 0.5 \\| ([^ ]+) \\| [^|]+\\| [^|]+\\| -1 \\| -?([^ ]+) \\|" _
       "${output}")
set(learned ${CMAKE_MATCH_1})
set(difference ${CMAKE_MATCH_2})
if(difference STREQUAL "" OR NOT difference LESS 1e-4)
  message(FATAL_ERROR "Euler's learned λ is '${learned}', '${difference}' away from the IMDE "
                      "prediction (bound 1e-4):\n${output}")
endif()
if(NOT learned GREATER -0.79 OR NOT learned LESS -0.78)
  message(FATAL_ERROR "Euler's learned λ ${learned} is not the IMDE value −0.787")
endif()

# | field | solver | loss | E(0) | E(end) | drift | max |E − E(0)| |
function(pendulum_row field solver drift maxdev)
  string(REGEX MATCH
         "\\| ${field} \\| ${solver} \\| [^|]+\\| [^|]+\\| [^|]+\\| ([^ ]+) \\| ([^ ]+) \\|" _
         "${output}")
  if(CMAKE_MATCH_1 STREQUAL "")
    message(FATAL_ERROR "no row for ${field} with ${solver} in:\n${output}")
  endif()
  set(${drift} ${CMAKE_MATCH_1} PARENT_SCOPE)
  set(${maxdev} ${CMAKE_MATCH_2} PARENT_SCOPE)
endfunction()
pendulum_row("true pendulum" ImplicitMidpoint drift max_im)
if(NOT max_im LESS 0.02)
  message(FATAL_ERROR "implicit midpoint: the true energy deviates by ${max_im}, not below 0.02")
endif()
pendulum_row("true pendulum" RK4 drift_rk4 max_rk4)
if(NOT drift_rk4 LESS -0.05)
  message(FATAL_ERROR "RK4: the true energy drifts by ${drift_rk4}, not below −0.05")
endif()

string(REGEX MATCH "implicit midpoint / RK4: ([^ \n]+)" _ "${output}")
set(ratio ${CMAKE_MATCH_1})
if(ratio STREQUAL "" OR NOT ratio LESS 0.3333)
  message(FATAL_ERROR "the net trained with the implicit midpoint rule drifts '${ratio}' times as "
                      "much as the one trained with RK4 (bound 1/3):\n${output}")
endif()

foreach(figure lambda energy)
  file(READ ${OUT}/${figure}.svg svg)
  string(FIND "${svg}" "<path class=" curve)
  if(curve EQUAL -1)
    message(FATAL_ERROR "${figure}.svg has no curve")
  endif()
endforeach()
