#include "init/AffineParameter.h"

#include <fmt/format.h>

namespace odec {

Eigen::VectorXd stackJacobians(const std::vector<Eigen::MatrixXd> &jacobians) {
  Eigen::Index n = 0;
  for (const Eigen::MatrixXd &J : jacobians)
    n += J.size();
  Eigen::VectorXd out(n);
  Eigen::Index at = 0;
  for (const Eigen::MatrixXd &J : jacobians) {
    out.segment(at, J.size()) = Eigen::Map<const Eigen::VectorXd>(J.data(), J.size());
    at += J.size();
  }
  return out;
}

namespace {

constexpr double kAffineTolerance = 1e-9;

// Stacked J(θ0 + V) − J(θ0) for a change V of slot s only.
Eigen::VectorXd change(const StabilityInitProblem &p, const std::vector<double> &theta0,
                       const Eigen::VectorXd &J0, const TensorSlot &s, const Eigen::VectorXd &V) {
  std::vector<double> theta = theta0;
  for (int64_t i = 0; i < s.size(); ++i)
    theta[size_t(s.offset + i)] += V(i);
  return stackJacobians(p.jacobians(theta)) - J0;
}

// Why slot s is not affine around θ0, or "" when it is.
std::string nonAffinity(const StabilityInitProblem &p, const std::vector<double> &theta0,
                        const Eigen::VectorXd &J0, const TensorSlot &s, Random &rng) {
  Eigen::VectorXd V1(s.size()), V2(s.size());
  for (int64_t i = 0; i < s.size(); ++i) {
    V1(i) = rng.normal();
    V2(i) = rng.normal();
  }
  Eigen::VectorXd d1 = change(p, theta0, J0, s, V1), d2 = change(p, theta0, J0, s, V2);
  Eigen::VectorXd d12 = change(p, theta0, J0, s, V1 + V2), dm1 = change(p, theta0, J0, s, -V1);
  double scale = d1.norm() + d2.norm() + J0.norm();
  if (!d1.allFinite() || !d2.allFinite() || !d12.allFinite() || !dm1.allFinite())
    return "the Jacobian is not finite on probes";
  // A linear map is additive and odd; a quadratic (or higher) term breaks both.
  double additivity = (d12 - d1 - d2).norm(), oddness = (dm1 + d1).norm();
  if (std::max(additivity, oddness) > kAffineTolerance * scale)
    return fmt::format("the Jacobian is not affine in it (deviation {:.3g} relative)",
                       std::max(additivity, oddness) / scale);
  return "";
}

} // namespace

std::optional<AffineParameter> findAffineParameter(const StabilityInitProblem &problem,
                                                   const std::vector<double> &theta0, Random &rng,
                                                   std::vector<std::string> &rejected) {
  const Eigen::VectorXd J0 = stackJacobians(problem.jacobians(theta0));
  const Eigen::Index rows = J0.size();
  for (size_t k = problem.params.size(); k-- > 0;) {
    const TensorSlot &s = problem.params[k];
    if (s.size() < rows) {
      rejected.push_back(
          fmt::format("{}: {} values cannot set {} Jacobian entries", s.name, s.size(), rows));
      continue;
    }
    if (std::string why = nonAffinity(problem, theta0, J0, s, rng); !why.empty()) {
      rejected.push_back(s.name + ": " + why);
      continue;
    }
    AffineParameter a;
    a.slot = k;
    a.map.resize(rows, s.size());
    Eigen::VectorXd unit = Eigen::VectorXd::Zero(s.size());
    for (int64_t e = 0; e < s.size(); ++e) {
      unit(e) = 1;
      a.map.col(e) = change(problem, theta0, J0, s, unit);
      unit(e) = 0;
    }
    Eigen::Index rank = Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(a.map).rank();
    if (rank < rows) {
      rejected.push_back(fmt::format("{}: the Jacobian is affine in it, but it reaches only {} "
                                     "of {} independent Jacobian entries",
                                     s.name, rank, rows));
      continue;
    }
    return a;
  }
  return std::nullopt;
}

} // namespace odec
