#include "train/Windows.h"

#include <stdexcept>
#include <string>

namespace odec {

WindowSet makeWindows(const TrajectoryData &data, int64_t horizon) {
  if (horizon < 1)
    throw std::invalid_argument("the horizon must be at least 1");
  WindowSet w;
  w.stateDim = data.stateDim();
  w.horizon = horizon;
  w.stride = data.stride;
  for (int64_t k = 1; k <= horizon; ++k)
    w.targetSteps.push_back(k * data.stride);
  const size_t D = size_t(w.stateDim);
  for (const Trajectory &tr : data.trajectories) {
    if (tr.samples() < horizon + 1)
      throw std::invalid_argument("trajectory " + std::to_string(tr.id) + " has " +
                                  std::to_string(tr.samples()) + " samples; a window of horizon " +
                                  std::to_string(horizon) + " needs " +
                                  std::to_string(horizon + 1));
    for (int64_t s = 0; s + horizon < tr.samples(); ++s) {
      auto at = [&](int64_t k) { return tr.states.begin() + long(size_t(k) * D); };
      w.x0.insert(w.x0.end(), at(s), at(s + 1));
      w.targets.insert(w.targets.end(), at(s + 1), at(s + horizon + 1));
    }
  }
  return w;
}

} // namespace odec
