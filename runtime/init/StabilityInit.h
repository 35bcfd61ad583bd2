// Stability-informed initialization, the entry point: validates the problem and runs the
// chosen strategy (init/Rejection.h, init/Placement.h) on a generator seeded with the user's
// seed, so the same seed gives bit-identical parameters on every run.
#pragma once

#include "init/InitProblem.h"

#include <cstdint>

namespace odec {

/// Throws std::invalid_argument for an inconsistent problem and InitFailure when the
/// constraint cannot be met.
StabilityInitResult stabilityInitialize(const StabilityInitProblem &problem, uint64_t seed);

} // namespace odec
