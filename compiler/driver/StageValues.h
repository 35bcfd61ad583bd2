// The exogenous values a non-autonomous model's solve reads (SolverAbi.h, exo): each stage's
// time and inputs, computed on the host before the compiled solver runs. Interpolating here
// keeps the fused solvers free of search loops and of per-trajectory signal tables, and the
// same buffer serves the forward solve, its adjoint and the C++ path alike.
#pragma once

#include "ir/Model.h"
#include "odec/odec.h"
#include "signal/Signal.h"
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

/// A drive's input signals (one set for every trajectory, or one each), read at any time: what
/// an adaptive solve's stages read while they step, their times unknown beforehand. The
/// constructor checks the drive as stageValues does (its start times must be empty: an
/// adaptive solve starts at its first output time).
class DriveSignals {
public:
  DriveSignals(const ir::ModelIR &model, const Drive &drive, int64_t batch);
  /// Throws std::invalid_argument naming the input and the trajectory when its samples do not
  /// cover [t0, t1].
  void requireCoverage(int64_t b, double t0, double t1) const;
  /// row[0] = t, then trajectory b's inputs at t (a held one from the left when `left`): the
  /// model's exoDim() values. Throws std::out_of_range outside the coverage.
  void evaluate(int64_t b, double t, bool left, double *row) const;
  /// Where trajectory b's inputs are not smooth inside (t0, t1): the sample times of its Hold
  /// inputs (jumps) and Linear ones (kinks), increasing, each farther than the signals'
  /// tolerance from t0, t1 and the one before. An adaptive solve ends steps there: a step
  /// across a jump has an error its pair cannot estimate.
  std::vector<double> breaks(int64_t b, double t0, double t1) const;

private:
  const std::vector<Signal> &of(int64_t b) const {
    return signals_[signals_.size() == 1 ? 0 : size_t(b)];
  }
  const ir::ModelIR *model_;
  std::vector<std::vector<Signal>> signals_; // one set, or one per trajectory
};

} // namespace odec
