#include "init/Rejection.h"

#include "init/SampleParams.h"

#include <fmt/format.h>
#include <limits>
#include <string>

namespace odec {

StabilityInitResult rejectionInit(const StabilityInitProblem &problem, Random &rng) {
  double best = std::numeric_limits<double>::infinity();
  int64_t bestTry = 0;
  for (int64_t t = 1; t <= problem.maxTries; ++t) {
    std::vector<double> theta = sampleParams(problem.params, rng);
    Spectrum s = spectrumOf(problem.jacobians(theta), problem.step, problem.R);
    if (s.maxAbsR <= problem.margin) {
      StabilityInitResult r;
      r.params = std::move(theta);
      r.strategy = InitStrategy::Rejection;
      r.tries = t;
      r.acceptanceRate = 1.0 / double(t);
      r.spectrum = std::move(s);
      return r;
    }
    if (s.maxAbsR < best || bestTry == 0) {
      best = s.maxAbsR;
      bestTry = t;
    }
  }
  throw InitFailure(fmt::format(
      "no parameter draw put every eigenvalue of step * jacobian inside the stability region "
      "of {} with margin {} ({} draws; the closest was draw {} with max |R(hλ)| = {:.6g}); "
      "try strategy = placement() or a smaller step{}",
      problem.region, problem.margin, problem.maxTries, bestTry, best,
      // A lightly damped mode has |R| just below 1 (a pendulum sampled at h = 0.1: 0.995), so
      // a margin below 1 may exclude the very dynamics to be learned.
      best <= 1 && problem.margin < 1
          ? std::string(", or a margin closer to 1 (the closest draw was stable, |R| <= 1; a "
                        "margin below 1 asks every mode to shrink by that factor per step)")
          : std::string()));
}

} // namespace odec
