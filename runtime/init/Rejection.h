// Rejection initialization: draw every parameter from its prior, keep the first draw whose
// Jacobian spectrum satisfies |R(hλ)| ≤ margin at every operating point.
#pragma once

#include "init/InitProblem.h"
#include "init/Random.h"

namespace odec {

/// Up to problem.maxTries draws from `rng`. Throws InitFailure when none is accepted, with the
/// best max |R(hλ)| seen, the draw that reached it, and what to try instead.
StabilityInitResult rejectionInit(const StabilityInitProblem &problem, Random &rng);

} // namespace odec
