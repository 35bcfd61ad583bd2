// One step of an explicit Runge–Kutta method on a chunk's state, as LLVM IR: the stage
// states X_i = X + h Σ_{j<i} a_ij K_j, the slopes K_i = f(X_i) (the field inlined through an
// ExprEvaluator, each node once per stage) and the update X + h Σ_i b_i K_i. Shared by the
// forward solver and by the adjoint, which recomputes a step's stages from its stored state.
// Zero tableau coefficients generate no code.
#pragma once

#include "codegen/ExprEvaluator.h"
#include "ir/Model.h"
#include "tableau/ButcherTableau.h"

#include <vector>

namespace odec::codegen {

/// dst[d] = base[d] + scale * Σ_j coef[j] * terms[j][d] for d < dst's size, with base = 0
/// when null; zero coefficients are skipped. Everything varying; scale is a <W x real>.
void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     llvm::Value *scale, const std::vector<double> &coef,
                     const std::vector<Tensor> &terms);

class RungeKuttaStep {
public:
  /// field evaluates model.ddt with the states as its varying inputs.
  RungeKuttaStep(llvm::IRBuilder<> &b, TensorEmitter &te, ExprEvaluator &field,
                 const ir::ModelIR &model, const ButcherTableau &tableau);

  /// The stage states of the step from X and their slopes; the last stage's slope only when
  /// lastSlope (the step's update needs it, the adjoint's recomputation does not). h is a
  /// <W x real>. With keepFieldValues, stage i's field is evaluated in storage scope i + 1
  /// (TensorEmitter::setStorageScope), so every stage's values stay valid afterwards.
  void emitStages(const Tensor &X, llvm::Value *h, bool lastSlope, bool keepFieldValues = false);
  /// X = X + h Σ_i b_i K_i, after emitStages(X, h, true).
  void emitUpdate(const Tensor &X, llvm::Value *h);

  /// The state of stage i (X itself for a stage with no earlier slopes) and its slope.
  const Tensor &stageState(int i) const { return stageState_[size_t(i)]; }
  const Tensor &slope(int i) const { return K_[size_t(i)]; }
  /// Every node value of stage i's field evaluation (empty for a stage whose slope was not
  /// computed), valid after emitStages(…, keepFieldValues = true) until the next call.
  const TensorMap &fieldValues(int i) const { return fieldValues_[size_t(i)]; }
  /// The field's state Variables bound to views of the flat state X.
  TensorMap bindStates(const Tensor &X);

private:
  /// K = f(X), the ddt of every state packed into the flat K; returns every node's value.
  TensorMap emitField(const Tensor &X, const Tensor &K);

  llvm::IRBuilder<> &b_;
  TensorEmitter &te_;
  ExprEvaluator &field_;
  const ir::ModelIR &model_;
  const ButcherTableau &tableau_;
  std::vector<Tensor> K_, stageX_, stageState_;
  std::vector<TensorMap> fieldValues_;
};

} // namespace odec::codegen
