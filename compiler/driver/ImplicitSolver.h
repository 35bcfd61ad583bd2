// Implicit Runge–Kutta tableaux for a lowered model: the model's point functions (field,
// state Jacobian, vector–Jacobian products) JIT-compiled one by one with jit::compileFunction
// and handed to the runtime's Newton-based solver and its exact adjoint
// (solve/ImplicitRungeKutta.h). The fused solvers (jit/Jit.h) stay explicit-only; this is the
// path every solving entry point takes when the tableau is implicit.
#pragma once

#include "ir/Model.h"
#include "jit/Jit.h"
#include "solve/ImplicitRungeKutta.h"

#include <memory>

namespace odec {

/// f, ∂f/∂x (driver/StateJacobian.h) and λᵀ∂f/∂x, λᵀ∂f/∂θ (DeriveWhat::Vjp) of the model as
/// runtime callbacks; they keep the compiled code alive and are reentrant. Throws
/// std::invalid_argument when a state is a matrix (no state Jacobian) or the model is not
/// autonomous.
PointField compilePointField(const ir::ModelIR &model, const jit::CompileOptions &options = {});

/// The Newton-based solver for (model, tableau); any tableau works, explicit ones included.
std::shared_ptr<const ImplicitRungeKutta>
compileImplicitSolver(const ir::ModelIR &model, const ButcherTableau &tableau,
                      const jit::CompileOptions &options = {});

/// The exact discrete gradient with the jit::LossGradFn contract for any tableau: the fused
/// JIT-compiled adjoint (jit::compileLossGrad with `options`, and narrower variants for small
/// batches, jit/BatchVariants.h) for an explicit tableau, the implicit solver's adjoint by the
/// implicit function theorem otherwise (double; `options` unused). Keeps its own copies of
/// model and tableau.
std::unique_ptr<jit::LossGradient> compileDiscreteLossGrad(const ir::ModelIR &model,
                                                           const ButcherTableau &tableau,
                                                           const jit::CompileOptions &options = {});

/// The implicit solver's vector–Jacobian product (ImplicitRungeKutta::vjp) with the
/// jit::VjpFn contract, for any tableau (double).
std::unique_ptr<jit::Vjp> compileImplicitVjp(const ir::ModelIR &model,
                                             const ButcherTableau &tableau,
                                             const jit::CompileOptions &options = {});

} // namespace odec
