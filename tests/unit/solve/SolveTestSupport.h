// Shared pieces of the implicit-solver tests: prelude tableaux, hand-written point fields
// (linear and pendulum) with exact derivatives, and the flat trajectory layout.
#pragma once

#include "driver/Compilation.h"
#include "solve/ImplicitRungeKutta.h"

#include <Eigen/Dense>

#include <cmath>
#include <memory>
#include <string>

namespace odec::testing {

/// A tableau of the built-in prelude, as the driver parses it.
inline ButcherTableau preludeTableau(const std::string &name) {
  static std::shared_ptr<Compilation> c = Compilation::fromText("<none>", "");
  return c->tableau(name);
}

/// ẋ = M x with θ = M (row-major): ∂f/∂x = M, λᵀ∂f/∂x = Mᵀλ, λᵀ∂f/∂M = λ xᵀ.
inline PointField linearField(int64_t D) {
  PointField f;
  f.stateDim = D;
  f.paramCount = D * D;
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  f.field = [D](const double *p, const double *x, double *out) {
    Eigen::Map<Eigen::VectorXd>(out, D) =
        Eigen::Map<const RowMajor>(p, D, D) * Eigen::Map<const Eigen::VectorXd>(x, D);
  };
  f.jacobian = [D](const double *p, const double *, double *J) {
    std::copy(p, p + D * D, J);
  };
  f.vjp = [D](const double *p, const double *x, const double *l, double *xBar, double *pBar) {
    Eigen::Map<const Eigen::VectorXd> lam(l, D), xv(x, D);
    Eigen::Map<Eigen::VectorXd>(xBar, D) = Eigen::Map<const RowMajor>(p, D, D).transpose() * lam;
    Eigen::Map<RowMajor>(pBar, D, D) = lam * xv.transpose();
  };
  return f;
}

/// The pendulum q̇ = p, ṗ = −k sin q with θ = (k).
inline PointField pendulumField() {
  PointField f;
  f.stateDim = 2;
  f.paramCount = 1;
  f.field = [](const double *k, const double *x, double *out) {
    out[0] = x[1];
    out[1] = -k[0] * std::sin(x[0]);
  };
  f.jacobian = [](const double *k, const double *x, double *J) {
    J[0] = 0, J[1] = 1, J[2] = -k[0] * std::cos(x[0]), J[3] = 0;
  };
  f.vjp = [](const double *k, const double *x, const double *l, double *xBar, double *kBar) {
    xBar[0] = -k[0] * std::cos(x[0]) * l[1];
    xBar[1] = l[0];
    kBar[0] = -std::sin(x[0]) * l[1];
  };
  return f;
}

/// The state at step n of trajectory b in a batch x (N+1) x D buffer.
inline Eigen::VectorXd stateAt(const std::vector<double> &traj, int64_t N, int64_t D, int64_t b,
                               int64_t n) {
  return Eigen::Map<const Eigen::VectorXd>(traj.data() + (b * (N + 1) + n) * D, D);
}

} // namespace odec::testing
