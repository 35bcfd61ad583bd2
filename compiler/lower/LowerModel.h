// Lowering of a checked model (sema) to the tensor IR: the bridge between the front end,
// which knows no IR, and everything after it, which knows no AST.
#pragma once

#include "ir/Model.h"
#include "sema/Sema.h"

namespace odec {

/// Lowers a checked model to IR: Variables for states (role State) and params (role Param) in
/// declaration order with flat offsets, consts inlined as Constants, lets inlined (shared nodes),
/// one ddt expression per state. `gradient(H, x)` and `jacobian(f, x)` inside a model call the
/// symbolic differentiator (autodiff/Derivative.h).
///
/// The model must have passed sema::check: its AST carries the shapes and resolutions this
/// relies on, and anything unexpected is an InternalError.
ir::ModelIR lowerModel(const sema::CheckedModel &model);

} // namespace odec
