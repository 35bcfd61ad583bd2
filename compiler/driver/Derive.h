// What `odec derive` shows: the derivatives odec computes for a model, as readable
// Julia-style let-bindings after simplification and CSE.
#pragma once

#include "ir/Model.h"

#include <string>

namespace odec {

enum class DeriveWhat {
  Field,    // ddt(...) as lowered
  Jacobian, // ∂ddt(s_i)/∂s_j for every pair of states
  Vjp,      // λᵀ ∂f/∂x and λᵀ ∂f/∂θ for cotangents λ (one per state, named λ_<state>)
  Jvp       // ∂f/∂x · v for tangents v (one per state, named v_<state>)
};

/// The derived functions of `m` as an ir::Function (inputs: states, params and any
/// cotangent/tangent variables; outputs named as printed), simplified and CSE'd.
ir::Function deriveFunction(const ir::ModelIR &m, DeriveWhat what);

/// deriveFunction printed as Julia-style let-bindings, with a header line naming the model.
std::string describeDerivatives(const ir::ModelIR &m, DeriveWhat what);

} // namespace odec
