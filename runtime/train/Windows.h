// Multiple shooting: the training examples cut from observed trajectories.
//
// Every run of K+1 consecutive samples of a trajectory (K = the horizon) is one window: its
// first observed state is the initial state x0, and the next K observed states are the
// targets. Samples lie m training steps apart (TrajectoryData::stride), so a window is solved
// for K·m steps of size h and compared with its targets at steps m, 2m, …, K·m. A trajectory
// of S samples gives S − K windows. Short windows keep the gradient well conditioned (errors
// cannot compound over the whole trajectory) and every sample serves as a start once.
#pragma once

#include "io/TrajectoryData.h"

#include <cstdint>
#include <vector>

namespace odec {

struct WindowSet {
  int64_t stateDim = 0;             // D
  int64_t horizon = 0;              // K targets per window
  int64_t stride = 1;               // m: steps between targets
  std::vector<double> x0;           // count() x D
  std::vector<double> targets;      // count() x K x D
  std::vector<int64_t> targetSteps; // K entries: m, 2m, …, K·m

  int64_t count() const { return stateDim ? int64_t(x0.size()) / stateDim : 0; }
  /// Solver steps per window: K·m.
  int64_t steps() const { return horizon * stride; }
};

/// All windows of horizon K ≥ 1, trajectory by trajectory, in time order. Throws
/// std::invalid_argument for K < 1 or a trajectory shorter than K+1 samples (the loader's
/// TrajectoryGrid::minSamples = K+1 reports that with the file's location first).
WindowSet makeWindows(const TrajectoryData &data, int64_t horizon);

} // namespace odec
