# The forecasting smoke test: run.sh with 20 epochs on 8 trajectories must finish, plot the
# forecast, and fit: best validation loss below 0.01 (the observation noise alone contributes
# σ² = 0.0004; this configuration reaches about 0.001) and a 15 s forecast RMSE below 0.2
# (about 0.05).
# cmake -DODEC=odec -DPLOT=forecast_plot -DSCRIPT=run.sh -DOUT=dir -P SmokeTest.cmake
file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${CMAKE_COMMAND} -E env ODEC=${ODEC} PLOT=${PLOT} OUT=${OUT}
                        EPOCHS=20 TRAJECTORIES=8 sh ${SCRIPT}
                RESULT_VARIABLE rc OUTPUT_VARIABLE output ERROR_VARIABLE errors)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "run.sh exited with ${rc}:\n${output}\n${errors}")
endif()

file(READ ${OUT}/run/summary.json summary)
string(JSON best GET "${summary}" best_loss)
if(NOT best LESS 0.01)
  message(FATAL_ERROR "best validation loss ${best} is not below 0.01")
endif()

string(REGEX MATCH "forecast RMSE over [0-9]+ samples: ([0-9.e+-]+)" _ "${output}")
set(rmse ${CMAKE_MATCH_1})
if(rmse STREQUAL "" OR NOT rmse LESS 0.2)
  message(FATAL_ERROR "forecast RMSE '${rmse}' is not below 0.2:\n${output}")
endif()

file(READ ${OUT}/forecast.svg svg)
string(FIND "${svg}" "class=\"forecast\"" forecast)
if(forecast EQUAL -1)
  message(FATAL_ERROR "forecast.svg has no forecast curve")
endif()
message(STATUS "forecasting smoke test: best validation loss ${best}, forecast RMSE ${rmse}")
