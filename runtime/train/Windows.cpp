#include "train/Windows.h"


#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace odec {

WindowSet makeWindows(const TrajectoryData &data, int64_t horizon) {
  if (horizon < 1)
    throw std::invalid_argument("the horizon must be at least 1");
  WindowSet w;
  w.stateDim = data.stateDim();
  const bool outputs = !data.outputColumns.empty();
  w.observedDim = outputs ? int64_t(data.outputColumns.size()) : w.stateDim;
  w.horizon = horizon;
  w.stride = data.stride;
  for (int64_t k = 1; data.stride > 0 && k <= horizon; ++k)
    w.targetSteps.push_back(k * data.stride);
  const size_t D = size_t(w.stateDim), O = size_t(w.observedDim);
  for (size_t j = 0; j < data.trajectories.size(); ++j) {
    const Trajectory &tr = data.trajectories[j];
    if (tr.samples() < horizon + 1)
      throw std::invalid_argument("trajectory " + std::to_string(tr.id) + " has " +
                                  std::to_string(tr.samples()) + " samples; a window of horizon " +
                                  std::to_string(horizon) + " needs " +
                                  std::to_string(horizon + 1));
    const std::vector<double> &observed = outputs ? tr.outputs : tr.states;
    for (int64_t s = 0; s + horizon < tr.samples(); ++s) {
      const auto start = tr.states.begin() + long(size_t(s) * D);
      if (std::any_of(start, start + long(D), [](double v) { return std::isnan(v); })) {
        ++w.skipped;
        continue;
      }
      w.x0.insert(w.x0.end(), start, start + long(D));
      const auto first = observed.begin() + long(size_t(s + 1) * O);
      w.targets.insert(w.targets.end(), first, first + long(size_t(horizon) * O));
      w.t0.push_back(tr.times[size_t(s)]);
      w.times.insert(w.times.end(), tr.times.begin() + s + 1, tr.times.begin() + s + 1 + horizon);
      w.source.push_back(int64_t(j));
    }
    w.inputTimes.push_back(data.inputColumns.empty() ? std::vector<double>() : tr.times);
    w.inputValues.push_back(tr.inputs);
  }
  if (w.count() == 0 && w.skipped > 0)
    throw std::invalid_argument("every window starts at a sample whose state is incomplete: a "
                                "window's first sample gives its x0, so it needs every state "
                                "value");
  for (double v : w.targets)
    w.missing = w.missing || std::isnan(v);
  return w;
}

} // namespace odec
