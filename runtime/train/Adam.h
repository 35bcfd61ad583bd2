// Adam (Kingma & Ba, 2015) and NAdam (Dozat, 2016: Adam with Nesterov momentum) with optional
// clipping of the gradient's global norm.
//
// One step with gradient g (first clipped: g ← g·C/‖g‖ when ‖g‖ > C > 0):
//   t ← t + 1
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²,   v̂ = v / (1 − β2^t)
//   Adam:  θ ← θ − η·m̂ / (√v̂ + ε),  m̂ = m / (1 − β1^t)
//   NAdam: μ_k = β1·(1 − ½·0.96^(k·ψ)) (momentum decay ψ), P_t = μ_1···μ_t,
//          θ ← θ − η·(1 − μ_t)/(1 − P_t)·g/(√v̂ + ε) − η·μ_{t+1}/(1 − P_t·μ_{t+1})·m/(√v̂ + ε)
//          (Dozat's update, as PyTorch 2's torch.optim.NAdam computes it; PyTorch 1.13's has an
//          extra factor μ_t in the second denominator).
// The state is plain data so a checkpoint can store and restore it exactly; P_t is not stored
// but multiplied up again from t in the same order, so a resumed run continues bit-identically.
#pragma once

#include <cstdint>
#include <vector>

namespace odec {

enum class Optimizer { Adam, NAdam };

struct AdamConfig {
  Optimizer optimizer = Optimizer::Adam;
  double learningRate = 1e-3; // η
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double clipNorm = 0; // C; 0 = no clipping
  double momentumDecay = 4e-3; // ψ (NAdam)
};

struct AdamState {
  std::vector<double> m, v; // first and second moment estimates, one per parameter
  int64_t step = 0;         // t: steps taken
  /// NAdam's P = μ_1···μ_k for k = muProductSteps (recomputed from 0 when it is behind t).
  double muProduct = 1;
  int64_t muProductSteps = 0;
};

/// Applies one step to `params` in place; `state` is sized on first use. Returns ‖g‖ before
/// clipping. Throws std::invalid_argument when the sizes disagree.
double adamStep(const AdamConfig &config, AdamState &state, std::vector<double> &params,
                const std::vector<double> &grad);

} // namespace odec
