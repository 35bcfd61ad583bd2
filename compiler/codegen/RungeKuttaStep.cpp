#include "codegen/RungeKuttaStep.h"

#include "codegen/Loops.h"
#include "support/InternalError.h"

#include <llvm/IR/Module.h>

#include <numeric>
#include <unordered_set>

namespace odec::codegen {

using llvm::Value;

void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     Value *scale, const std::vector<Value *> &coef,
                     const std::vector<Tensor> &terms) {
  emitLoop(b, dst.shape.size(), [&](Value *d) {
    Value *sum = nullptr;
    for (size_t j = 0; j < coef.size(); ++j) {
      if (!coef[j])
        continue;
      Value *k = te.load(terms[j], d, true);
      sum = sum ? b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {k->getType()}, {coef[j], k, sum})
                : b.CreateFMul(coef[j], k);
    }
    Value *x = base ? te.load(*base, d, true) : nullptr;
    Value *result =
        !sum ? x
        : x  ? b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {sum->getType()}, {scale, sum, x})
             : b.CreateFMul(scale, sum);
    te.store(dst, d, result ? result : llvm::Constant::getNullValue(te.elementType(true)));
  });
}

void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     Value *scale, const std::vector<double> &coef,
                     const std::vector<Tensor> &terms) {
  std::vector<Value *> values;
  for (double c : coef)
    values.push_back(c == 0 ? nullptr : te.splat(te.real(c)));
  emitCombination(b, te, dst, base, scale, values, terms);
}

void emitCombination(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, const Tensor *base,
                     Value *scale, const Tensor &sum, Value *count,
                     const std::function<Value *(Value *)> &coef,
                     const std::function<Tensor(Value *)> &term) {
  const int64_t n = dst.shape.size();
  llvm::Type *ty = te.elementType(true);
  // sum + 0·k leaves the sum as it was and c·k + 0 rounds as c·k does, so every element comes
  // out as in the combination with constant coefficients (for finite values).
  emitLoop(b, n, [&](Value *d) { te.store(sum, d, llvm::Constant::getNullValue(ty)); });
  emitLoop(
      b, count,
      [&](Value *j) {
        Value *c = coef(j);
        const Tensor t = term(j);
        emitLoop(b, n, [&](Value *d) {
          te.store(sum, d,
                   b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {ty},
                                     {c, te.load(t, d, true), te.load(sum, d, true)}));
        });
      },
      1, /*straightLine=*/false);
  emitLoop(b, n, [&](Value *d) {
    Value *s = te.load(sum, d, true);
    te.store(dst, d,
             base ? b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {ty},
                                      {scale, s, te.load(*base, d, true)})
                  : b.CreateFMul(scale, s));
  });
}

bool stagesTooLargeForStraightLine(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return ir::topologicalOrder(model.ddt).size() * size_t(tableau.stages) > kMaxStraightLineNodes;
}

RungeKuttaStep::RungeKuttaStep(llvm::IRBuilder<> &b, TensorEmitter &te, ExprEvaluator &field,
                               const ir::ModelIR &model, const ButcherTableau &tableau,
                               bool rolled)
    : b_(b), te_(te), field_(field), model_(model), tableau_(tableau), rolled_(rolled) {
  const int s = tableau.stages, D = int(model.stateDim());
  K_ = te.allocate(Shape::vector(s * D), true, "K");
  if (!model.autonomous())
    exoRows_ = te.allocate(Shape::vector(s * int(model.exoDim())), true, "exo");
  if (rolled_) {
    sum_ = te.allocate(Shape::vector(D), true, "stage.sum");
    std::vector<double> a;
    for (int i = 0; i < s * s; ++i)
      a.push_back(tableau.a(i / s, i % s));
    A_ = table(a);
  }
}

void RungeKuttaStep::setSlots(int64_t slots, TensorEmitter::Relocation relocate) {
  internalCheck(slots >= 1 && (slots == 1 || rolled_) && !stageX_.ptr,
                "RungeKuttaStep::setSlots: slots are for rolled stages, before any emission");
  slots_ = slots;
  relocate_ = std::move(relocate);
}

const Tensor &RungeKuttaStep::stageStates() {
  if (!stageX_.ptr) {
    stageX_ = te_.allocate(Shape::vector(int(slots_ * tableau_.stages * model_.stateDim())),
                           true, "Xstage");
    if (relocate_)
      stageX_ = relocate_(stageX_);
  }
  return stageX_;
}

Value *RungeKuttaStep::slotCopy(Value *i) {
  if (!slot_)
    return i;
  return b_.CreateAdd(b_.CreateMul(slot_, te_.index(tableau_.stages)), i);
}

