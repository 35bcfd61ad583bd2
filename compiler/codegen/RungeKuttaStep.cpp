#include "codegen/RungeKuttaStep.h"

#include "codegen/Loops.h"

namespace odec::codegen {

using llvm::Value;

void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     Value *scale, const std::vector<double> &coef,
                     const std::vector<Tensor> &terms) {
  emitLoop(b, dst.shape.size(), [&](Value *d) {
    Value *sum = nullptr;
    for (size_t j = 0; j < coef.size(); ++j) {
      if (coef[j] == 0)
        continue;
      Value *c = te.splat(te.real(coef[j]));
      Value *k = te.load(terms[j], d, true);
      sum = sum ? b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {k->getType()}, {c, k, sum})
                : b.CreateFMul(c, k);
    }
    Value *x = base ? te.load(*base, d, true) : nullptr;
    Value *result =
        !sum ? x
        : x  ? b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {sum->getType()}, {scale, sum, x})
             : b.CreateFMul(scale, sum);
    te.store(dst, d, result ? result : llvm::Constant::getNullValue(te.elementType(true)));
  });
}

RungeKuttaStep::RungeKuttaStep(llvm::IRBuilder<> &b, TensorEmitter &te, ExprEvaluator &field,
                               const ir::ModelIR &model, const ButcherTableau &tableau)
    : b_(b), te_(te), field_(field), model_(model), tableau_(tableau) {
  const Shape flat = Shape::vector(int(model.stateDim()));
  for (int i = 0; i < tableau.stages; ++i) {
    K_.push_back(te.allocate(flat, true, "K"));
    stageX_.push_back(te.allocate(flat, true, "Xstage"));
  }
  stageState_ = stageX_;
}

TensorMap RungeKuttaStep::bindStates(const Tensor &X) {
  TensorMap bound;
  for (const ir::ModelIR::Slot &s : model_.states)
    bound[s.var.get()] = te_.view(X, s.offset, s.shape);
  return bound;
}

TensorMap RungeKuttaStep::emitField(const Tensor &X, const Tensor &K) {
  TensorMap values = field_.evaluate(model_.ddt, bindStates(X));
  for (size_t k = 0; k < model_.ddt.size(); ++k) {
    const Tensor &value = values.at(model_.ddt[k].get());
    Tensor dst = te_.view(K, model_.states[k].offset, value.shape);
    emitLoop(b_, value.shape.size(),
             [&](Value *i) { te_.store(dst, i, te_.load(value, i, true)); });
  }
  return values;
}

void RungeKuttaStep::emitStages(const Tensor &X, Value *h, bool lastSlope, bool keepFieldValues) {
  const int s = tableau_.stages;
  fieldValues_.assign(size_t(s), {});
  const int scope = te_.storageScope();
  for (int i = 0; i < s; ++i) {
    std::vector<double> a;
    bool any = false;
    for (int j = 0; j < i; ++j) {
      a.push_back(tableau_.a(i, j));
      any = any || a.back() != 0;
    }
    // A stage with no earlier slopes evaluates the field at X itself.
    stageState_[size_t(i)] = any ? stageX_[size_t(i)] : X;
    if (any)
      emitCombination(b_, te_, stageX_[size_t(i)], &X, h, a, K_);
    if (i < s - 1 || lastSlope) {
      if (keepFieldValues)
        te_.setStorageScope(i + 1);
      fieldValues_[size_t(i)] = emitField(stageState_[size_t(i)], K_[size_t(i)]);
      te_.setStorageScope(scope);
    }
  }
}

void RungeKuttaStep::emitUpdate(const Tensor &X, Value *h) {
  std::vector<double> weights;
  for (const Coefficient &c : tableau_.b)
    weights.push_back(c.value);
  emitCombination(b_, te_, X, &X, h, weights, K_);
}

} // namespace odec::codegen
