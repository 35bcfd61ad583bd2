// Observed trajectories for training: files of states (or outputs) sampled over time.
//
// CSV (`.csv`): a header `traj,t,<state columns>` and one row per sample, e.g.
//   traj,t,x[1],x[2]
//   1,0,1.0,0.0
//   1,0.1,0.98,0.1
//   2,0,-0.5,0.3
// The state columns must be exactly the model's, in order. `traj` is an integer id; the rows
// of one trajectory are contiguous and in increasing time. The `traj` column may be left out
// for a single trajectory (`t,x[1],x[2]`, what `odec simulate` prints for one initial state).
// A model with `output` lines adds its output columns after the state's (`y[1]`, ...), a model
// with inputs its input columns after those (`u[1]`, ...): `traj,t,<state>,<outputs>,<inputs>`.
//
// NPY (`.npy`, NumPy's format version 1, 2 or 3): a little-endian float64 array in C order of
// shape (K, T, C): K trajectories, T samples each, and per sample the time followed by the
// columns in the CSV's order (C = 1 + D + outputs + inputs); or (T, C) for one trajectory.
// Trajectory ids are then 1..K.
//
// Loading checks the times: strictly increasing within a trajectory, and, unless the grid
// allows irregular times, on a uniform grid t_k = t_0 + k·m·h for one integer stride m ≥ 1
// shared by the whole file (the sample interval is m training steps), each to within
// 1e-9·max(1, |t_k|). Irregular data (TrajectoryGrid::irregular) that is not on such a grid
// loads with stride 0. Where TrajectoryGrid::allowMissing holds, state and output values may be
// missing (an empty CSV field, `nan`, `NaN` or `NA`; NaN in NPY), loaded as NaN; inputs never.
// Every trajectory has at least `minSamples` samples. Every problem is a FileError: with line,
// column and the offending line under a caret for CSV, with trajectory and sample numbers for
// NPY.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace odec {

/// One observed trajectory: times[k] and the state row states[k*D .. k*D+D).
struct Trajectory {
  int64_t id = 0;
  std::vector<double> times;
  std::vector<double> states;
  std::vector<double> outputs; // samples x outputColumns (empty without)
  std::vector<double> inputs;  // samples x inputColumns (empty without)
  int64_t samples() const { return int64_t(times.size()); }
};

struct TrajectoryData {
  std::vector<std::string> stateColumns; // D names, the model's order
  std::vector<std::string> outputColumns, inputColumns;
  std::vector<Trajectory> trajectories;
  double step = 0;    // the training step h the grid was checked against
  int64_t stride = 1; // m: training steps per sample interval; 0: irregular times
  int64_t stateDim() const { return int64_t(stateColumns.size()); }
};

/// What the loader checks the file against.
struct TrajectoryGrid {
  std::vector<std::string> stateColumns; // the model's state columns, in order
  double step = 0;                       // the training step h > 0
  int64_t minSamples = 2;                // per trajectory (a window of horizon K needs K+1)
  std::vector<std::string> outputColumns; // after the state's (a model with outputs)
  std::vector<std::string> inputColumns;  // after those (a model with inputs)
  bool irregular = false;    // times off a uniform grid load with stride 0 instead of failing
  bool allowMissing = false; // state and output values may be missing (NaN)
};

/// Parses CSV text (`file` names it in messages).
TrajectoryData parseTrajectoryCsv(const std::string &text, const std::string &file,
                                  const TrajectoryGrid &grid);
/// Parses the bytes of an NPY file.
TrajectoryData parseTrajectoryNpy(const std::string &bytes, const std::string &file,
                                  const TrajectoryGrid &grid);
/// Reads a file, choosing the format by its extension (`.npy`, otherwise CSV).
TrajectoryData loadTrajectories(const std::string &path, const TrajectoryGrid &grid);

/// The CSV text of trajectories (`traj,t,<columns>`, shortest round-trip numbers).
std::string trajectoriesToCsv(const TrajectoryData &data);
/// The bytes of an NPY file of shape (K, T, 1+D). Throws std::invalid_argument when the
/// trajectories do not all have the same number of samples.
std::string trajectoriesToNpy(const TrajectoryData &data);

} // namespace odec