Tensor RungeKuttaStep::table(const std::vector<double> &values) {
  return te_.constantTable(values, Shape::vector(int(values.size())));
}

Tensor RungeKuttaStep::row(const Tensor &all, Value *i) {
  const int64_t D = model_.stateDim();
  return te_.view(all, b_.CreateMul(i, te_.index(D)), Shape::vector(int(D)));
}

void RungeKuttaStep::forEachStage(const std::vector<int> &indices,
                                  const std::function<void(Value *, Value *)> &body) {
  if (!rolled_) {
    for (size_t p = 0; p < indices.size(); ++p)
      body(te_.index(int64_t(p)), te_.index(indices[p]));
    return;
  }
  std::vector<int> identity(indices.size());
  std::iota(identity.begin(), identity.end(), 0);
  llvm::GlobalVariable *order = nullptr; // the indices, unless they are 0, 1, …
  if (indices != identity) {
    std::vector<uint64_t> values(indices.begin(), indices.end());
    auto *init = llvm::ConstantDataArray::get(b_.getContext(), llvm::ArrayRef<uint64_t>(values));
    order = new llvm::GlobalVariable(*b_.GetInsertBlock()->getModule(), init->getType(), true,
                                     llvm::GlobalValue::PrivateLinkage, init, "stage.order");
    order->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  }
  emitLoop(
      b_, te_.index(int64_t(indices.size())),
      [&](Value *p) {
        Value *stage = p;
        if (order)
          stage = b_.CreateLoad(b_.getInt64Ty(),
                                b_.CreateInBoundsGEP(order->getValueType(), order,
                                                     {te_.index(0), p}));
        body(p, stage);
      },
      1, /*straightLine=*/false);
}

TensorMap RungeKuttaStep::bindStage(const Tensor &X, Value *i) {
  TensorMap bound;
  for (const ir::ModelIR::Slot &s : model_.states)
    bound[s.var.get()] = te_.view(X, s.offset, s.shape);
  if (!model_.autonomous()) {
    const Tensor exo = te_.view(exoRows_, b_.CreateMul(i, te_.index(model_.exoDim())),
                                Shape::vector(int(model_.exoDim())));
    for (const ir::ModelIR::Slot &e : model_.exogenous)
      bound[e.var.get()] = te_.view(exo, e.offset, e.shape);
  }
  return bound;
}

void RungeKuttaStep::loadExogenous(Value *i) {
  if (model_.autonomous())
    return;
  internalCheck(bool(loadExo_), "RungeKuttaStep: a non-autonomous model without a loader");
  loadExo_(te_.view(exoRows_, b_.CreateMul(i, te_.index(model_.exoDim())),
                    Shape::vector(int(model_.exoDim()))),
           i);
}

TensorMap RungeKuttaStep::emitField(const TensorMap &known, const Tensor &K) {
  TensorMap values = field_.evaluate(model_.ddt, known);
  for (size_t k = 0; k < model_.ddt.size(); ++k) {
    const Tensor &value = values.at(model_.ddt[k].get());
    Tensor dst = te_.view(K, model_.states[k].offset, value.shape);
    emitLoop(b_, value.shape.size(),
             [&](Value *i) { te_.store(dst, i, te_.load(value, i, true)); });
  }
  return values;
}

namespace {

/// The nodes of `field` (Variables aside) that `uses` reach.
std::vector<ir::Expr> sharedNodes(const std::vector<ir::Expr> &field,
                                  const std::vector<ir::Expr> &uses) {
  std::unordered_set<const ir::Node *> used;
  for (const ir::Node *n : ir::topologicalOrder(uses))
    used.insert(n);
  std::vector<ir::Expr> out;
  std::unordered_set<const ir::Node *> seen;
  std::vector<ir::Expr> stack = field;
  while (!stack.empty()) {
    ir::Expr e = stack.back();
    stack.pop_back();
    if (!seen.insert(e.get()).second)
      continue;
    if (used.count(e.get()) && !e->is(ir::Op::Variable))
      out.push_back(e);
    stack.insert(stack.end(), e->args.begin(), e->args.end());
  }
  return out;
}

bool isTrue(Value *condition) {
  auto *c = llvm::dyn_cast<llvm::ConstantInt>(condition);
  return c && c->isOne();
}

std::unordered_set<const ir::Node *> nodeSet(const std::vector<ir::Expr> &nodes) {
  std::unordered_set<const ir::Node *> set;
  for (const ir::Expr &e : nodes)
    set.insert(e.get());
  return set;
}

/// The nodes of `field` (Variables aside) that `uses` read directly: roots of `uses`, and
/// arguments of their nodes that are not the field's. A VJP starting from these needs none of
/// their arguments (tanh.(u) for an MLP, not u).
std::vector<ir::Expr> readNodes(const std::vector<ir::Expr> &field,
                                const std::vector<ir::Expr> &uses) {
  std::unordered_set<const ir::Node *> inField;
  for (const ir::Node *n : ir::topologicalOrder(field))
    if (!n->is(ir::Op::Variable))
      inField.insert(n);
  std::vector<ir::Expr> out;
  std::unordered_set<const ir::Node *> seen;
  auto read = [&](const ir::Expr &e) {
    if (inField.count(e.get()) && seen.insert(e.get()).second)
      out.push_back(e);
  };
  for (const ir::Expr &root : uses)
    read(root);
  for (const ir::Node *n : ir::topologicalOrder(uses))
    if (!inField.count(n))
      for (const ir::Expr &a : n->args)
        read(a);
  return out;
}

} // namespace

