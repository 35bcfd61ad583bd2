#include "codegen/ParamGradient.h"

#include "codegen/LaneSumProduct.h"
#include "codegen/Loops.h"

#include <algorithm>

namespace odec::codegen {

using llvm::Value;

namespace {

constexpr int64_t kDeferredSlots = 4;
/// Per-lane bytes of the deferred products' θ̄ from which the flush sums over the lanes.
constexpr int64_t kLaneSumBytes = 16 * 1024;

/// The summands of e's tree of additions (e itself when it is no sum).
void addTerms(const ir::Expr &e, std::vector<ir::Expr> &out) {
  if (e->is(ir::Op::Add)) {
    addTerms(e->args[0], out);
    addTerms(e->args[1], out);
  } else {
    out.push_back(e);
  }
}

/// The tensor a product's factor reads: a transposed vector has its argument's layout, so its
/// argument serves without the copy a Transpose node makes.
ir::Expr factorSource(const ir::Expr &f) {
  const bool vector = f->shape.rows == 1 || f->shape.cols == 1;
  return f->is(ir::Op::Transpose) && vector ? f->args[0] : f;
}

/// Whether e depends on one of the inputs.
bool dependsOn(const ir::Expr &e, const std::unordered_set<const ir::Node *> &inputs) {
  for (const ir::Node *n : ir::topologicalOrder({e}))
    if (inputs.count(n))
      return true;
  return false;
}

} // namespace

ParamGradient::ParamGradient(TensorEmitter &te, const ir::ModelIR &model, const ad::FieldVjp &vjp,
                             const std::unordered_set<const ir::Node *> &varyingInputs,
                             const Tensor &thetaBar, int64_t liveStages, int64_t stages,
                             StageRows stageRows)
    : te_(te), thetaBar_(thetaBar), liveStages_(liveStages),
      // One lane: its θ̄ is small enough to stay in cache, and a flush every few steps cost
      // more in branches and bookkeeping than it saved (W3 Euler).
      stepsPerFlush_(te.width() == 1 ? 1 : std::max<int64_t>(1, kDeferredSlots / liveStages)),
      stageRows_(std::move(stageRows)) {
  for (size_t p = 0; p < model.params.size(); ++p) {
    if (vjp.wrtParams[p]->isConstantValue(0))
      continue;
    std::vector<ir::Expr> terms;
    addTerms(vjp.wrtParams[p], terms);
    for (const ir::Expr &t : terms) {
      Tensor acc = te.view(thetaBar, model.params[p].offset, t->shape);
      if (!t->is(ir::Op::MatMul) || !dependsOn(t->args[0], varyingInputs) ||
          !dependsOn(t->args[1], varyingInputs)) {
        immediate_.push_back({t, acc, model.params[p].offset});
        roots_.push_back(t);
        continue;
      }
      deferred_.push_back({factorSource(t->args[0]), factorSource(t->args[1]), acc, {}, {}, {},
                           {}, t->args[0]->shape.cols, model.params[p].offset});
      roots_.push_back(deferred_.back().a);
      roots_.push_back(deferred_.back().b);
    }
  }
  // Summed over the lanes when kept per lane they would crowd the cache: W1's 64×2 weights
  // (16 KiB per lane) 4 % faster, W2's 32×128 (1 MiB) 14 %. Below, the per-lane flush is as
  // fast and its code quicker to compile (the spiral's 16×2: 4 KiB; lane sums would add a
  // quarter to its text-to-adjoint time). docs/performance.md, section 12.
  int64_t perLaneBytes = 0;
  for (const Deferred &d : deferred_)
    perLaneBytes += d.acc.shape.size() * te.width() *
                    int64_t(te.elementType(false)->getPrimitiveSizeInBits() / 8);
  const bool laneSums = te.width() > 1 && perLaneBytes >= kLaneSumBytes;
  // With lane sums, a flush after every step and every stage live, slot j holds stage j: a
  // factor kept per stage (by the step's rolled recomputation: tanh.(W1*x .+ b1), the stage
  // states; by the VJP pass: λ ⊙ (1 − t²)) is then read where it is, not copied into the slots
  // (W2 fwd+adj: 2.5 % faster for B̄, 0.5–1 % more for Ā).
  // (A dead stage's kept values, which its zero Ā would meet, could be inf.)
  stageSlots_ = laneSums && stepsPerFlush_ == 1 && liveStages == stages && bool(stageRows_);
  for (Deferred &d : deferred_) {
    const int slots = int(d.inner * liveStages * stepsPerFlush_);
    d.slotsA = te.allocate(Shape::matrix(d.acc.shape.rows, slots), true, "slotsA");
    d.slotsB = te.allocate(Shape::matrix(slots, d.acc.shape.cols), true, "slotsB");
  }
  if (!laneSums)
    return;
  summed_ = te.allocate(thetaBar.shape, false, "thetaBar.summed");
  clear(summed_);
  for (Deferred &d : deferred_)
    d.acc = te.view(summed_, d.offset, d.acc.shape);
  // A summand that is a column factor of a deferred product (a bias's λ: θ̄_b = λ beside
  // θ̄_W = λ hᵀ) is in that product's slots already: summed from them at each flush (Ā·1),
  // not added per lane at every stage.
  for (auto it = immediate_.begin(); it != immediate_.end();) {
    auto d = std::find_if(deferred_.begin(), deferred_.end(), [&](const Deferred &d) {
      return d.a.get() == it->term.get() && d.inner == 1;
    });
    if (d == deferred_.end() || it->acc.shape.size() != d->slotsA.shape.rows) {
      ++it;
      continue;
    }
    if (!ones_.ptr) { // every column factor has liveStages × stepsPerFlush slots
      ones_ = te.allocate(Shape::vector(int(d->slotsA.shape.cols)), true, "ones");
      emitLoop(te.builder(), ones_.shape.size(),
               [&](Value *e) { te.store(ones_, e, te.splat(te.real(1.0))); });
    }
    rowSums_.push_back({size_t(d - deferred_.begin()),
                        te.view(summed_, it->offset, Shape::matrix(d->slotsA.shape.rows, 1))});
    it = immediate_.erase(it);
  }
}

void ParamGradient::clear(const Tensor &t) {
  Value *zero = llvm::Constant::getNullValue(te_.elementType(t.varying));
  emitLoop(te_.builder(), t.shape.size(), [&](Value *e) { te_.store(t, e, zero); });
}

void ParamGradient::clearSlotsIf(Value *condition) {
  // A flush that comes before its steps filled every slot (the sweep's last, when stepsPerFlush
  // does not divide the steps) must find zeros in the others. Only that period's slots are
  // cleared: clearing after every flush cost W2's Euler fwd+adj 1 %.
  if (stepsPerFlush_ == 1 || deferred_.empty())
    return;
  llvm::IRBuilder<> &b = te_.builder();
  llvm::Function *f = b.GetInsertBlock()->getParent();
  auto *clearBlock = llvm::BasicBlock::Create(b.getContext(), "slots.clear", f);
  auto *after = llvm::BasicBlock::Create(b.getContext(), "slots.done", f);
  b.CreateCondBr(condition, clearBlock, after);
  b.SetInsertPoint(clearBlock);
  for (const Deferred &d : deferred_) {
    clear(d.slotsA);
    clear(d.slotsB);
  }
  b.CreateBr(after);
  b.SetInsertPoint(after);
}

void ParamGradient::beginSweep(Value *steps) {
  clearSlotsIf(te_.builder().CreateICmpSLT(steps, te_.index(stepsPerFlush_)));
}

void ParamGradient::addStage(const TensorMap &values, Value *inBatch, Value *i,
                             Value *liveStage, Value *stage) {
  llvm::IRBuilder<> &b = te_.builder();
  // Both factors of a product are stored as zeros in masked lanes, so that no inf or NaN
  // there survives the product.
  Value *zero = llvm::Constant::getNullValue(te_.elementType(true));
  auto masked = [&](const Tensor &t, Value *e) {
    return b.CreateSelect(inBatch, te_.load(t, e, true), zero);
  };
  for (const Immediate &im : immediate_) {
    const Tensor &v = values.at(im.term.get());
    emitLoop(b, v.shape.size(), [&](Value *e) {
      te_.store(im.acc, e, b.CreateFAdd(te_.load(im.acc, e, true), masked(v, e)));
    });
  }
  // The stage's slot: its stage, or after those of the flush's earlier steps.
  Value *stepInFlush =
      stepsPerFlush_ == 1 ? te_.index(0) : b.CreateURem(i, te_.index(stepsPerFlush_));
  Value *slot = stageSlots_
                    ? stage
                    : b.CreateAdd(b.CreateMul(stepInFlush, te_.index(liveStages_)), liveStage);
  lanes_ = inBatch;
  for (Deferred &d : deferred_) {
    const Tensor &fa = values.at(d.a.get()), &fb = values.at(d.b.get());
    const int64_t rows = d.slotsA.shape.rows, cols = d.slotsB.shape.cols, k = d.inner;
    Value *col = b.CreateMul(slot, te_.index(k)); // the slot's first column of Ā
    if (stageSlots_ && k == 1) { // masked lanes are masked as the flush reads them
      d.aRows = stageRows_(*d.a);
      d.bRows = stageRows_(*d.b);
    }
    if (!d.aRows.ptr)
      emitLoop(b, rows, [&](Value *r) {
        emitLoop(b, k, [&](Value *j) {
          Value *dst =
              b.CreateAdd(b.CreateMul(r, te_.index(d.slotsA.shape.cols)), b.CreateAdd(col, j));
          te_.store(d.slotsA, dst, masked(fa, b.CreateAdd(b.CreateMul(r, te_.index(k)), j)));
        });
      });
    if (d.bRows.ptr)
      continue;
    Value *row0 = b.CreateMul(col, te_.index(cols)); // the slot's first element of B̄
    emitLoop(b, k * cols,
             [&](Value *e) { te_.store(d.slotsB, b.CreateAdd(row0, e), masked(fb, e)); });
  }
}

void ParamGradient::flush() {
  for (const Deferred &d : deferred_)
    if (d.acc.varying)
      te_.addProduct(d.acc, d.slotsA, d.slotsB);
    else
      addLaneSummedProduct(te_, d.acc, d.aRows.ptr ? d.aRows : d.slotsA,
                           d.bRows.ptr ? d.bRows : d.slotsB,
                           d.aRows.ptr || d.bRows.ptr ? lanes_ : nullptr, bool(d.aRows.ptr));
  for (const auto &[product, acc] : rowSums_) {
    const Deferred &d = deferred_[product];
    addLaneSummedProduct(te_, acc, d.aRows.ptr ? d.aRows : d.slotsA, ones_,
                         d.aRows.ptr ? lanes_ : nullptr, bool(d.aRows.ptr));
  }
}

void ParamGradient::endStep(Value *i, Value *steps) {
  if (stepsPerFlush_ == 1 || deferred_.empty()) {
    flush();
    return;
  }
  // After the flush's last step, and after the sweep's last step.
  llvm::IRBuilder<> &b = te_.builder();
  Value *next = b.CreateAdd(i, te_.index(1));
  Value *due =
      b.CreateOr(b.CreateICmpEQ(b.CreateURem(next, te_.index(stepsPerFlush_)), te_.index(0)),
                 b.CreateICmpEQ(next, steps));
  llvm::Function *f = b.GetInsertBlock()->getParent();
  auto *flushBlock = llvm::BasicBlock::Create(b.getContext(), "flush", f);
  auto *after = llvm::BasicBlock::Create(b.getContext(), "flush.done", f);
  b.CreateCondBr(due, flushBlock, after);
  b.SetInsertPoint(flushBlock);
  flush();
  // The next period ends the sweep before it fills its slots.
  clearSlotsIf(b.CreateAnd(b.CreateICmpSLT(next, steps),
                           b.CreateICmpSGT(b.CreateAdd(next, te_.index(stepsPerFlush_)), steps)));
  b.CreateBr(after);
  b.SetInsertPoint(after);
}

Value *ParamGradient::total(Value *p) {
  Value *sum = te_.sumLanes(te_.load(thetaBar_, p, true));
  if (!summed_.ptr)
    return sum;
  return te_.builder().CreateFAdd(sum, te_.toDouble(te_.load(summed_, p, false)));
}

} // namespace odec::codegen
