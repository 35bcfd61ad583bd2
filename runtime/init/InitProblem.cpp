#include "init/InitProblem.h"

#include "support/Step.h"

#include <cmath>

namespace odec {

const char *strategyName(InitStrategy s) {
  return s == InitStrategy::Rejection ? "rejection" : "placement";
}

void StabilityInitProblem::validate() const {
  auto fail = [](const std::string &msg) { throw std::invalid_argument(msg); };
  if (stateDim < 1)
    fail("the model has no state components");
  requireStep(step, "the step");
  if (!(margin > 0) || !std::isfinite(margin))
    fail("the margin must be a positive finite number");
  if (maxTries < 1)
    fail("max_tries must be at least 1");
  if (operatingPoints.empty())
    fail("initialization needs at least one operating point");
  for (size_t k = 0; k < operatingPoints.size(); ++k) {
    if (int64_t(operatingPoints[k].size()) != stateDim)
      fail("operating point " + std::to_string(k + 1) + " has " +
           std::to_string(operatingPoints[k].size()) + " values; the state has " +
           std::to_string(stateDim));
    for (double v : operatingPoints[k])
      if (!std::isfinite(v))
        fail("operating point " + std::to_string(k + 1) + " is not finite");
  }
  if (!exogenous.empty() && exogenous.size() != operatingPoints.size())
    fail("time and inputs given for " + std::to_string(exogenous.size()) + " of " +
         std::to_string(operatingPoints.size()) + " operating points");
  for (size_t k = 0; k < exogenous.size(); ++k) {
    if (int64_t(exogenous[k].size()) != exoDim)
      fail("operating point " + std::to_string(k + 1) + " has " +
           std::to_string(exogenous[k].size()) + " time and input values; the model has " +
           std::to_string(exoDim));
    for (double v : exogenous[k])
      if (!std::isfinite(v))
        fail("the time or inputs of operating point " + std::to_string(k + 1) +
             " are not finite");
  }
  if (!jacobian)
    fail("initialization needs a Jacobian callback");
}

std::vector<Eigen::MatrixXd>
StabilityInitProblem::jacobians(const std::vector<double> &theta) const {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<Eigen::MatrixXd> out;
  RowMajor J(stateDim, stateDim);
  const std::vector<double> zeros(size_t(exoDim), 0.0);
  for (size_t k = 0; k < operatingPoints.size(); ++k) {
    const std::vector<double> &exo = exogenous.empty() ? zeros : exogenous[k];
    jacobian(theta.data(), operatingPoints[k].data(), exoDim ? exo.data() : nullptr, J.data());
    out.emplace_back(J);
  }
  return out;
}

} // namespace odec
