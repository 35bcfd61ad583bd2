// ObservedSolver's state (odec.h), shared with the adaptive solver, whose gradient replays its
// accepted steps as a step plan of the observation-time solver.
#pragma once

#include "odec/odec.h"

#include "driver/DenseReplay.h"
#include "driver/ModelImpl.h"
#include "driver/StageValues.h"

#include <memory>
#include <optional>
#include <vector>

namespace odec {

/// How a batch steps to its observation times, in lockstep: observation k of every trajectory
/// is due after step observedAt[k]; StepTimes says where each step lies (steps of length 0 pad
/// a trajectory that needs fewer).
struct ObservationSteps {
  int64_t steps = 0;
  std::vector<int64_t> observedAt;
  StepTimes times;
};

/// The `output` lines as point functions: y = g(x, θ, e) and (x̄, θ̄) = ȳᵀ ∂g/∂(x, θ). Only
/// the parameters the outputs read are arguments (a read-out reads a matrix, not the field's
/// weights), so a call copies D + P_g + E + O values.
struct OutputCode {
  std::unique_ptr<jit::CompiledFunction> value, vjp;
  std::vector<const ir::ModelIR::Slot *> params; // the parameters the outputs read
  int64_t paramElements = 0;
};

/// Buffers ObservedSolver::Impl::observe reuses from one observation to the next.
struct ObservationScratch {
  std::vector<double> point, y, ybar, bar;
};

struct ObservedSolver::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::string tableau;
  ir::ModelIR scaled;
  jit::CompiledVjpSolvers solvers;
  std::optional<OutputCode> outputs; // none: the state is observed

  int64_t observedDim() const {
    return outputs ? outputs->value->outputSize() : model->ir.stateDim();
  }

  /// The solve (its loss and gradient when weight is set) stepping as `plan` says, or as
  /// planSteps makes it when null. With `traj` (B x (steps+1) x D, the plan's states as an
  /// earlier solve computed them) nothing is solved: the loss and the reverse sweep start
  /// from those states.
  /// One observation of state x (exo: the exogenous values at its time, read by outputs):
  /// appends the observed quantities to r.observed; with weight, adds the squared errors
  /// against `values` (observedDim(), NaN: missing) times *weight to r.loss and r.count, their
  /// gradient with respect to x to xbar (stateDim()) and, through the outputs, with respect to
  /// their parameters to outputGrad (paramCount()).
  void observe(const double *x, const std::vector<double> &params, const double *exo,
               const double *values, const double *weight, Result &r, double *xbar,
               std::vector<double> &outputGrad, ObservationScratch &scratch) const;

  /// The mean squared error of what an adaptive solve output at times[1…] (loss.states;
  /// observed through the outputs) against values (batch x (times − 1) x observedDim(), NaN:
  /// missing), and its gradient with respect to params and x0 through the recorded steps,
  /// into loss (DenseReplay.h).
  void replayDense(const std::vector<double> &params, const std::vector<double> &x0,
                   const std::vector<double> &times, const std::vector<double> &values,
                   const Drive &drive, const RecordedSteps &steps,
                   AdaptiveSolver::Loss &loss) const;

  Result run(const std::vector<double> &params, const std::vector<double> &x0, double h,
             const std::vector<Observations> &obs, const Drive &drive, const double *weight,
             const ObservationSteps *plan = nullptr,
             const std::vector<double> *traj = nullptr) const;
};

} // namespace odec
