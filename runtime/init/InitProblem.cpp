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
  if (!jacobian)
    fail("initialization needs a Jacobian callback");
}

std::vector<Eigen::MatrixXd>
StabilityInitProblem::jacobians(const std::vector<double> &theta) const {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<Eigen::MatrixXd> out;
  RowMajor J(stateDim, stateDim);
  for (const std::vector<double> &x : operatingPoints) {
    jacobian(theta.data(), x.data(), J.data());
    out.emplace_back(J);
  }
  return out;
}

} // namespace odec
