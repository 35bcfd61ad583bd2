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

} // namespace odec