void RungeKuttaStep::emitStages(const Tensor &X, Value *h, bool firstSlopeKnown) {
  emitStages(X, h, b_.getTrue(), nullptr, firstSlopeKnown);
}

void RungeKuttaStep::emitSlope(const Tensor &X, const Tensor &K) {
  loadExogenous(te_.index(0));
  emitField(bindStage(X, te_.index(0)), K);
}

Tensor RungeKuttaStep::slope(int i) { return row(K_, te_.index(i)); }

void RungeKuttaStep::emitRecomputation(const Tensor &X, Value *h,
                                       const std::vector<ir::Expr> &uses, Value *lastSlope) {
  internalCheck(!lastSlope || rolled_, "RungeKuttaStep: a last slope in straight-line recomputation");
  emitStages(X, h, lastSlope ? lastSlope : b_.getFalse(), &uses, false);
}

int64_t RungeKuttaStep::slotElements(const ir::ModelIR &model, const std::vector<ir::Expr> &uses) {
  int64_t n = model.stateDim();
  for (const ir::Expr &e : readNodes(model.ddt, uses))
    n += e->shape.size();
  return n;
}

void RungeKuttaStep::loadExogenousRows() {
  if (model_.autonomous())
    return;
  std::vector<int> all(static_cast<size_t>(tableau_.stages));
  std::iota(all.begin(), all.end(), 0);
  forEachStage(all, [&](Value *, Value *i) { loadExogenous(i); });
}

