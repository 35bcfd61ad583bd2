// Adam (Kingma & Ba, 2015) with optional clipping of the gradient's global norm.
//
// One step with gradient g (first clipped: g ← g·C/‖g‖ when ‖g‖ > C > 0):
//   t ← t + 1
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
// The state is plain data so a checkpoint can store and restore it exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace odec {

struct AdamConfig {
  double learningRate = 1e-3; // η
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double clipNorm = 0; // C; 0 = no clipping
};

struct AdamState {
  std::vector<double> m, v; // first and second moment estimates, one per parameter
  int64_t step = 0;         // t: steps taken
};

/// Applies one step to `params` in place; `state` is sized on first use. Returns ‖g‖ before
/// clipping. Throws std::invalid_argument when the sizes disagree.
double adamStep(const AdamConfig &config, AdamState &state, std::vector<double> &params,
                const std::vector<double> &grad);

} // namespace odec
