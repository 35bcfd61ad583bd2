#include "driver/WindowLoss.h"

#include <algorithm>
#include <map>

namespace odec {

WindowLossCallback observedWindowLoss(const ObservedSolver &solver, int64_t stateDim, double h) {
  return [solver, D = size_t(stateDim), h](const WindowSet &w, const std::vector<double> &params,
                                           const int64_t *windows, int64_t n, double weight,
                                           double *grad) {
    const size_t K = size_t(w.horizon), O = size_t(w.observedDim);
    std::vector<double> x0;
    std::vector<Observations> obs(static_cast<size_t>(n));
    Drive drive;
    for (int64_t b = 0; b < n; ++b) {
      const size_t i = size_t(windows[b]);
      x0.insert(x0.end(), w.x0.begin() + long(i * D), w.x0.begin() + long((i + 1) * D));
      obs[size_t(b)].times.assign(w.times.begin() + long(i * K),
                                  w.times.begin() + long((i + 1) * K));
      obs[size_t(b)].values.assign(w.targets.begin() + long(i * K * O),
                                   w.targets.begin() + long((i + 1) * K * O));
      drive.t0.push_back(w.t0[i]);
      const size_t source = size_t(w.source[i]);
      if (!w.inputTimes[source].empty())
        drive.inputs.push_back({w.inputTimes[source], w.inputValues[source]});
    }
    const ObservedSolver::Result r = solver.weightedLoss(params, x0, h, obs, drive, weight);
    std::copy(r.gradParams.begin(), r.gradParams.end(), grad);
    return r.loss;
  };
}

WindowLossCallback adaptiveWindowLoss(const AdaptiveSolver &solver, int64_t stateDim,
                                      bool driven, const AdaptiveSettings &settings) {
  return [solver, D = size_t(stateDim), driven, settings](
             const WindowSet &w, const std::vector<double> &params, const int64_t *windows,
             int64_t n, double weight, double *grad) {
    const size_t K = size_t(w.horizon), O = size_t(w.observedDim);
    // (times, the trajectory whose inputs drive them) -> windows
    std::map<std::pair<std::vector<double>, int64_t>, std::vector<size_t>> groups;
    for (int64_t b = 0; b < n; ++b) {
      const size_t i = size_t(windows[b]);
      const double start = driven ? w.t0[i] : 0.0;
      std::vector<double> times = {start};
      for (size_t k = 0; k < K; ++k)
        times.push_back(driven ? w.times[i * K + k] : w.times[i * K + k] - w.t0[i]);
      groups[{times, driven ? w.source[i] : -1}].push_back(i);
    }
    std::fill(grad, grad + params.size(), 0.0);
    double loss = 0;
    for (const auto &[key, members] : groups) {
      std::vector<double> x0, values;
      for (size_t i : members) {
        x0.insert(x0.end(), w.x0.begin() + long(i * D), w.x0.begin() + long((i + 1) * D));
        values.insert(values.end(), w.targets.begin() + long(i * K * O),
                      w.targets.begin() + long((i + 1) * K * O));
      }
      Drive drive;
      const int64_t source = key.second;
      if (source >= 0 && !w.inputTimes[size_t(source)].empty())
        drive.inputs.push_back({w.inputTimes[size_t(source)], w.inputValues[size_t(source)]});
      const AdaptiveSolver::Loss r = solver.loss(params, x0, key.first, values, settings, drive);
      // r.loss is the mean over its r.count values; the callback's, a weighted sum.
      const double scale = weight * double(r.count);
      loss += scale * r.loss;
      for (size_t p = 0; p < params.size(); ++p)
        grad[p] += scale * r.gradParams[p];
    }
    return loss;
  };
}

} // namespace odec
