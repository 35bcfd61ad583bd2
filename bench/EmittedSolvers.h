// The second contender of the bench suite: the C++ that `odec emit-cpp` writes for each
// workload and tableau, generated at build time and compiled with -O3 -march=native
// (bench/CMakeLists.txt). Each header is compiled in its own translation unit
// (EmittedCase.cpp), since every header of one model declares the same namespace; this
// registry exposes them behind the JIT's flat-array ABIs so the suite calls all contenders alike.
#pragma once

#include "support/SolverAbi.h"

#include <cstdint>

namespace bench {

/// jit::SimulateFn's contract (params flat, x0 B x D, out B x (N+1) x D).
using EmittedSimulateFn = void (*)(const double *params, const double *x0, double *out,
                                   int64_t batch, int64_t steps, double h, const double *exo);

struct EmittedSolver {
  const char *model, *tableau;
  EmittedSimulateFn simulate;
  odec::LossGradFn lossGrad; // gradParams: the flat parameter gradient
};

/// The generated solver for a workload and tableau; throws std::out_of_range when the build
/// generated none (bench/CMakeLists.txt lists the cases).
const EmittedSolver &emittedSolver(const char *model, const char *tableau);

} // namespace bench
