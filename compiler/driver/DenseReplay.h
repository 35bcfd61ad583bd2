// The discrete adjoint of an adaptive solve's dense output: the loss compares the states the
// solve outputs between its step ends (x_n + Σ_i w_i(θ) h K_i, SolverPlan::dense), and its
// gradient is that of exactly those values through the accepted steps, their sizes held fixed.
// The observation-time solver's fused VJP replays the accepted steps from their recorded end
// states (ObservedSolveImpl.h), each trajectory on its own steps, and each output seeds the
// cotangents of its step's stage increments (kVjpFromTrajectoryWithStages) besides its start
// state's. A weight on the pair's last FSAL stage or on the Hermite interpolant's f(x_{n+1})
// seeds the next step's first stage, which is f(x_{n+1}) too (the fixed-step replay does not
// compute an FSAL stage; after a trajectory's last step, a step of 2^-10 of its length taken
// backward carries it, inside the interval the inputs cover). Trajectories are replayed in
// groups of one chunk's lanes sorted by their number of steps, so a chunk replays as many
// steps as its longest trajectory took, not the batch's.
#pragma once

#include "ir/Model.h"
#include "odec/odec.h"
#include "tableau/ButcherTableau.h"

#include <cstdint>
#include <vector>

namespace odec {

/// Whether replayDense differentiates this pair's dense output for the model: every stage
/// the output weighs is one the replay computes, or f(x_{n+1}) (an FSAL last stage, the
/// Hermite end slope), which a driven model must read the same from either side of t_{n+1}:
/// no held input.
bool denseReplayable(const ir::ModelIR &model, const ButcherTableau &pair);

/// What an adaptive solve recorded of its accepted steps (AdaptiveCodegen.h): per trajectory
/// `capacity` rows of 1 + D values (length, negated on the last output time, then the state
/// the step reached) or, without states, of the length alone.
struct RecordedSteps {
  const std::vector<double> &rows;
  int64_t capacity;
  bool states;
  const std::vector<int64_t> &accepted;
};

// The replay itself is ObservedSolver::Impl::replayDense (ObservedSolveImpl.h).

} // namespace odec
