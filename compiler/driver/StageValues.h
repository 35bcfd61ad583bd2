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

/// Where every step of a batch lies in time when the steps are not all h: step n of trajectory
/// b starts at start[b·steps + n] and lasts length[b·steps + n] (≥ 0).
struct StepTimes {
  std::vector<double> start, length;
};

/// exo for steps that lie as `times` says, for a model scaled by ir::withStepScale (whose α is
/// length / h): stage i of step n of trajectory b at start + c_i·length. The drive's start
/// times are unread (the steps carry them); its inputs must cover every trajectory's steps.
std::vector<double> stageValues(const ir::ModelIR &scaled, const ButcherTableau &tableau,
                                int64_t batch, int64_t steps, double h, const Drive &drive,
                                const StepTimes &times);

/// The (unscaled) model's exogenous values at `times` for trajectory b of the drive (its
/// inputs, or the one set for all): times.size() x exoDim, row-major; t, then the inputs from
/// the right (what the step starting there reads). Empty for an autonomous model.
std::vector<double> exogenousAt(const ir::ModelIR &model, const Drive &drive, int64_t b,
                                const std::vector<double> &times);

} // namespace odec
