// The vector–Jacobian product of a model's field, the one building block every adjoint uses
// (the fused discrete adjoint, the emitted C++, `odec derive --what vjp`, the benchmarks).
#pragma once

#include "ir/Model.h"

#include <string>
#include <vector>

namespace odec::ad {

struct FieldVjp {
  /// One Cotangent Variable per state, shaped like it: the adjoint of that state's slope.
  std::vector<ir::Expr> cotangents;
  /// Σ_k ⟨cot_k, ∂ddt_k/∂w⟩ for w = every state, then every parameter; `all` is both in order.
  std::vector<ir::Expr> wrtStates, wrtParams, all;
};

/// The cotangent of state `s` is named prefix + s + suffix (e.g. "λ_x", "x_cot").
FieldVjp fieldVjp(const ir::ModelIR &model, const std::string &prefix, const std::string &suffix);

} // namespace odec::ad
