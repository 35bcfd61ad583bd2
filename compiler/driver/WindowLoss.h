// The trainer's window loss (train/Trainer.h, WindowLossCallback) on the observation-time
// solver: what `odec train` uses for windows that fixed target steps cannot take (inputs, t,
// outputs, irregular times, missing values), shared with programs that drive the runtime
// trainer themselves (examples/teacher_student).
#pragma once

#include "odec/odec.h"
#include "train/Trainer.h"

namespace odec {

/// Each window of a mini-batch is solved with step h from its x0 at its t0, with its
/// trajectory's input samples, to its observation times; the loss is the weighted sum of
/// squared errors over the observed values. The callback holds `solver` (a shared handle).
WindowLossCallback observedWindowLoss(const ObservedSolver &solver, int64_t stateDim, double h);

/// Each window of a mini-batch is solved with adaptive steps from its x0 to its observation
/// times (AdaptiveSolver::loss: the discrete adjoint through the accepted steps). Windows whose
/// times lie at the same offsets from their start share one batched solve (an autonomous
/// model's solution depends on the offsets alone); a driven model's windows are solved at their
/// own times with their trajectory's inputs. The callback holds `solver`.
WindowLossCallback adaptiveWindowLoss(const AdaptiveSolver &solver, int64_t stateDim,
                                      bool driven, const AdaptiveSettings &settings);

} // namespace odec
