// Shared pieces of the adjoint tests: the Hamiltonian network, a loss problem (initial
// states, targets at chosen steps) and its loss evaluated from a forward simulation only.
#pragma once

#include "../jit/JitTestSupport.h"

#include "autodiff/Derivative.h"

#include <vector>

namespace odec::testing {

constexpr int kHamiltonianH = 8;

/// H = sum(w2 .* tanh.(W1 * x .+ b1)), ddt(x) = J * gradient(H, x) with J = [0 1; -1 0]:
/// the field holds first derivatives of H, its adjoint second ones.
inline ir::ModelIR hamiltonianModel() {
  using ir::VarRole;
  constexpr int H = kHamiltonianH;
  ir::ModelIR m;
  m.name = "Hamiltonian";
  m.states = {slot("x", VarRole::State, 0, Shape::vector(2), 0)};
  m.params = {slot("W1", VarRole::Param, 0, Shape::matrix(H, 2), 0),
              slot("b1", VarRole::Param, 1, Shape::vector(H), 2 * H),
              slot("w2", VarRole::Param, 2, Shape::vector(H), 3 * H)};
  ir::Expr x = m.states[0].var;
  ir::Expr z = ir::unary(ir::Op::Tanh, ir::add(ir::matmul(m.params[0].var, x), m.params[1].var));
  ir::Expr energy = ir::sum(ir::mul(m.params[2].var, z));
  ir::Expr J = ir::constant(Shape::matrix(2, 2), {0, 1, -1, 0});
  m.ddt = {ir::matmul(J, ad::gradient(energy, x))};
  return m;
}

/// Initial states, targets y (B x T x D) at steps s_t and weights w_t.
struct LossProblem {
  int64_t batch, steps, D;
  double h;
  std::vector<int64_t> targetSteps;
  std::vector<double> weights, targets, x0;

  int64_t numTargets() const { return int64_t(targetSteps.size()); }

  /// Σ_t w_t Σ_{b,d} (x_{b,s_t,d} − y_{b,t,d})² from a forward trajectory (B x (N+1) x D).
  double loss(const std::vector<double> &traj) const {
    double L = 0;
    for (int64_t t = 0; t < numTargets(); ++t)
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t d = 0; d < D; ++d) {
          double diff = traj[size_t((b * (steps + 1) + targetSteps[size_t(t)]) * D + d)] -
                        targets[size_t((b * numTargets() + t) * D + d)];
          L += weights[size_t(t)] * diff * diff;
        }
    return L;
  }
};

/// A problem with the given target steps, random x0 and targets, weights 1/(T·B·D) scaled by
/// distinct factors so a wrong weight index shows.
inline LossProblem makeProblem(int64_t batch, int64_t steps, double h, int64_t D,
                               std::vector<int64_t> targetSteps, unsigned seed) {
  LossProblem p{batch, steps, D, h, std::move(targetSteps), {}, {}, {}};
  const int64_t T = p.numTargets();
  for (int64_t t = 0; t < T; ++t)
    p.weights.push_back((1.0 + 0.25 * double(t)) / double(T * batch * D));
  p.targets = randomVector(size_t(batch * T * D), seed, 1.5);
  p.x0 = randomVector(size_t(batch * D), seed + 1, 1.5);
  return p;
}

/// Loss and gradient from a LossGradient (discrete or continuous adjoint).
struct LossAndGradient {
  double loss;
  std::vector<double> traj, gradParams, gradX0;
};

inline LossAndGradient runAdjoint(const jit::LossGradient &lg, const LossProblem &p,
                                  const std::vector<double> &params) {
  LossAndGradient r{0, std::vector<double>(size_t(p.batch * (p.steps + 1) * p.D)),
                    std::vector<double>(params.size(), 12345.0),
                    std::vector<double>(size_t(p.batch * p.D), 12345.0)};
  r.loss =
      lg({params.data(), p.x0.data(), p.batch, p.steps, p.h, p.numTargets(), p.targetSteps.data(),
          p.weights.data(), p.targets.data(), r.traj.data(), r.gradParams.data(),
          r.gradX0.data()});
  return r;
}

/// ‖a − b‖ / ‖b‖ over the concatenation of both parts.
inline double relativeError(const std::vector<double> &a1, const std::vector<double> &a2,
                            const std::vector<double> &b1, const std::vector<double> &b2) {
  double num = 0, den = 0;
  for (size_t i = 0; i < b1.size(); ++i) {
    num += (a1[i] - b1[i]) * (a1[i] - b1[i]);
    den += b1[i] * b1[i];
  }
  for (size_t i = 0; i < b2.size(); ++i) {
    num += (a2[i] - b2[i]) * (a2[i] - b2[i]);
    den += b2[i] * b2[i];
  }
  return std::sqrt(num / den);
}

} // namespace odec::testing
