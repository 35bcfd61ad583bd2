// Placement initialization (strategy = placement()): for models where rejection almost never
// succeeds. The reference code hand-derives the weights of one architecture so that the
// Jacobian at the origin has sampled eigenvalues; this does it for any model with a
// parameter tensor W on which the Jacobian depends affinely (init/AffineParameter.h):
//   1. draw θ0 from the priors;
//   2. find W, with its linear map L: ΔW ↦ stacked ΔJ over the K operating points;
//   3. draw D poles z inside the region with the margin (init/TargetSpectrum.h), λ = z/h, and
//      a Haar-orthogonal Q; the target is J* = Q B Qᵀ with B the real block form of the λ;
//   4. ΔW = the minimum-norm solution of L ΔW = stacked (J* − J(θ0)) (complete orthogonal
//      decomposition), so W moves as little as possible from its prior draw;
//   5. verify that the new Jacobian has eigenvalues λ at every operating point (to 1e-8
//      relative to |λ|).
#pragma once

#include "init/InitProblem.h"
#include "init/Random.h"

namespace odec {

/// Throws InitFailure when no parameter qualifies (naming each one tried and why) or when the
/// verification fails.
StabilityInitResult placementInit(const StabilityInitProblem &problem, Random &rng);

} // namespace odec
