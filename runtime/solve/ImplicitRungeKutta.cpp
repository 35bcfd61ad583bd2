#include "solve/ImplicitRungeKutta.h"

#include <fmt/format.h>

#include <cmath>

#include <utility>
#include <vector>

namespace odec {

NewtonFailure::NewtonFailure(const std::string &tableau, int64_t step, int64_t trajectory,
                             const StageSolve &solve)
    : std::runtime_error(fmt::format(
          "Newton's method {} at step {} of trajectory {} (tableau {}, {} iterations, residual "
          "{:.1e}); reduce the step h",
          std::isfinite(solve.residual) ? "did not converge" : "produced non-finite values",
          step, trajectory, tableau, solve.iterations, solve.residual)),
      step(step), trajectory(trajectory), residual(solve.residual) {}

ImplicitRungeKutta::ImplicitRungeKutta(PointField field, ButcherTableau tableau,
                                       NewtonTolerances tolerances)
    : field_(std::move(field)), tableau_(std::move(tableau)), tolerances_(tolerances) {}

void ImplicitRungeKutta::forward(NewtonStages &stages, const double *params, const double *x0,
                                 double *out, int64_t steps, double h, int64_t trajectory,
                                 NewtonStats &stats) const {
  const int64_t D = field_.stateDim;
  Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(stages.stages(), D), K(stages.stages(), D);
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(x0, D);
  Eigen::Map<Eigen::VectorXd>(out, D) = x;
  for (int64_t n = 0; n < steps; ++n) {
    StageSolve r = stages.solve(params, x, h, Z, K);
    if (!r.converged)
      throw NewtonFailure(tableau_.name, n + 1, trajectory + 1, r);
    stats.add(r.iterations, r.residual);
    x += h * K.transpose() * stages.b();
    Eigen::Map<Eigen::VectorXd>(out + (n + 1) * D, D) = x;
  }
}

NewtonStats ImplicitRungeKutta::simulate(const double *params, const double *x0, double *out,
                                         int64_t batch, int64_t steps, double h) const {
  const int64_t D = field_.stateDim;
  NewtonStages stages(field_, tableau_, tolerances_);
  NewtonStats stats;
  for (int64_t b = 0; b < batch; ++b)
    forward(stages, params, x0 + b * D, out + b * (steps + 1) * D, steps, h, b, stats);
  return stats;
}

double ImplicitRungeKutta::lossGradient(const LossGradArgs &args, NewtonStats *stats) const {
  // Named locals, not a structured binding: lambdas below capture them (C++20 allows
  // capturing bindings, clang 14 does not).
  const double *params = args.params, *x0 = args.x0, *targetWeights = args.targetWeights,
               *targets = args.targets;
  const int64_t batch = args.batch, steps = args.steps, numTargets = args.numTargets;
  const int64_t *targetSteps = args.targetSteps;
  const double h = args.h;
  double *traj = args.traj, *gradParams = args.gradParams, *gradX0 = args.gradX0;
  const int64_t D = field_.stateDim;
  double loss = 0;
  int64_t t = 0; // the next target of the current trajectory, downwards
  // ∂L/∂x_n for every target at step n; targets are sorted, so walk them backward.
  auto seed = [&](int64_t b, int64_t n, double *xBar) {
    if (n == steps)
      t = numTargets - 1;
    const double *xs = traj + (b * (steps + 1) + n) * D;
    for (; t >= 0 && targetSteps[t] == n; --t) {
      const double *y = targets + (b * numTargets + t) * D;
      for (int64_t d = 0; d < D; ++d) {
        const double diff = xs[d] - y[d];
        loss += targetWeights[t] * diff * diff;
        xBar[d] += 2 * targetWeights[t] * diff;
      }
    }
  };
  adjoint(params, x0, batch, steps, h, seed, traj, gradParams, gradX0, stats);
  return loss;
}

void ImplicitRungeKutta::vjp(const double *params, const double *x0, int64_t batch,
                             int64_t steps, double h, const double *cotangent, double *traj,
                             double *gradParams, double *gradX0, NewtonStats *stats,
                             bool trajGiven) const {
  const int64_t D = field_.stateDim;
  auto seed = [&](int64_t b, int64_t n, double *xBar) {
    const double *c = cotangent + (b * (steps + 1) + n) * D;
    for (int64_t d = 0; d < D; ++d)
      xBar[d] += c[d];
  };
  adjoint(params, x0, batch, steps, h, seed, traj, gradParams, gradX0, stats, trajGiven);
}

void ImplicitRungeKutta::adjoint(const double *params, const double *x0, int64_t batch,
                                 int64_t steps, double h, const Seed &seed, double *traj,
                                 double *gradParams, double *gradX0, NewtonStats *stats,
                                 bool trajGiven) const {
  const int64_t D = field_.stateDim, P = field_.paramCount;
  const int s = tableau_.stages;
  NewtonStages stages(field_, tableau_, tolerances_);
  NewtonStats local;
  Eigen::Map<Eigen::VectorXd> thetaBar(gradParams, P);
  thetaBar.setZero();
  Eigen::MatrixXd Z(s, D), K(s, D), adjointMatrix(s * D, s * D);
  Eigen::VectorXd x(D), xBar(D), rhs(s * D), mu(s * D), vjpX(D), vjpTheta(P);
  std::vector<Eigen::MatrixXd> J(size_t(s), Eigen::MatrixXd(D, D));
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> jac(D, D);
  for (int64_t b = 0; b < batch; ++b) {
    const double *xs = traj + b * (steps + 1) * D;
    if (!trajGiven)
      forward(stages, params, x0 + b * D, traj + b * (steps + 1) * D, steps, h, b, local);
    xBar.setZero();
    seed(b, steps, xBar.data());
    Z.setZero();
    for (int64_t n = steps - 1; n >= 0; --n) {
      x = Eigen::Map<const Eigen::VectorXd>(xs + n * D, D);
      StageSolve r = stages.solve(params, x, h, Z, K);
      if (!r.converged)
        throw NewtonFailure(tableau_.name, n + 1, b + 1, r);
      local.add(r.iterations, r.residual);
      // Block (i, j) of the adjoint system is δ_ij I − h a_ji J(Y_j)ᵀ.
      for (int j = 0; j < s; ++j) {
        Eigen::VectorXd y = x + Z.row(j).transpose();
        field_.jacobian(params, y.data(), jac.data());
        J[size_t(j)] = jac;
      }
      adjointMatrix.setIdentity();
      for (int i = 0; i < s; ++i) {
        rhs.segment(i * D, D) = (h * stages.b()(i)) * xBar;
        for (int j = 0; j < s; ++j)
          adjointMatrix.block(i * D, j * D, D, D) -=
              (h * stages.A()(j, i)) * J[size_t(j)].transpose();
      }
      mu = adjointMatrix.partialPivLu().solve(rhs);
      for (int j = 0; j < s; ++j) {
        Eigen::VectorXd y = x + Z.row(j).transpose();
        field_.vjp(params, y.data(), mu.data() + j * D, vjpX.data(), vjpTheta.data());
        xBar += vjpX;
        thetaBar += vjpTheta;
      }
      seed(b, n, xBar.data());
    }
    Eigen::Map<Eigen::VectorXd>(gradX0 + b * D, D) = xBar;
  }
  if (stats)
    stats->merge(local);
}

} // namespace odec
