#include "init/Placement.h"

#include "init/AffineParameter.h"
#include "init/HaarOrthogonal.h"
#include "init/SampleParams.h"
#include "init/TargetSpectrum.h"

#include <algorithm>
#include <fmt/format.h>
#include <limits>

namespace odec {

namespace {

constexpr double kPlacementTolerance = 1e-8;

// The largest relative distance between the targets and the eigenvalues, each target matched
// to the nearest eigenvalue not matched yet; +inf when the counts differ.
double worstMiss(const std::vector<std::complex<double>> &targets,
                 std::vector<std::complex<double>> eigenvalues) {
  if (eigenvalues.size() != targets.size())
    return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::complex<double> t : targets) {
    auto nearest = std::min_element(eigenvalues.begin(), eigenvalues.end(),
                                    [t](std::complex<double> a, std::complex<double> b) {
                                      return std::abs(a - t) < std::abs(b - t);
                                    });
    worst = std::max(worst, std::abs(*nearest - t) / std::abs(t));
    eigenvalues.erase(nearest);
  }
  return worst;
}

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (const std::string &s : items)
    out += (out.empty() ? "" : "; ") + s;
  return out;
}

} // namespace

StabilityInitResult placementInit(const StabilityInitProblem &problem, Random &rng) {
  const int D = int(problem.stateDim);
  std::vector<double> theta = sampleParams(problem.params, rng);
  std::vector<std::string> rejected;
  std::optional<AffineParameter> w = findAffineParameter(problem, theta, rng, rejected);
  if (!w)
    throw InitFailure("placement needs a parameter tensor on which the Jacobian at the operating "
                      "points depends affinely and that can set all of its entries (like the "
                      "weight of a linear output layer); none qualifies (" +
                      join(rejected) + "); use strategy = rejection()");
  const TensorSlot &slot = problem.params[w->slot];

  const PoleRegion region = problem.placement.empty() ? PoleRegion::defaults() : problem.placement;
  std::vector<std::complex<double>> targets =
      sampleStablePoles(problem.R, problem.margin, region, problem.step, D, rng);
  for (std::complex<double> &z : targets)
    z /= problem.step;
  const Eigen::MatrixXd target = realMatrixWithEigenvalues(targets, haarOrthogonal(D, rng));
  std::vector<Eigen::MatrixXd> wanted(problem.operatingPoints.size(), target);

  Eigen::VectorXd rhs = stackJacobians(wanted) - stackJacobians(problem.jacobians(theta));
  Eigen::VectorXd delta =
      Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(w->map).solve(rhs);
  for (int64_t i = 0; i < slot.size(); ++i)
    theta[size_t(slot.offset + i)] += delta(i);

  StabilityInitResult r;
  r.spectrum = spectrumOf(problem.jacobians(theta), problem.step, problem.R);
  for (size_t k = 0; k < r.spectrum.eigenvalues.size(); ++k) {
    double miss = worstMiss(targets, r.spectrum.eigenvalues[k]);
    if (!(miss <= kPlacementTolerance))
      throw InitFailure(fmt::format(
          "placement moved '{}' but the Jacobian at operating point {} missed its target "
          "eigenvalues by {:.3g} (relative; the tolerance is {:.0e}); use strategy = rejection()",
          slot.name, k + 1, miss, kPlacementTolerance));
  }
  r.params = std::move(theta);
  r.strategy = InitStrategy::Placement;
  r.tries = 1;
  r.acceptanceRate = 1;
  r.targets = std::move(targets);
  r.placedParameter = slot.name;
  r.placementRegion = region;
  return r;
}

} // namespace odec
