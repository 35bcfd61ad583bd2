// The continuous adjoint (Jit.h): the augmented field built as IR, compiled with
// compileSimulator, and integrated backward on the host between target steps.
#include "jit/Jit.h"

#include "autodiff/Derivative.h"
#include "ir/Builder.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace odec::jit {

ir::ModelIR continuousAdjointModel(const ir::ModelIR &model) {
  ir::ModelIR aug;
  aug.name = model.name + "_adjoint";
  aug.params = model.params;
  const int64_t D = model.stateDim();
  const int S = int(model.states.size());
  std::vector<ir::Expr> lambdas, wrt;
  aug.states = model.states;
  for (int k = 0; k < S; ++k) {
    const ir::ModelIR::Slot &s = model.states[size_t(k)];
    ir::Expr l = ir::variable("lambda_" + s.name, ir::VarRole::State, S + k, s.shape);
    aug.states.push_back({"lambda_" + s.name, s.shape, l, D + s.offset});
    lambdas.push_back(l);
    wrt.push_back(s.var);
  }
  for (size_t p = 0; p < model.params.size(); ++p) {
    const ir::ModelIR::Slot &q = model.params[p];
    ir::Expr bar = ir::variable(q.name + "_bar", ir::VarRole::State, 2 * S + int(p), q.shape);
    aug.states.push_back({q.name + "_bar", q.shape, bar, 2 * D + q.offset});
    wrt.push_back(q.var);
  }
  // λᵀ J = vjp(f, λ), for x and θ in one reverse sweep.
  std::vector<ir::Expr> lambdaJ = ad::vjp(model.ddt, lambdas, wrt);
  aug.ddt = model.ddt;
  for (const ir::Expr &g : lambdaJ)
    aug.ddt.push_back(ir::neg(g));
  return aug;
}

namespace {

class ContinuousAdjoint final : public LossGradient {
public:
  ContinuousAdjoint(const ir::ModelIR &model, const ButcherTableau &tableau,
                    const CompileOptions &options)
      : D_(model.stateDim()), P_(model.paramCount()),
        forward_(compileSimulator(model, tableau, options)),
        backward_(compileSimulator(continuousAdjointModel(model), tableau, options)) {}

  double operator()(const LossGradArgs &args) const override {
    // Named locals, not a structured binding: lambdas below capture them (C++20 allows
    // capturing bindings, clang 14 does not).
    const double *params = args.params, *x0 = args.x0, *targetWeights = args.targetWeights,
                 *targets = args.targets;
    const int64_t batch = args.batch, steps = args.steps, numTargets = args.numTargets;
    const int64_t *targetSteps = args.targetSteps;
    const double h = args.h;
    double *traj = args.traj, *gradParams = args.gradParams, *gradX0 = args.gradX0;
    forward_->function()(params, x0, traj, batch, steps, h, nullptr);
    const int64_t A = 2 * D_ + P_; // augmented state: [x, λ, θ̄]
    std::vector<double> aug(size_t(batch * A), 0.0), out;
    for (int64_t b = 0; b < batch; ++b)
      std::copy_n(traj + (b * (steps + 1) + steps) * D_, D_, &aug[size_t(b * A)]);

    double loss = 0;
    int64_t t = numTargets - 1;
    // λ jumps by ∂L/∂x_n = Σ_{t: s_t = n} 2 w_t (x_n − y_t), with x_n the computed state.
    auto jump = [&](int64_t n) {
      for (; t >= 0 && targetSteps[t] == n; --t)
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t d = 0; d < D_; ++d) {
            double diff =
                traj[(b * (steps + 1) + n) * D_ + d] - targets[(b * numTargets + t) * D_ + d];
            loss += targetWeights[t] * diff * diff;
            aug[size_t(b * A + D_ + d)] += 2 * targetWeights[t] * diff;
          }
    };
    jump(steps);
    for (int64_t n = steps; n > 0;) {
      // Integrate back to the next target step below n, at most kSegment steps at a time so the
      // segment's output stays small.
      int64_t end = std::max<int64_t>(n - kSegment, t >= 0 ? std::min(targetSteps[t], n - 1) : 0);
      end = std::max<int64_t>(end, 0);
      const int64_t m = n - end;
      out.resize(size_t(batch * (m + 1) * A));
      backward_->function()(params, aug.data(), out.data(), batch, m, -h, nullptr);
      for (int64_t b = 0; b < batch; ++b)
        std::copy_n(&out[size_t((b * (m + 1) + m) * A)], A, &aug[size_t(b * A)]);
      n = end;
      jump(n);
    }
    std::fill_n(gradParams, P_, 0.0);
    for (int64_t b = 0; b < batch; ++b) {
      std::copy_n(&aug[size_t(b * A + D_)], D_, gradX0 + b * D_);
      for (int64_t p = 0; p < P_; ++p)
        gradParams[p] += aug[size_t(b * A + 2 * D_ + p)];
    }
    return loss;
  }

private:
  static constexpr int64_t kSegment = 64;
  int64_t D_, P_;
  std::unique_ptr<CompiledSimulator> forward_, backward_;
};

} // namespace

std::unique_ptr<LossGradient> compileContinuousAdjoint(const ir::ModelIR &model,
                                                       const ButcherTableau &tableau,
                                                       const CompileOptions &options) {
  // Backward in time it would need the inputs at the reversed stage times, which the
  // exogenous layout (one row per forward stage) does not hold.
  if (!model.autonomous())
    throw std::invalid_argument("the continuous adjoint needs an autonomous model; model '" +
                                model.name +
                                "' reads the time or inputs: use the discrete adjoint");
  return std::make_unique<ContinuousAdjoint>(model, tableau, options);
}

} // namespace odec::jit
