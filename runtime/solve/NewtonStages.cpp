#include "solve/NewtonStages.h"

#include <algorithm>
#include <cmath>

namespace odec {

void NewtonStats::add(int iterations, double residual) {
  ++solves;
  totalIterations += iterations;
  maxIterations = std::max(maxIterations, iterations);
  maxResidual = std::max(maxResidual, residual);
}

void NewtonStats::merge(const NewtonStats &o) {
  solves += o.solves;
  totalIterations += o.totalIterations;
  maxIterations = std::max(maxIterations, o.maxIterations);
  maxResidual = std::max(maxResidual, o.maxResidual);
}

NewtonStages::NewtonStages(const PointField &field, const ButcherTableau &tableau,
                           const NewtonTolerances &tolerances)
    : field_(field), tol_(tolerances), s_(tableau.stages), D_(field.stateDim),
      stageByStage_(SolverPlan::of(tableau).kind == SolverPlan::Kind::DiagonallyImplicit),
      A_(tableau.stages, tableau.stages), b_(tableau.stages), y_(field.stateDim),
      jac_(field.stateDim, field.stateDim), M_(s_ * D_, s_ * D_), G_(s_ * D_), dZ_(s_ * D_) {
  for (int i = 0; i < s_; ++i) {
    b_(i) = tableau.b[size_t(i)].value;
    for (int j = 0; j < s_; ++j)
      A_(i, j) = tableau.a(i, j);
  }
}

double NewtonStages::evaluate(const double *params, const Eigen::VectorXd &x, double h,
                              const Eigen::MatrixXd &Z, Eigen::MatrixXd &K) {
  for (int j = 0; j < s_; ++j) {
    y_ = x + Z.row(j).transpose();
    Eigen::VectorXd k(D_);
    field_.field(params, y_.data(), k.data());
    K.row(j) = k.transpose();
  }
  const Eigen::MatrixXd G = Z - h * A_ * K;
  for (int i = 0; i < s_; ++i)
    G_.segment(i * D_, D_) = G.row(i).transpose();
  return G_.cwiseAbs().maxCoeff();
}

StageSolve NewtonStages::solve(const double *params, const Eigen::VectorXd &x, double h,
                               Eigen::MatrixXd &Z, Eigen::MatrixXd &K) {
  return stageByStage_ ? solveStageByStage(params, x, h, Z, K) : solveCoupled(params, x, h, Z, K);
}

bool NewtonStages::converged(double update, double previousUpdate, double zNorm) const {
  const double bound = tol_.atol + tol_.rtol * zNorm;
  const bool atRoundoff =
      update <= NewtonTolerances::kRoundoffFactor * bound && update > 0.5 * previousUpdate;
  return update <= bound || atRoundoff;
}

StageSolve NewtonStages::solveStageByStage(const double *params, const Eigen::VectorXd &x,
                                           double h, Eigen::MatrixXd &Z, Eigen::MatrixXd &K) {
  StageSolve r;
  Eigen::VectorXd k(D_), g(D_), dz(D_);
  for (int i = 0; i < s_; ++i) {
    // G_i = Z_i − known − h a_ii f(x + Z_i), known = h Σ_{j<i} a_ij k_j from solved stages.
    const Eigen::VectorXd known = h * (A_.row(i).head(i) * K.topRows(i)).transpose();
    const double hii = h * A_(i, i);
    Eigen::VectorXd z = hii == 0 ? known : Eigen::VectorXd(Z.row(i).transpose());
    bool done = hii == 0;
    double previousUpdate = INFINITY;
    for (int it = 1; !done && it <= tol_.maxIterations; ++it) {
      y_ = x + z;
      field_.field(params, y_.data(), k.data());
      g = z - known - hii * k;
      r.residual = g.cwiseAbs().maxCoeff();
      if (!std::isfinite(r.residual))
        return r;
      field_.jacobian(params, y_.data(), jac_.data());
      dz = -(Eigen::MatrixXd::Identity(D_, D_) - hii * jac_).partialPivLu().solve(g);
      z += dz;
      ++r.iterations;
      const double update = dz.cwiseAbs().maxCoeff();
      if (!std::isfinite(update) || !z.allFinite())
        return r;
      done = converged(update, previousUpdate, z.cwiseAbs().maxCoeff());
      previousUpdate = update;
    }
    if (!done)
      return r;
    Z.row(i) = z.transpose();
    y_ = x + z;
    field_.field(params, y_.data(), k.data());
    K.row(i) = k.transpose();
  }
  r.residual = evaluate(params, x, h, Z, K);
  r.converged = std::isfinite(r.residual);
  return r;
}

StageSolve NewtonStages::solveCoupled(const double *params, const Eigen::VectorXd &x, double h,
                                      Eigen::MatrixXd &Z, Eigen::MatrixXd &K) {
  StageSolve r;
  double previousUpdate = INFINITY;
  for (int it = 1; it <= tol_.maxIterations; ++it) {
    r.residual = evaluate(params, x, h, Z, K);
    if (!std::isfinite(r.residual))
      return r;
    // M_ij = δ_ij I − h a_ij J(x + Z_j): column block j needs the Jacobian at stage j.
    M_.setIdentity();
    for (int j = 0; j < s_; ++j) {
      y_ = x + Z.row(j).transpose();
      field_.jacobian(params, y_.data(), jac_.data());
      for (int i = 0; i < s_; ++i)
        M_.block(i * D_, j * D_, D_, D_) -= (h * A_(i, j)) * jac_;
    }
    dZ_ = -M_.partialPivLu().solve(G_);
    for (int i = 0; i < s_; ++i)
      Z.row(i) += dZ_.segment(i * D_, D_).transpose();
    r.iterations = it;
    const double update = dZ_.cwiseAbs().maxCoeff();
    if (!std::isfinite(update) || !Z.allFinite())
      return r;
    if (converged(update, previousUpdate, Z.cwiseAbs().maxCoeff())) {
      r.residual = evaluate(params, x, h, Z, K);
      r.converged = std::isfinite(r.residual);
      return r;
    }
    previousUpdate = update;
  }
  r.residual = evaluate(params, x, h, Z, K);
  return r;
}

} // namespace odec
