// The fused explicit Runge–Kutta solver as one LLVM function per (model, tableau).
//
//   void name(const double *params, const double *x0, double *out,
//             int64_t batch, int64_t steps, double h,
//             const double *exo)                         (the ABI of jit::SimulateFn)
//
// Shape of the generated code:
//   prologue: every "uniform" node (one that depends on parameters and constants only) is
//             computed once, as reals (the parameters converted first in Float code).
//   for each chunk of W trajectories (the last one may be partial; its missing lanes are
//       masked off, never read from x0 nor written to out):
//     X = x0 rows of the chunk, kept SoA: X[d] is a <W x real>; out[., 0] = X
//     for n in 0..steps-1:
//       for each stage i:  X_i = X + h * sum_j a_ij K_j ;  K_i = field(X_i, E_ni)   (field
//                          inlined, each node emitted once per stage; E_ni the stage's
//                          exogenous values from exo, for a non-autonomous model)
//       X = X + h * sum_i b_i K_i ;  out[., n+1] = X
// Zero tableau coefficients generate no code. The real type is double or float
// (codegen/Precision.h); the ABI is double either way.
#pragma once

#include "codegen/BatchChunks.h"
#include "codegen/ExprEvaluator.h"
#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>

#include <string>

namespace odec::codegen {

/// Throws std::invalid_argument unless the tableau's A is strictly lower triangular.
void requireExplicit(const ButcherTableau &tableau);

/// The model's parameters as uniform inputs: views of the flat parameter vector `params`
/// (doubles), or in Float code of a float copy of it made at the insertion point.
TensorMap bindParams(TensorEmitter &te, const ir::ModelIR &model, llvm::Value *params);

/// The Variables a stage binds anew: the states and the exogenous values.
std::unordered_set<const ir::Node *> stageInputs(const ir::ModelIR &model);

/// RungeKuttaStep's exogenous loader for the chunk's lanes: stage `stage` of step `step` (read
/// when the loader runs) from exo, laid out as SolverAbi.h says for a call of `steps` steps.
std::function<void(const Tensor &, llvm::Value *)>
exogenousLoader(llvm::IRBuilder<> &b, TensorEmitter &te, const ir::ModelIR &model,
                const ButcherTableau &tableau, llvm::Value *exo, llvm::Value *steps,
                const BatchChunk &chunk, llvm::Value *const &step);

/// Adds the solver to m, named `name`, with `width` trajectories per SIMD chunk, arithmetic in
/// `precision` and code shaped for `machine` (register blocking, chunk transposes). Throws
/// std::invalid_argument for an implicit tableau and InternalError for a malformed model (a
/// field that uses a variable that is neither one of its states nor one of its parameters).
llvm::Function *emitSimulator(llvm::Module &m, const ir::ModelIR &model,
                              const ButcherTableau &tableau, int width, Precision precision,
                              const MachineModel &machine,
                              const std::string &name);

} // namespace odec::codegen
