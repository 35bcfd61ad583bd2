// A Runge–Kutta method as its Butcher tableau. Coefficients keep their exact rational value
// when they have one (1//6), so analysis (order conditions, stability function) is exact;
// irrational ones (Gauss–Legendre's √3) are doubles.
#pragma once

#include "tableau/Rational.h"

#include <optional>
#include <string>
#include <vector>

namespace odec {

struct Coefficient {
  double value = 0;
  std::optional<Rational> exact; // set when the coefficient is rational

  static Coefficient rational(Rational r) { return {r.toDouble(), r}; }
  static Coefficient real(double v) { return {v, std::nullopt}; }
};

struct ButcherTableau {
  std::string name;
  int stages = 0;
  std::vector<Coefficient> A; // stages x stages, row-major
  std::vector<Coefficient> b; // stages
  std::vector<Coefficient> c; // stages
  /// An embedded pair's second weights (`bhat`): a solution of another order from the same
  /// stages, whose difference from b's estimates the local error. Empty: no pair. The fixed-step
  /// solvers propagate b's solution and ignore it.
  std::vector<Coefficient> bhat;
  /// A continuous extension (`dense`), stages x denseDegree row-major: stage i's weight at the
  /// fraction θ ∈ [0, 1] of a step is b_i(θ) = Σ_j dense[i·denseDegree + j] θ^(j+1), so that
  /// x(t_n + θh) ≈ x_n + h Σ_i b_i(θ) K_i and b_i(1) = b_i. Empty: none (the adaptive solver
  /// then interpolates by cubic Hermite polynomials; SolverPlan::dense).
  std::vector<Coefficient> dense;
  int denseDegree = 0;

  double a(int i, int j) const { return A[size_t(i) * stages + j].value; }
  /// Explicit when A is strictly lower triangular (SolverPlan decides; this asks it).
  bool isExplicit() const;
  /// Every coefficient is rational.
  bool isExact() const;
  bool hasEmbedded() const { return !bhat.empty(); }
  bool hasDense() const { return denseDegree > 0; }
  const Coefficient &denseCoefficient(int i, int j) const {
    return dense[size_t(i) * size_t(denseDegree) + size_t(j)];
  }
  /// The method of the embedded weights: A and c, with bhat as b (hasEmbedded() required).
  ButcherTableau embeddedMethod() const;
};

} // namespace odec
