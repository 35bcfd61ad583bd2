// The state Jacobian ∂f/∂x of a model as the runtime's JacobianFn (init/InitProblem.h): the
// bridge through which stability-informed initialization, which knows no compiler, sees the
// model. The full D×D matrix over all states is assembled from the symbolic blocks
// ad::jacobian(ddt(s_i), s_j) (driver/Derive.h), JIT-compiled once as a point function.
#pragma once

#include "init/InitProblem.h"
#include "ir/Model.h"
#include "jit/Jit.h"

namespace odec {

/// Throws std::invalid_argument when a state is a matrix (the Jacobian is defined over Real
/// and Vector states). A driven model is linearized at the exogenous values the callback is
/// given (t = 0 and zero inputs when it is given none). The callback keeps the compiled code
/// alive and may be called from several threads at once.
JacobianFn stateJacobian(const ir::ModelIR &model, const jit::CompileOptions &options = {});

} // namespace odec
