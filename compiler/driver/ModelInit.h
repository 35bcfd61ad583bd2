// Stability-informed initialization of a compiled model: composes the runtime's problem
// (init/InitProblem.h) from the model's layout, its JIT-compiled state Jacobian and the
// settings of its `init` block (or settings given by the host).
#pragma once

#include "driver/Compilation.h"
#include "init/InitProblem.h"
#include "ir/Model.h"
#include "jit/Jit.h"

namespace odec {

/// The init block for `model`, or null when the program has none.
const sema::CheckedInit *findInit(const Compilation &c, const std::string &model);

/// The operating points of the init block's `at` lines (see CheckedInit::operatingPoints):
/// flat states, and for a driven model its exogenous values there (t, then the inputs, as
/// ir::ModelIR::exogenous lays them out; what a point does not name is 0). The origin, at
/// t = 0 with zero inputs, when there are none.
struct InitPoints {
  std::vector<std::vector<double>> states;
  std::vector<std::vector<double>> exogenous; // empty for an autonomous model
};
InitPoints initOperatingPoints(const sema::CheckedModel &m, const ir::ModelIR &ir,
                               const sema::CheckedInit &init);

/// What is fixed by the model alone: parameter layout, state and exogenous dimensions and
/// Jacobian (compiled with `options`). The solver settings and operating points are the
/// caller's to fill.
StabilityInitProblem modelInitProblem(const sema::CheckedModel &m, const ir::ModelIR &ir,
                                      const jit::CompileOptions &options = {});

} // namespace odec
