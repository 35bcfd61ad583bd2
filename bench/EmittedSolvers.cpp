// The registry of generated solvers: EmittedCases.inc, written by bench/CMakeLists.txt, has one
// ODEC_BENCH_EMITTED(model, tableau) line per case compiled from EmittedCase.cpp.
#include "EmittedSolvers.h"

#include <cstring>
#include <stdexcept>
#include <string>

namespace bench {

#define ODEC_BENCH_EMITTED(model, tableau) EmittedSolver emitted_##model##_##tableau();
#include "EmittedCases.inc"
#undef ODEC_BENCH_EMITTED

const EmittedSolver &emittedSolver(const char *model, const char *tableau) {
  static const EmittedSolver all[] = {
#define ODEC_BENCH_EMITTED(model, tableau) emitted_##model##_##tableau(),
#include "EmittedCases.inc"
#undef ODEC_BENCH_EMITTED
  };
  for (const EmittedSolver &s : all)
    if (std::strcmp(s.model, model) == 0 && std::strcmp(s.tableau, tableau) == 0)
      return s;
  throw std::out_of_range(std::string("no emitted solver for ") + model + " with " + tableau);
}

} // namespace bench
