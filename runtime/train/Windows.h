// Multiple shooting: the training examples cut from observed trajectories.
//
// Every run of K+1 consecutive samples of a trajectory (K = the horizon) is one window: its
// first observed state is the initial state x0, and the next K observed states are the
// targets. Samples lie m training steps apart (TrajectoryData::stride), so a window is solved
// for K·m steps of size h and compared with its targets at steps m, 2m, …, K·m. A trajectory
// of S samples gives S − K windows. Short windows keep the gradient well conditioned (errors
// cannot compound over the whole trajectory) and every sample serves as a start once.
//
// Irregular times (stride 0), outputs, inputs and missing values: a window's x0 is still the
// state at its first sample (a window whose first sample misses a state value is left out),
// its targets are the observed columns
// (the outputs, else the state) of the next K samples, NaN where missing, at their own times;
// such windows are solved by the observation-time solver, not at fixed target steps.
#pragma once

#include "io/TrajectoryData.h"

#include <cstdint>
#include <vector>

namespace odec {

struct WindowSet {
  int64_t stateDim = 0;             // D
  int64_t observedDim = 0;          // O: the targets' columns (D when the state is observed)
  int64_t horizon = 0;              // K targets per window
  int64_t stride = 1;               // m: steps between targets; 0: irregular times
  std::vector<double> x0;           // count() x D
  std::vector<double> targets;      // count() x K x O, NaN where missing
  std::vector<int64_t> targetSteps; // K entries: m, 2m, …, K·m (empty for irregular times)
  std::vector<double> t0;           // count(): the time of each window's x0
  std::vector<double> times;        // count() x K: the targets' times
  std::vector<int64_t> source;      // count(): the window's trajectory (an index of inputs)
  /// Per trajectory of the data, its input samples (empty without inputs): the times and
  /// samples x inputs values.
  std::vector<std::vector<double>> inputTimes, inputValues;
  bool missing = false; // some target is NaN
  int64_t skipped = 0;   // windows left out: a state value of their first sample is missing

  int64_t count() const { return stateDim ? int64_t(x0.size()) / stateDim : 0; }
  /// Solver steps per window: K·m.
  int64_t steps() const { return horizon * stride; }
};

/// All windows of horizon K ≥ 1, trajectory by trajectory, in time order. Throws
/// std::invalid_argument for K < 1, a trajectory shorter than K+1 samples (the loader's
/// TrajectoryGrid::minSamples = K+1 reports that with the file's location first), or when every
/// window's first sample misses a state value.
WindowSet makeWindows(const TrajectoryData &data, int64_t horizon);

} // namespace odec
