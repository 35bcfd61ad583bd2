// Steps of any length from code compiled for one step h: an IR → IR pass.
//
// A Runge–Kutta step of size αh of ẋ = f(x, t) is, stage for stage, the step of size h of
// ẋ = α f(x, t) (every slope is scaled by α, so X_i = X + h Σ a_ij α K_j and the update
// X + h Σ b_i α K_i are those of the step αh), provided the stage times are those of the
// shortened step (the exogenous values are computed on the host: StageValues.h). So the fused
// solvers and their exact discrete adjoints take steps that end on observation times (α < 1),
// and padding steps that leave a trajectory where it is (α = 0: X + h·Σ 0 = X exactly), with
// no change to the code generators: α is one more exogenous value per stage.
#pragma once

#include "ir/Model.h"

namespace odec::ir {

/// The model with field α·f: exogenous gains the time t (if the model had no exogenous values)
/// and then the Real α, whose offset is `stepScale`. Inputs, interpolation and outputs stay as
/// they are. The model must not be scaled already.
ModelIR withStepScale(const ModelIR &model);

} // namespace odec::ir
