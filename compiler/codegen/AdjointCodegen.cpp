#include "codegen/AdjointCodegen.h"

#include "autodiff/FieldVjp.h"
#include "codegen/BatchChunks.h"
#include "codegen/Loops.h"
#include "codegen/ParamGradient.h"
#include "codegen/RungeKuttaStep.h"
#include "codegen/SimulatorCodegen.h"
#include "ir/Builder.h"
#include "support/InternalError.h"
#include "tableau/SolverPlan.h"

#include <algorithm>

namespace odec::codegen {

using llvm::Value;

namespace {

/// What seeds λ = ∂L/∂x_n at each step: the squared error against targets (and the loss is
/// computed), or a given cotangent of every step state (a vector–Jacobian product).
enum class Seed { Targets, Cotangent };

llvm::Function *emitAdjoint(llvm::Module &m, const ir::ModelIR &model,
                            const ButcherTableau &tableau, int width, Precision precision,
                            const MachineModel &machine, const std::string &name,
                            llvm::Function *forward, Seed seed) {
  requireExplicit(tableau);
  internalCheck(model.ddt.size() == model.states.size(), "emitAdjoint: one ddt per state");
  // Its body stays one copy, however many call sites the inliner sees.
  forward->addFnAttr(llvm::Attribute::NoInline);
  const ad::FieldVjp vjp = ad::fieldVjp(model, "", "_cot");

  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *dbl = b.getDoubleTy(), *i64 = b.getInt64Ty();
  llvm::Type *ptr = llvm::PointerType::getUnqual(dbl), *iptr = llvm::PointerType::getUnqual(i64);
  const bool targets = seed == Seed::Targets;
  std::vector<llvm::Type *> argTypes = {ptr, ptr, i64, i64, dbl};
  std::vector<const char *> argNames = {"params", "x0", "batch", "steps", "h"};
  if (targets) {
    argTypes.insert(argTypes.end(), {i64, iptr, ptr, ptr});
    argNames.insert(argNames.end(), {"numTargets", "targetSteps", "targetWeights", "targets"});
  } else {
    argTypes.push_back(ptr);
    argNames.push_back("cotangent");
  }
  argTypes.insert(argTypes.end(), {ptr, ptr, ptr});
  argNames.insert(argNames.end(), {"traj", "gradParams", "gradX0"});
  if (!targets) {
    argTypes.push_back(i64);
    argNames.push_back("trajGiven");
  }
  auto *fnTy = llvm::FunctionType::get(targets ? dbl : b.getVoidTy(), argTypes, false);
  auto *f = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow();
  const unsigned firstOutput = targets ? 9 : 6; // traj
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    f->getArg(i)->setName(argNames[i]);
    if (f->getArg(i)->getType()->isPointerTy()) { // distinct buffers, not retained
      f->addParamAttr(i, llvm::Attribute::NoAlias);
      f->addParamAttr(i, llvm::Attribute::NoCapture);
      if (i < firstOutput)
        f->addParamAttr(i, llvm::Attribute::ReadOnly);
    }
  }
  Value *params = f->getArg(0), *x0 = f->getArg(1), *batch = f->getArg(2), *steps = f->getArg(3),
        *h = f->getArg(4);
  Value *numTargets = targets ? f->getArg(5) : nullptr;
  Value *targetSteps = targets ? f->getArg(6) : nullptr;
  Value *targetWeights = targets ? f->getArg(7) : nullptr;
  Value *targetValues = targets ? f->getArg(8) : nullptr;
  Value *cotangent = targets ? nullptr : f->getArg(5);
  Value *traj = f->getArg(firstOutput), *gradParams = f->getArg(firstOutput + 1),
        *gradX0 = f->getArg(firstOutput + 2);
  Value *trajGiven = targets ? nullptr : f->getArg(firstOutput + 3);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));

  TensorEmitter te(b, width, precision, machine);
  std::unordered_set<const ir::Node *> varying;
  for (const ir::ModelIR::Slot &s : model.states)
    varying.insert(s.var.get());
  for (const ir::Expr &c : vjp.cotangents)
    varying.insert(c.get());
  std::vector<ir::Expr> roots = model.ddt;
  roots.insert(roots.end(), vjp.all.begin(), vjp.all.end());
  ExprEvaluator eval(te, roots, bindParams(te, model, params), varying, "model " + model.name);
  // The reverse sweep holds two thirds of the module's code (stage recomputation and the VJP;
  // the forward solver the rest): its stages are rolled, except in one-lane code, which is
  // small and latency-bound (docs/performance.md, section 11).
  RungeKuttaStep step(b, te, eval, model, tableau, /*rolled=*/width > 1);

  const int s = tableau.stages;
  const int64_t D = model.stateDim(), P = model.paramCount();
  const Shape flatState = Shape::vector(int(D));
  Tensor X = te.allocate(flatState, true, "X"), lambda = te.allocate(flatState, true, "lambda");
  Tensor kbar = te.allocate(flatState, true, "kbar"), target = te.allocate(flatState, true, "y");
  // X̄_i as the rows of one tensor: a rolled VJP loop picks its stage's row at run time.
  Tensor XbarRows = te.allocate(Shape::vector(int(s * D)), true, "Xbar");
  auto Xbar = [&](Value *i) { return te.view(XbarRows, b.CreateMul(i, te.index(D)), flatState); };
  Tensor thetaBar = te.allocate(Shape::vector(int(std::max<int64_t>(P, 1))), true, "thetaBar");
  Tensor loss = te.allocate(Shape::scalar(), true, "loss");
  // The next target to consume, downwards; in the entry block (the prologue may have left the
  // builder elsewhere), so mem2reg promotes it.
  Value *targetPos =
      llvm::IRBuilder<>(&f->getEntryBlock(), f->getEntryBlock().begin()).CreateAlloca(i64);
  Value *zero = llvm::Constant::getNullValue(te.elementType(true));
  auto clear = [&](const Tensor &t) {
    emitLoop(b, t.shape.size(), [&](Value *i) { te.store(t, i, zero); });
  };
  clear(thetaBar);
  clear(loss);
  clear(XbarRows); // a dead stage's row is read (with coefficient 0) but never written

  // The stages whose X̄ can be nonzero, and so whose VJP runs (last first): the plan's.
  const SolverPlan plan = SolverPlan::of(tableau);
  const std::vector<bool> &live = plan.live;
  const std::vector<int> &liveDownwards = plan.liveDownwards;
  // In rolled stages, each stage's VJP values are kept in a copy of their own (this scope),
  // so that the θ̄ products can read a stage's factors where they are.
  const int vjpScope = step.keptScope() + s;
  ParamGradient thetaGrad(te, model, vjp, varying, thetaBar, int64_t(liveDownwards.size()), s,
                          [&](const ir::Node &n) {
                            Tensor rows = step.stageRows(n);
                            const Tensor first = te.storedValue(n, vjpScope, te.index(0));
                            if (!rows.ptr && first.ptr)
                              rows = {first.ptr, Shape::matrix(s, int(n.shape.size())), true};
                            return rows;
                          });
  // k̄_i = h (b_i λ + Σ_{j>i} a_ji X̄_j) over live j: row i of kbarCoef holds b_i and then
  // a_ji for j = i+1 … s−1 (dead j's as 0); rolled code reads it as a table.
  std::vector<double> kbarCoef(size_t(s * s), 0.0);
  for (int st = 0; st < s; ++st) {
    kbarCoef[size_t(st * s)] = tableau.b[size_t(st)].value;
    for (int j = st + 1; j < s; ++j)
      kbarCoef[size_t(st * s + j - st)] = live[size_t(j)] ? tableau.a(j, st) : 0.0;
  }
  const Tensor kbarTable = step.rolled() ? step.table(kbarCoef) : Tensor{};
  const Tensor kbarSum = step.rolled() ? te.allocate(flatState, true, "kbar.sum") : Tensor{};
  std::vector<ir::Expr> stageRoots = vjp.wrtStates; // what each stage's VJP pass evaluates
  stageRoots.insert(stageRoots.end(), thetaGrad.roots().begin(), thetaGrad.roots().end());

  Value *hv = te.splat(te.toReal(h)), *one = te.splat(te.real(1.0));
  Value *Dv = b.getInt64(uint64_t(D));
  Value *trajStride = b.CreateMul(b.CreateAdd(steps, b.getInt64(1)), Dv);
  Value *targetStride = targets ? b.CreateMul(numTargets, Dv) : nullptr;

  emitChunkLoop(b, te, batch, [&](const BatchChunk &chunk) {
    auto trajRow = [&](Value *n) { return chunk.rowStart(b, trajStride, b.CreateMul(n, Dv)); };
    Value *inBatch = te.fromLanes(chunk.mask); // selects on varying values take its shape

    // Forward: the chunk's trajectories by the forward solver itself, so that traj is what
    // it computes, to the bit; then X = x_N.
    // A VJP may be handed the trajectory of an earlier forward solve instead (trajGiven).
    llvm::BasicBlock *solved = nullptr;
    if (trajGiven) {
      auto *solve = llvm::BasicBlock::Create(ctx, "forward", f);
      solved = llvm::BasicBlock::Create(ctx, "forward.done", f);
      b.CreateCondBr(b.CreateICmpEQ(trajGiven, b.getInt64(0)), solve, solved);
      b.SetInsertPoint(solve);
    }
    Value *count = b.CreateSub(batch, chunk.first);
    count = b.CreateSelect(b.CreateICmpSLT(count, te.index(width)), count, te.index(width));
    b.CreateCall(forward, {params, b.CreateInBoundsGEP(dbl, x0, b.CreateMul(chunk.first, Dv)),
                           b.CreateInBoundsGEP(dbl, traj, b.CreateMul(chunk.first, trajStride)),
                           count, steps, h});
    if (solved) {
      b.CreateBr(solved);
      b.SetInsertPoint(solved);
    }
    gatherRows(b, te, X, traj, trajRow(steps), chunk.mask);

    // λ += ∂L/∂x_n = Σ_{t: s_t = n} 2 w_t (x_n − y_t), and the loss, for the targets at step n
    // (X holds x_n). Targets are sorted, so they are consumed from the last one down.
    auto injectTargets = [&](Value *n) {
      auto *head = llvm::BasicBlock::Create(ctx, "target", f);
      auto *check = llvm::BasicBlock::Create(ctx, "target.check", f);
      auto *body = llvm::BasicBlock::Create(ctx, "target.inject", f);
      auto *done = llvm::BasicBlock::Create(ctx, "target.done", f);
      b.CreateBr(head);
      b.SetInsertPoint(head);
      Value *t = b.CreateLoad(i64, targetPos);
      b.CreateCondBr(b.CreateICmpSGE(t, b.getInt64(0)), check, done);
      b.SetInsertPoint(check);
      Value *st = b.CreateLoad(i64, b.CreateInBoundsGEP(i64, targetSteps, t));
      b.CreateCondBr(b.CreateICmpEQ(st, n), body, done);
      b.SetInsertPoint(body);
      Value *w =
          te.splat(te.toReal(b.CreateLoad(dbl, b.CreateInBoundsGEP(dbl, targetWeights, t))));
      gatherRows(b, te, target, targetValues, chunk.rowStart(b, targetStride, b.CreateMul(t, Dv)),
                 chunk.mask);
      emitLoop(b, D, [&](Value *d) {
        Value *diff = b.CreateSelect(
            inBatch, b.CreateFSub(te.load(X, d, true), te.load(target, d, true)), zero);
        Value *wd = b.CreateFMul(w, diff);
        Value *l0 = te.index(0);
        te.store(loss, l0,
                 b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {wd->getType()},
                                   {wd, diff, te.load(loss, l0, true)}));
        te.store(lambda, d,
                 b.CreateIntrinsic(
                     llvm::Intrinsic::fmuladd, {wd->getType()},
                     {te.splat(te.real(2.0)), wd, te.load(lambda, d, true)}));
      });
      b.CreateStore(b.CreateSub(t, b.getInt64(1)), targetPos);
      b.CreateBr(head);
      b.SetInsertPoint(done);
    };
    // λ += the cotangent of x_n (target holds it).
    auto injectCotangent = [&](Value *n) {
      gatherRows(b, te, target, cotangent, trajRow(n), chunk.mask);
      emitLoop(b, D, [&](Value *d) {
        te.store(lambda, d,
                 b.CreateFAdd(te.load(lambda, d, true),
                              b.CreateSelect(inBatch, te.load(target, d, true), zero)));
      });
    };
    auto inject = [&](Value *n) { targets ? injectTargets(n) : injectCotangent(n); };

    clear(lambda);
    if (targets)
      b.CreateStore(b.CreateSub(numTargets, b.getInt64(1)), targetPos);
    inject(steps);
    thetaGrad.beginSweep(steps);
    emitLoop(b, steps, [&](Value *i) {
      Value *n = b.CreateSub(b.CreateSub(steps, b.getInt64(1)), i);
      gatherRows(b, te, X, traj, trajRow(n), chunk.mask);
      // Each stage's field values that its VJP uses are kept: the VJP pass reuses them
      // (tanh.(W1*x .+ b1) for an MLP) instead of evaluating them again.
      step.emitRecomputation(X, hv, stageRoots);
      step.forEachStage(liveDownwards, [&](Value *position, Value *st) {
        if (step.rolled()) {
          Value *rowStart = b.CreateMul(st, te.index(s));
          emitCombination(
              b, te, kbar, nullptr, hv, kbarSum, b.CreateSub(te.index(s), st),
              [&](Value *j) { return te.load(kbarTable, b.CreateAdd(rowStart, j), true); },
              [&](Value *j) { // λ, then X̄_{i+j}
                Value *first = b.CreateICmpEQ(j, te.index(0));
                return Tensor{b.CreateSelect(first, lambda.ptr, Xbar(b.CreateAdd(st, j)).ptr),
                              flatState, true};
              });
        } else {
          const int64_t c = llvm::cast<llvm::ConstantInt>(st)->getSExtValue();
          const auto row = kbarCoef.begin() + c * s;
          std::vector<Tensor> terms = {lambda};
          for (int64_t j = c + 1; j < s; ++j)
            terms.push_back(Xbar(te.index(j)));
          emitCombination(b, te, kbar, nullptr, hv, std::vector<double>(row, row + (s - c)),
                          terms);
        }
        TensorMap bound = step.fieldValues(st);
        for (size_t k = 0; k < model.states.size(); ++k)
          bound[vjp.cotangents[k].get()] =
              te.view(kbar, model.states[k].offset, model.states[k].shape);
        if (step.rolled())
          te.setStorageScope(vjpScope, st, s);
        TensorMap values = eval.evaluate(stageRoots, bound);
        te.setStorageScope(0);
        const Tensor XbarStage = Xbar(st);
        for (size_t k = 0; k < model.states.size(); ++k) {
          const Tensor &v = values.at(vjp.wrtStates[k].get());
          Tensor dst = te.view(XbarStage, model.states[k].offset, v.shape);
          emitLoop(b, v.shape.size(), [&](Value *e) { te.store(dst, e, te.load(v, e, true)); });
        }
        thetaGrad.addStage(values, inBatch, i, position, st);
      });
      thetaGrad.endStep(i, steps);
      std::vector<double> ones;
      std::vector<Tensor> rows;
      for (int st = 0; st < s; ++st) {
        ones.push_back(live[size_t(st)] ? 1.0 : 0.0);
        rows.push_back(Xbar(te.index(st)));
      }
      emitCombination(b, te, lambda, &lambda, one, ones, rows);
      inject(n); // X still holds x_n: the stages were written to their own buffers
    });
    scatterRows(b, te, lambda, gradX0, chunk.rowStart(b, Dv, b.getInt64(0)), chunk.mask);
  });

  emitLoop(b, P, [&](Value *p) {
    b.CreateStore(thetaGrad.total(p), b.CreateInBoundsGEP(dbl, gradParams, p));
  });
  Value *result = targets ? te.sumLanes(te.load(loss, te.index(0), true)) : nullptr;
  te.freeHeapStorage();
  if (targets)
    b.CreateRet(result);
  else
    b.CreateRetVoid();
  return f;
}

} // namespace

llvm::Function *emitLossGrad(llvm::Module &m, const ir::ModelIR &model,
                             const ButcherTableau &tableau, int width, Precision precision,
                             const MachineModel &machine,
                             const std::string &name, llvm::Function *forward) {
  return emitAdjoint(m, model, tableau, width, precision, machine, name, forward,
                     Seed::Targets);
}

llvm::Function *emitVjp(llvm::Module &m, const ir::ModelIR &model, const ButcherTableau &tableau,
                        int width, Precision precision, const MachineModel &machine,
                        const std::string &name, llvm::Function *forward) {
  return emitAdjoint(m, model, tableau, width, precision, machine, name, forward,
                     Seed::Cotangent);
}

} // namespace odec::codegen