void RungeKuttaStep::emitStages(const Tensor &X, Value *h, Value *lastSlope,
                                const std::vector<ir::Expr> *uses, bool firstSlopeKnown) {
  const int s = tableau_.stages;
  internalCheck(!(firstSlopeKnown && (rolled_ || uses)),
                "RungeKuttaStep: a known first slope with rolled or kept stages");
  const int scope = te_.storageScope();
  keptScope_ = scope + 1;
  std::vector<ir::Expr> kept, read;
  if (uses) {
    kept = sharedNodes(model_.ddt, *uses);
    read = readNodes(model_.ddt, *uses);
  }
  if (rolled_) {
    std::vector<int> all(static_cast<size_t>(s));
    std::iota(all.begin(), all.end(), 0);
    kept_.assign(1, {});
    forEachStage(all, [&](Value *, Value *i) {
      Tensor state = row(stageStates(), slotCopy(i));
      emitCombination(
          b_, te_, state, &X, h, sum_, i,
          [&](Value *j) {
            Value *a = b_.CreateAdd(b_.CreateMul(i, te_.index(s)), j);
            return te_.load(A_, a, true);
          },
          [&](Value *j) { return row(K_, j); });
      if (uses)
        te_.setStorageScope(keptScope_, i, s);
      loadExogenous(i);
      TensorMap values = bindStage(state, i);
      if (uses && slots_ > 1) {
        if (relocate_)
          te_.relocateScope(keptScope_ + 1, relocate_);
        // What the VJP reads goes to the slot; the rest of what it shares with the field
        // stays in the stage's copy. Node by node, in order, each in its own storage.
        std::unordered_map<const ir::Node *, ir::Expr> byNode;
        for (const ir::Expr &e : kept)
          byNode[e.get()] = e;
        const std::unordered_set<const ir::Node *> onSlot = nodeSet(read);
        for (const ir::Node *n : ir::topologicalOrder(kept)) {
          if (!byNode.count(n))
            continue;
          if (onSlot.count(n))
            te_.setStorageScope(keptScope_ + 1, slotCopy(i), slots_ * s);
          values = field_.evaluate({byNode.at(n)}, values);
          te_.setStorageScope(keptScope_, i, s);
        }
      } else if (uses) {
        values = field_.evaluate(kept, values);
      }
      if (uses)
        kept_[0] = values;
      if (isTrue(lastSlope)) {
        emitField(values, row(K_, i));
      } else { // every stage's slope but the last's, unless lastSlope holds
        llvm::Function *f = b_.GetInsertBlock()->getParent();
        auto *slope = llvm::BasicBlock::Create(b_.getContext(), "stage.slope", f);
        auto *done = llvm::BasicBlock::Create(b_.getContext(), "stage.done", f);
        b_.CreateCondBr(b_.CreateOr(b_.CreateICmpSLT(i, te_.index(s - 1)), lastSlope), slope,
                        done);
        b_.SetInsertPoint(slope);
        emitField(values, row(K_, i));
        b_.CreateBr(done);
        b_.SetInsertPoint(done);
      }
      te_.setStorageScope(scope);
    });
    return;
  }
  straightState_.assign(size_t(s), {});
  kept_.assign(size_t(s), {});
  for (int i = 0; i < s; ++i) {
    std::vector<double> a;
    std::vector<Tensor> slopes;
    bool any = false;
    for (int j = 0; j < i; ++j) {
      a.push_back(tableau_.a(i, j));
      slopes.push_back(row(K_, te_.index(j)));
      any = any || a.back() != 0;
    }
    // A stage with no earlier slopes evaluates the field at X itself.
    straightState_[size_t(i)] = any ? row(stageStates(), te_.index(i)) : X;
    if (any)
      emitCombination(b_, te_, straightState_[size_t(i)], &X, h, a, slopes);
    loadExogenous(te_.index(i)); // the last stage's VJP reads them, slope or not
    if ((i < s - 1 || isTrue(lastSlope)) && !(i == 0 && firstSlopeKnown)) {
      if (uses)
        te_.setStorageScope(keptScope_ + i);
      kept_[size_t(i)] =
          emitField(bindStage(straightState_[size_t(i)], te_.index(i)), row(K_, te_.index(i)));
      te_.setStorageScope(scope);
    }
  }
}

void RungeKuttaStep::emitUpdate(const Tensor &X, Value *h) {
  std::vector<double> weights;
  for (const Coefficient &w : tableau_.b)
    weights.push_back(w.value);
  emitWeighted(X, &X, h, weights);
}

void RungeKuttaStep::emitWeighted(const Tensor &dst, const Tensor *base, Value *h,
                                  const std::vector<double> &weights) {
  std::vector<Tensor> slopes;
  for (size_t i = 0; i < weights.size(); ++i)
    slopes.push_back(row(K_, te_.index(int64_t(i))));
  emitCombination(b_, te_, dst, base, h, weights, slopes);
}

Tensor RungeKuttaStep::keptValue(const ir::Node &n, Value *i) {
  const Tensor onTape = te_.storedValue(n, keptScope_ + 1, slotCopy(i));
  return onTape.ptr ? onTape : te_.storedValue(n, keptScope_, i);
}

Tensor RungeKuttaStep::stageState(Value *i) {
  if (rolled_)
    return row(stageStates(), slotCopy(i));
  return straightState_.at(size_t(llvm::cast<llvm::ConstantInt>(i)->getSExtValue()));
}

Tensor RungeKuttaStep::stageRows(const ir::Node &n) {
  if (!rolled_)
    return {};
  const int s = tableau_.stages;
  if (model_.states.size() == 1 && &n == model_.states[0].var.get())
    return {row(stageStates(), slotCopy(te_.index(0))).ptr,
            Shape::matrix(s, int(model_.stateDim())), true};
  const Tensor first = keptValue(n, te_.index(0));
  if (!first.ptr)
    return {};
  return {first.ptr, Shape::matrix(s, int(n.shape.size())), true};
}

TensorMap RungeKuttaStep::fieldValues(Value *i) {
  TensorMap values;
  if (rolled_) {
    // The loop's values are those of its last stage; every stage's are in its copy.
    for (const auto &[node, t] : kept_.at(0)) {
      const Tensor stored = keptValue(*node, i);
      values[node] = stored.ptr ? stored : t;
    }
  } else {
    values = kept_.at(size_t(llvm::cast<llvm::ConstantInt>(i)->getSExtValue()));
  }
  for (const auto &[var, t] : bindStage(stageState(i), i))
    values[var] = t;
  return values;
}

} // namespace odec::codegen
