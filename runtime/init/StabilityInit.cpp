#include "init/StabilityInit.h"

#include "init/Placement.h"
#include "init/Rejection.h"

namespace odec {

StabilityInitResult stabilityInitialize(const StabilityInitProblem &problem, uint64_t seed) {
  problem.validate();
  Random rng(seed);
  return problem.strategy == InitStrategy::Rejection ? rejectionInit(problem, rng)
                                                     : placementInit(problem, rng);
}

} // namespace odec
