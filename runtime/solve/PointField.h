// A vector field ẋ = f(x, θ) as the implicit solvers see it: point evaluations of f, of its
// state Jacobian and of its vector–Jacobian products, as callbacks. The runtime knows no
// compiler; the driver fills these with JIT-compiled functions (driver/ImplicitSolver.h),
// tests with hand-written ones.
#pragma once

#include <cstdint>
#include <functional>

namespace odec {

struct PointField {
  int64_t stateDim = 0;   // D: length of x
  int64_t paramCount = 0; // P: length of θ

  /// xdot = f(x, θ) (D values).
  std::function<void(const double *params, const double *x, double *xdot)> field;
  /// J = ∂f/∂x at (x, θ), D×D row-major: J[i*D + j] = ∂f_i/∂x_j.
  std::function<void(const double *params, const double *x, double *J)> jacobian;
  /// xBar = λᵀ ∂f/∂x (D values) and thetaBar = λᵀ ∂f/∂θ (P values), both overwritten.
  std::function<void(const double *params, const double *x, const double *lambda, double *xBar,
                     double *thetaBar)>
      vjp;
};

} // namespace odec
