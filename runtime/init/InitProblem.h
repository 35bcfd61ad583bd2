// Stability-informed initialization (science.md §1): the problem and its answer.
//
// A neural ODE ẋ = f_θ(x) will be trained through an explicit Runge–Kutta solver with
// step h. Initialization looks for parameters θ such that at every operating point x_k
// every eigenvalue λ of ∂f/∂x(x_k; θ) satisfies |R(hλ)| ≤ margin, R being the solver's
// stability function. The runtime knows no compiler: the model enters only through its
// parameter layout (names, shapes, priors) and a Jacobian callback.
#pragma once

#include "init/Spectrum.h"
#include "prior/PoleRegion.h"
#include "io/Layout.h"
#include "tableau/StabilityFunction.h"

#include <Eigen/Dense>
#include <complex>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace odec {

/// ∂f/∂x at state x for parameters θ, written D×D row-major into J: J[i*D + j] = ∂f_i/∂x_j.
/// exo: a driven model's exogenous values at the operating point (the time t, then the
/// inputs; StabilityInitProblem::exoDim of them), null when it has none.
using JacobianFn =
    std::function<void(const double *params, const double *x, const double *exo, double *J)>;

enum class InitStrategy {
  Rejection, // draw θ from the priors until the constraint holds
  Placement  // draw θ, then move one affine parameter tensor to place the eigenvalues
};
const char *strategyName(InitStrategy s); // "rejection", "placement"

struct StabilityInitProblem {
  std::vector<TensorSlot> params; // layout and priors
  int64_t stateDim = 0;           // D
  /// Flat states (D values each) at which the Jacobian is constrained; at least one.
  std::vector<std::vector<double>> operatingPoints;
  /// A driven model's exogenous values per operating point: exoDim values each (t, then the
  /// inputs), as many lists as operatingPoints; empty: t = 0 and zero inputs at every point.
  int64_t exoDim = 0;
  std::vector<std::vector<double>> exogenous;
  double step = 0;     // h > 0
  std::string solver;  // the training tableau's name, for messages
  std::string region;  // the tableau whose stability region constrains (usually the solver)
  StabilityFunction R; // the region tableau's stability function
  double margin = 1;   // > 0: |R(hλ)| ≤ margin (below 1 demands damping, above 1 relaxes)
  InitStrategy strategy = InitStrategy::Rejection;
  PoleRegion placement; // where placement puts the poles; empty: PoleRegion::defaults()
  int64_t maxTries = 10000; // parameter draws rejection may make (≥ 1)
  JacobianFn jacobian;

  /// Throws std::invalid_argument naming the first inconsistency (sizes, ranges, no callback).
  void validate() const;
  /// The Jacobian at every operating point for parameters θ.
  std::vector<Eigen::MatrixXd> jacobians(const std::vector<double> &theta) const;
};

struct StabilityInitResult {
  std::vector<double> params; // flat, in layout order
  InitStrategy strategy = InitStrategy::Rejection;
  int64_t tries = 0;         // parameter draws evaluated (placement: 1)
  double acceptanceRate = 0; // accepted draws / tries
  Spectrum spectrum;         // eigenvalues λ (not hλ) per operating point, and max |R(hλ)|
  /// Placement only: the eigenvalues λ it placed, and the parameter tensor it moved.
  std::vector<std::complex<double>> targets;
  std::string placedParameter;
  PoleRegion placementRegion; // the bounds the targets were drawn in (defaults filled in)
};

/// The constraint could not be met; what() explains how close it came and what to try.
struct InitFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace odec
