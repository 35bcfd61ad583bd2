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

/// The flat operating points of the init block's `at` lines (see CheckedInit::operatingPoints);
/// the origin when there are none.
std::vector<std::vector<double>> initOperatingPoints(const sema::CheckedModel &m,
                                                     const sema::CheckedInit &init);

/// What is fixed by the model alone: parameter layout, state dimension and Jacobian (compiled
/// with `options`). The solver settings and operating points are the caller's to fill.
StabilityInitProblem modelInitProblem(const sema::CheckedModel &m, const ir::ModelIR &ir,
                                      const jit::CompileOptions &options = {});

/// modelInitProblem with every setting of the model's init block (the solver's stability
/// function through Compilation::tableau).
StabilityInitProblem initBlockProblem(const Compilation &c, const sema::CheckedModel &m,
                                      const ir::ModelIR &ir, const sema::CheckedInit &init);

} // namespace odec
