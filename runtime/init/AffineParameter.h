// Finding a parameter tensor W that controls the Jacobian linearly, for eigenvalue placement.
//
// In a network whose output layer is linear (ddt(x) = W * h(x) + b), the state Jacobian is
// W · ∂h/∂x, affine in W with everything else fixed. Placement needs exactly that structure,
// but not the architecture: it is detected numerically with the Jacobian callback, so any
// model where some tensor enters ∂f/∂x affinely works, whatever the code around it.
#pragma once

#include "init/InitProblem.h"
#include "init/Random.h"

#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

namespace odec {

/// The Jacobians at all operating points, stacked into one vector (each column-major).
Eigen::VectorXd stackJacobians(const std::vector<Eigen::MatrixXd> &jacobians);

struct AffineParameter {
  size_t slot = 0;     // index into the problem's layout
  Eigen::MatrixXd map; // L: column e = stacked J(θ0 + unit e) − J(θ0); K·D² rows
};

/// The last-declared parameter W such that, around θ0,
///  - J(θ0 + V) − J(θ0) is linear in V (additivity and oddness on random Gaussian probes from
///    `rng`, to 1e-9 relative to the Jacobians involved), and
///  - its linear map L has full row rank K·D² (K operating points), so any stacked target is
///    reachable exactly.
/// nullopt when no parameter qualifies; `rejected` then says, per parameter, why.
std::optional<AffineParameter> findAffineParameter(const StabilityInitProblem &problem,
                                                   const std::vector<double> &theta0, Random &rng,
                                                   std::vector<std::string> &rejected);

} // namespace odec
