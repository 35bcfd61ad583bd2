// The exogenous values a non-autonomous model's solve reads (SolverAbi.h, exo): each stage's
// time and inputs, computed on the host before the compiled solver runs. Interpolating here
// keeps the fused solvers free of search loops and of per-trajectory signal tables, and the
// same buffer serves the forward solve, its adjoint and the C++ path alike.
#pragma once

#include "ir/Model.h"
#include "odec/odec.h"
#include "tableau/ButcherTableau.h"

#include <vector>

namespace odec {

/// exo for `batch` trajectories of `steps` steps of h: stage i of step n of trajectory b at
/// time t0_b + (n + c_i) h, then the inputs there (a Hold input from the left for c_i > 0:
/// Signal::Side). Empty for an autonomous model (whose drive
/// must be empty). Throws std::invalid_argument naming the trajectory for a drive of the wrong
/// shape, non-finite start times, bad samples (Signal's checks) and inputs that do not cover
/// [t0_b, t0_b + steps·h].
std::vector<double> stageValues(const ir::ModelIR &model, const ButcherTableau &tableau,
                                int64_t batch, int64_t steps, double h, const Drive &drive);

} // namespace odec
