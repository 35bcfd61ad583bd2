#include "codegen/AdaptiveCodegen.h"

#include "codegen/BatchChunks.h"
#include "codegen/ElementwiseMath.h"
#include "codegen/Loops.h"
#include "codegen/RungeKuttaStep.h"
#include "codegen/SimulatorCodegen.h"
#include "tableau/OrderConditions.h"
#include "tableau/SolverPlan.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Intrinsics.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace odec::codegen {

using llvm::Value;

int embeddedErrorOrder(const ButcherTableau &tableau) {
  return std::min(checkOrderConditions(tableau).order,
                  checkOrderConditions(tableau.embeddedMethod()).order);
}

void requireAdaptive(const ir::ModelIR &model, const ButcherTableau &tableau) {
  requireExplicit(tableau);
  if (!tableau.hasEmbedded())
    throw std::invalid_argument("tableau '" + tableau.name +
                                "' has no embedded weights (bhat); adaptive steps need a pair "
                                "such as DormandPrince5, Tsit5, CashKarp45, Fehlberg45 or "
                                "BogackiShampine3");
}

llvm::Function *emitAdaptiveSimulator(llvm::Module &m, const ir::ModelIR &model,
                                      const ButcherTableau &tableau, int width,
                                      Precision precision, const MachineModel &machine,
                                      const std::string &name) {
  requireAdaptive(model, tableau);
  const int q = embeddedErrorOrder(tableau);
  const int64_t D = model.stateDim();
  const unsigned W = unsigned(width);

  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *dbl = b.getDoubleTy(), *i64 = b.getInt64Ty();
  llvm::Type *ptr = llvm::PointerType::getUnqual(dbl);
  llvm::Type *bytes = b.getInt8PtrTy();
  // void exogenous(ctx, times, traj, mask, lanes, left, out): jit::ExogenousFn.
  auto *exoTy = llvm::FunctionType::get(
      b.getVoidTy(), {bytes, ptr, llvm::PointerType::getUnqual(i64), ptr, i64, i64, ptr}, false);
  auto *fnTy = llvm::FunctionType::get(b.getVoidTy(),
                                       {ptr, ptr, ptr, i64, ptr, i64, ptr, ptr, ptr, ptr, i64,
                                        llvm::PointerType::getUnqual(exoTy), bytes, ptr, i64},
                                       false);
  auto *f = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow(); // the exogenous function too (AdaptiveSolve.cpp)
  const char *argNames[] = {"params",   "x0",        "out",     "batch",  "times",
                            "count",    "h0",        "control", "stats",  "steps",
                            "capacity", "exogenous", "context", "breaks", "breakStride"};
  for (unsigned i = 0; i < 15; ++i)
    f->getArg(i)->setName(argNames[i]);
  for (unsigned i : {0u, 1u, 2u, 4u, 6u, 7u, 8u, 9u}) { // distinct buffers, not retained
    f->addParamAttr(i, llvm::Attribute::NoAlias);
    f->addParamAttr(i, llvm::Attribute::NoCapture);
    if (i != 2 && i != 8 && i != 9)
      f->addParamAttr(i, llvm::Attribute::ReadOnly);
  }
  Value *params = f->getArg(0), *x0 = f->getArg(1), *out = f->getArg(2), *batch = f->getArg(3),
        *times = f->getArg(4), *count = f->getArg(5), *h0 = f->getArg(6),
        *control = f->getArg(7), *stats = f->getArg(8), *steps = f->getArg(9),
        *capacity = f->getArg(10), *exogenous = f->getArg(11), *context = f->getArg(12),
        *breaks = f->getArg(13), *breakStride = f->getArg(14);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
  const int64_t exoDim = model.exoDim();
  // What the host's exogenous function reads and writes, lane by lane.
  auto *dblLanesTy = llvm::FixedVectorType::get(dbl, W);
  auto *i64LanesTy = llvm::FixedVectorType::get(i64, W);
  llvm::Value *exoTimes = nullptr, *exoTraj = nullptr, *exoMask = nullptr, *exoOut = nullptr;
  if (exoDim > 0) {
    exoTimes = b.CreateAlloca(dblLanesTy, nullptr, "exo.times");
    exoTraj = b.CreateAlloca(i64LanesTy, nullptr, "exo.traj");
    exoMask = b.CreateAlloca(dblLanesTy, nullptr, "exo.mask");
    exoOut = b.CreateAlloca(dblLanesTy, b.getInt64(uint64_t(exoDim)), "exo.out");
  }

  TensorEmitter te(b, width, precision, machine);
  ExprEvaluator field(te, model.ddt, bindParams(te, model, params), stageInputs(model),
                      "model " + model.name);
  RungeKuttaStep step(b, te, field, model, tableau, /*rolled=*/false);

  // Control values and constants as lanes (<W x real>): the loop's arithmetic works on lanes,
  // whatever the width; tensors hold the emitter's varying form (a scalar when W = 1).
  auto lanes = [&](Value *scalarReal) { return b.CreateVectorSplat(W, scalarReal); };
  auto controlValue = [&](uint64_t i) {
    return lanes(te.toReal(b.CreateLoad(dbl, b.CreateConstInBoundsGEP1_64(dbl, control, i))));
  };
  Value *rtol = controlValue(0), *atol = controlValue(1), *maxSteps = controlValue(2),
        *safety = controlValue(3), *minFactor = controlValue(4), *maxFactor = controlValue(5),
        *beta = controlValue(6);
  Value *zero = lanes(te.real(0)), *one = lanes(te.real(1));
  Value *stepToTimes = b.CreateFCmpONE(controlValue(7), zero);
  // control[8] ≠ 0: each recorded step's length is followed by the state the step reached, a
  // row of 1 + D values per step (the discrete gradient reverses from them, AdaptiveSolve.cpp).
  Value *recordStates =
      b.CreateFCmpONE(b.CreateLoad(dbl, b.CreateConstInBoundsGEP1_64(dbl, control, 8)),
                      llvm::ConstantFP::get(dbl, 0.0));
  Value *stepStride = b.CreateSelect(recordStates, b.getInt64(uint64_t(1 + D)), b.getInt64(1));
  // The PI controller's exponent of the current error: 1/(q+1) − 0.75 β (Hairer's dopri5).
  Value *alpha = b.CreateFSub(lanes(te.real(1.0 / double(q + 1))),
                              b.CreateFMul(lanes(te.real(0.75)), beta));
  Value *errFloor = lanes(te.real(1e-4));
  Value *tiny = lanes(te.real(16 * (precision == Precision::Float
                                        ? double(std::numeric_limits<float>::epsilon())
                                        : std::numeric_limits<double>::epsilon())));
  Value *countReal = lanes(te.toReal(b.CreateSIToFP(count, dbl)));
  Value *dimReal = lanes(te.real(double(D)));
  auto unary = [&](llvm::Intrinsic::ID id, Value *v) { return b.CreateUnaryIntrinsic(id, v); };
  auto binary = [&](llvm::Intrinsic::ID id, Value *x, Value *y) {
    return b.CreateBinaryIntrinsic(id, x, y);
  };
  Value *tEnd = lanes(te.toReal(b.CreateLoad(
      dbl, b.CreateGEP(dbl, times, b.CreateSub(count, b.getInt64(1))))));

  std::vector<double> bWeights, errWeights;
  for (size_t i = 0; i < tableau.b.size(); ++i) {
    bWeights.push_back(tableau.b[i].value);
    const Coefficient &w = tableau.b[i], &v = tableau.bhat[i];
    // b − bhat rounded once when both are exact (the difference is often tiny).
    errWeights.push_back(w.exact && v.exact ? (*w.exact - *v.exact).toDouble()
                                            : w.value - v.value);
  }
  const SolverPlan plan = SolverPlan::of(tableau);
  const int s = tableau.stages;
  // An FSAL pair's last stage is f(x_{n+1}) at t_{n+1} — but with a held input's value from the
  // left there, where the next step's first stage reads it from the right: a driven model
  // evaluates f(x_{n+1}) anew.
  const bool reuseLast = plan.fsal && model.autonomous();
  // Whether the dense output reads f(x_{n+1}) (Hermite) beyond the stages.
  bool endSlope = false;
  for (double c : plan.dense[size_t(s)])
    endSlope = endSlope || c != 0;

  Tensor X = te.allocate(Shape::vector(int(D)), true, "X");
  Tensor Y = te.allocate(Shape::vector(int(D)), true, "Y");
  Tensor E = te.allocate(Shape::vector(int(D)), true, "E");
  Tensor Z = te.allocate(Shape::vector(int(D)), true, "Z");
  // f(x_{n+1}): the next step's first slope, the FSAL pair's last stage or computed.
  Tensor F = reuseLast ? Tensor{} : te.allocate(Shape::vector(int(D)), true, "Fend");
  // Per lane: time, proposed step, next output index, accepted and rejected steps, status,
  // a running sum, the last accepted step's error and the last step tried; `record` is what
  // stats receives.
  auto scalarTensor = [&](const char *n) { return te.allocate(Shape::vector(1), true, n); };
  Tensor tT = scalarTensor("t"), hT = scalarTensor("h"), kT = scalarTensor("k"),
         breakT = scalarTensor("break"),
         accT = scalarTensor("accepted"), rejT = scalarTensor("rejected"),
         statT = scalarTensor("status"), sumT = scalarTensor("errsum"),
         prevT = scalarTensor("errprev"), lastT = scalarTensor("lasttried"),
         firstT = scalarTensor("h0");
  Tensor record = te.allocate(Shape::vector(5), true, "record");
  auto get = [&](const Tensor &t, int64_t i = 0) { return te.toLanes(te.load(t, te.index(i), true)); };
  auto put = [&](const Tensor &t, Value *v, int64_t i = 0) {
    te.store(t, te.index(i), te.fromLanes(v));
  };
  auto count01 = [&](Value *mask) { return b.CreateSelect(mask, one, zero); };
  auto select = [&](const Tensor &dst, Value *mask, const Tensor &yes, const Tensor &no) {
    emitLoop(b, D, [&](Value *d) {
      te.store(dst, d,
               te.fromLanes(b.CreateSelect(mask, te.toLanes(te.load(yes, d, true)),
                                           te.toLanes(te.load(no, d, true)))));
    });
  };
  auto timeAt = [&](Value *index, Value *mask) {
    return te.toReal(b.CreateMaskedGather(dblLanesTy, b.CreateGEP(dbl, times, index),
                                          llvm::Align(alignof(double)), mask,
                                          llvm::Constant::getNullValue(dblLanesTy)));
  };

  Value *outStride = b.CreateMul(count, b.getInt64(uint64_t(D)));
  // The batch streams through one chunk of W lanes: each lane steps its trajectory until it is
  // done, then takes the next one not yet started, so that a lane whose trajectory needs few
  // steps does not idle while the others of its chunk still step. laneTraj holds each lane's
  // trajectory (batch or more: none left for it), `fresh` the lanes that start one.
  {
    llvm::SmallVector<llvm::Constant *, 16> ids;
    for (unsigned l = 0; l < W; ++l)
      ids.push_back(b.getInt64(l));
    Value *iota = llvm::ConstantVector::get(ids);
    Value *laneTrajPtr = b.CreateAlloca(i64LanesTy, nullptr, "lane.traj");
    Value *freshPtr = b.CreateAlloca(i64LanesTy, nullptr, "lane.fresh");
    Value *nextPtr = b.CreateAlloca(i64, nullptr, "next.traj");
    Value *batchLanes = b.CreateVectorSplat(W, batch);
    b.CreateStore(iota, laneTrajPtr);
    b.CreateStore(b.CreateZExt(b.CreateICmpSLT(iota, batchLanes), i64LanesTy), freshPtr);
    b.CreateStore(b.getInt64(W), nextPtr);
    auto laneTraj = [&] { return b.CreateLoad(i64LanesTy, laneTrajPtr); };
    auto rowsOf = [&](Value *stride) { // each lane's row start in a buffer of per-trajectory rows
      return b.CreateMul(laneTraj(), b.CreateVectorSplat(W, stride));
    };
    // The stages' exogenous values: the host's function at t + c_i h, lane by lane (for lanes
    // in exoLive), a held input from the left after the step's start (as StageValues.h).
    Value *exoT = zero, *exoH = zero, *exoLive = nullptr;
    // Hairer's first step (Hairer, Nørsett, Wanner I, II.4) for the lanes whose h0 is 0, from
    // the sizes of x0, f(x0) (the first slope, already computed) and f's change over a trial
    // Euler step, in the error norm's weights: at most the whole interval, and the whole
    // interval where that selection gives no finite positive step. Y and E hold the trial
    // state and its slope. The emitted C++'s firstStep is the same selection.
    auto pickFirstSteps = [&](Value *fresh) {
      Value *picks = b.CreateAnd(fresh, b.CreateFCmpOEQ(get(hT), zero));
      auto *pick = llvm::BasicBlock::Create(ctx, "adapt.first", f);
      auto *picked = llvm::BasicBlock::Create(ctx, "adapt.first.done", f);
      b.CreateCondBr(b.CreateOrReduce(picks), pick, picked);
      b.SetInsertPoint(pick);
      const Tensor f0 = step.slope(0);
      auto at = [&](const Tensor &t, Value *d) { return te.toLanes(te.load(t, d, true)); };
      auto rms = [&](auto &&value) {
        put(sumT, zero);
        emitLoop(b, D, [&](Value *d) {
          Value *scale = b.CreateFAdd(
              atol, b.CreateFMul(rtol, unary(llvm::Intrinsic::fabs, at(X, d))));
          Value *r = b.CreateFDiv(value(d), scale);
          put(sumT, b.CreateFAdd(get(sumT), b.CreateFMul(r, r)));
        });
        return unary(llvm::Intrinsic::sqrt, b.CreateFDiv(get(sumT), dimReal));
      };
      auto constant = [&](double v) { return lanes(te.real(v)); };
      Value *d0 = rms([&](Value *d) { return at(X, d); });
      Value *d1 = rms([&](Value *d) { return at(f0, d); });
      Value *small = b.CreateOr(b.CreateFCmpOLT(d0, constant(1e-5)),
                                b.CreateFCmpOLT(d1, constant(1e-5)));
      Value *trial = b.CreateSelect(small, constant(1e-6),
                                    b.CreateFDiv(b.CreateFMul(constant(0.01), d0), d1));
      Value *span = b.CreateFSub(tEnd, get(tT));
      emitLoop(b, D, [&](Value *d) {
        te.store(Y, d, te.fromLanes(b.CreateFAdd(at(X, d), b.CreateFMul(trial, at(f0, d)))));
      });
      exoT = b.CreateFAdd(get(tT), binary(llvm::Intrinsic::minnum, trial, span));
      exoLive = picks;
      step.emitSlope(Y, E);
      Value *d2 = b.CreateFDiv(
          rms([&](Value *d) { return b.CreateFSub(at(E, d), at(f0, d)); }), trial);
      Value *big = binary(llvm::Intrinsic::maxnum, d1, d2);
      Value *h1 = b.CreateSelect(
          b.CreateFCmpOLE(big, constant(1e-15)),
          binary(llvm::Intrinsic::maxnum, constant(1e-6), b.CreateFMul(trial, constant(1e-3))),
          callLibm(b, "pow", {b.CreateFDiv(constant(0.01), big), constant(1.0 / double(q + 1))}));
      Value *h = b.CreateSelect(b.CreateFCmpOLT(h1, b.CreateFMul(constant(100), trial)), h1,
                                b.CreateFMul(constant(100), trial));
      h = b.CreateSelect(b.CreateFCmpOLT(span, h), span, h);
      Value *usable = b.CreateAnd(b.CreateFCmpOGT(h, zero),
                                  b.CreateFCmpOLT(h, lanes(te.real(INFINITY))));
      put(hT, b.CreateSelect(picks, b.CreateSelect(usable, h, span), get(hT)));
      b.CreateBr(picked);
      b.SetInsertPoint(picked);
    };
    if (exoDim > 0)
      step.setExogenousLoader([&](const Tensor &dst, Value *stage) {
        const int64_t i = llvm::cast<llvm::ConstantInt>(stage)->getSExtValue();
        const double c = tableau.c[size_t(i)].value;
        Value *when = b.CreateFAdd(
            te.toDouble(exoT),
            b.CreateFMul(llvm::ConstantFP::get(dblLanesTy, c), te.toDouble(exoH)));
        b.CreateStore(when, exoTimes);
        b.CreateStore(laneTraj(), exoTraj);
        b.CreateStore(b.CreateUIToFP(exoLive, dblLanesTy), exoMask);
        auto cast = [&](Value *p, llvm::Type *to) { return b.CreateBitCast(p, to); };
        b.CreateCall(exoTy, exogenous,
                     {context, cast(exoTimes, ptr),
                      cast(exoTraj, llvm::PointerType::getUnqual(i64)), cast(exoMask, ptr),
                      b.getInt64(W), b.getInt64(c > 0 ? 1 : 0), cast(exoOut, ptr)});
        for (int64_t e = 0; e < exoDim; ++e) {
          Value *row = b.CreateLoad(
              dblLanesTy, b.CreateConstInBoundsGEP1_64(dblLanesTy, exoOut, uint64_t(e)));
          te.store(dst, te.index(e), te.fromLanes(te.toReal(row)));
        }
      });
    auto *head = llvm::BasicBlock::Create(ctx, "adapt.head", f);
    auto *start = llvm::BasicBlock::Create(ctx, "adapt.start", f);
    auto *body = llvm::BasicBlock::Create(ctx, "adapt.step", f);
    auto *done = llvm::BasicBlock::Create(ctx, "adapt.done", f);
    b.CreateBr(head);

    // Lanes with a trajectory step; those that took one since the last step start it first:
    // x0, the counters, out's first row, f(x0) (into Z, then the first slope) and the first
    // step.
    b.SetInsertPoint(head);
    Value *occupied = b.CreateICmpSLT(laneTraj(), batchLanes);
    Value *fresh = b.CreateICmpNE(b.CreateLoad(i64LanesTy, freshPtr),
                                  llvm::Constant::getNullValue(i64LanesTy));
    auto *check = llvm::BasicBlock::Create(ctx, "adapt.fresh", f);
    b.CreateCondBr(b.CreateOrReduce(occupied), check, done);
    b.SetInsertPoint(check);
    b.CreateCondBr(b.CreateOrReduce(fresh), start, body);

    b.SetInsertPoint(start);
    gatherRows(b, te, Z, x0, rowsOf(b.getInt64(uint64_t(D))), fresh);
    select(X, fresh, Z, X);
    gatherRows(b, te, firstT, h0, rowsOf(b.getInt64(1)), fresh);
    put(hT, b.CreateSelect(fresh, get(firstT), get(hT)));
    auto restart = [&](const Tensor &t, Value *v) { put(t, b.CreateSelect(fresh, v, get(t))); };
    restart(tT, lanes(te.toReal(b.CreateLoad(dbl, times))));
    restart(kT, one);
    restart(breakT, zero);
    restart(accT, zero);
    restart(rejT, zero);
    restart(statT, zero);
    restart(prevT, errFloor);
    restart(lastT, zero);
    scatterRows(b, te, X, out, rowsOf(outStride), fresh);
    exoT = get(tT);
    exoH = zero;
    exoLive = fresh;
    step.emitSlope(X, Z);
    select(step.slope(0), fresh, Z, step.slope(0));
    pickFirstSteps(fresh);
    b.CreateStore(llvm::Constant::getNullValue(i64LanesTy), freshPtr);
    b.CreateBr(body);

    // A lane is active while it has output times left and no failure.
    b.SetInsertPoint(body);
    Value *active = b.CreateAnd(b.CreateICmpSLT(laneTraj(), batchLanes),
                                b.CreateAnd(b.CreateFCmpOLT(get(kT), countReal),
                                            b.CreateFCmpOEQ(get(statT), zero)));
    Value *k = get(kT);
    Value *kIndex = b.CreateFPToSI(b.CreateSelect(active, k, zero), i64LanesTy);
    Value *target = timeAt(kIndex, active);
    Value *t = get(tT), *h = get(hT);
    // Steps end on the last time, or on every output time when asked (step to times), and on
    // the lane's next break (where its inputs jump; +inf past the last).
    Value *output = b.CreateSelect(stepToTimes, target, tEnd);
    Value *breakIndex = b.CreateFPToSI(b.CreateSelect(active, get(breakT), zero), i64LanesTy);
    Value *nextBreak = te.toReal(b.CreateMaskedGather(
        dblLanesTy,
        b.CreateGEP(dbl, breaks,
                    b.CreateAdd(rowsOf(breakStride), breakIndex)),
        llvm::Align(alignof(double)), active,
        llvm::ConstantFP::getInfinity(dblLanesTy)));
    Value *atBreak = b.CreateFCmpOLT(nextBreak, output);
    Value *limit = b.CreateSelect(atBreak, nextBreak, output);
    Value *hits = b.CreateAnd(active, b.CreateFCmpOGE(h, b.CreateFSub(limit, t)));
    Value *hs = b.CreateSelect(active, b.CreateSelect(hits, b.CreateFSub(limit, t), h), zero);
    // A step that ends on an output time ends there exactly; one that ends on a break at
    // t + h, as the gradient's replay of the steps computes it.
    Value *onOutput = b.CreateAnd(hits, b.CreateNot(atBreak));
    Value *hv = te.fromLanes(hs);
    exoT = t;
    exoH = hs;
    exoLive = active;
    step.emitStages(X, hv, /*firstSlopeKnown=*/true);
    step.emitWeighted(Y, &X, hv, bWeights);
    step.emitWeighted(E, nullptr, hv, errWeights);

    put(sumT, zero);
    emitLoop(b, D, [&](Value *d) {
      Value *x = te.toLanes(te.load(X, d, true)), *y = te.toLanes(te.load(Y, d, true));
      Value *e = te.toLanes(te.load(E, d, true));
      Value *scale = b.CreateFAdd(
          atol, b.CreateFMul(rtol, binary(llvm::Intrinsic::maxnum, unary(llvm::Intrinsic::fabs, x),
                                          unary(llvm::Intrinsic::fabs, y))));
      Value *r = b.CreateFDiv(e, scale);
      put(sumT, b.CreateFAdd(get(sumT), b.CreateFMul(r, r)));
    });
    Value *err = unary(llvm::Intrinsic::sqrt, b.CreateFDiv(get(sumT), dimReal));
    Value *accept = b.CreateAnd(active, b.CreateFCmpOLE(err, one)); // NaN: rejected
    Value *tNew =
        b.CreateSelect(accept, b.CreateSelect(onOutput, output, b.CreateFAdd(t, hs)), t);
    Value *passed = b.CreateAnd(accept, b.CreateAnd(hits, atBreak));
    put(breakT, b.CreateFAdd(get(breakT), count01(passed)));

    const Tensor end = reuseLast ? step.slope(s - 1) : F;
    if (!reuseLast) { // f(x_{n+1}) where a lane accepted
      auto *slope = llvm::BasicBlock::Create(ctx, "adapt.endslope", f);
      auto *after = llvm::BasicBlock::Create(ctx, "adapt.outputs", f);
      b.CreateCondBr(b.CreateOrReduce(accept), slope, after);
      b.SetInsertPoint(slope);
      exoT = tNew;
      exoH = zero;
      exoLive = accept;
      step.emitSlope(Y, F);
      b.CreateBr(after);
      b.SetInsertPoint(after);
    }

    // Every output time the accepted step passed, from the dense output at θ = (τ − t)/h (the
    // step's own end exactly: Y).
    auto *outHead = llvm::BasicBlock::Create(ctx, "adapt.out.head", f);
    auto *outBody = llvm::BasicBlock::Create(ctx, "adapt.out.body", f);
    auto *outDone = llvm::BasicBlock::Create(ctx, "adapt.out.done", f);
    b.CreateBr(outHead);
    b.SetInsertPoint(outHead);
    Value *kk = get(kT);
    Value *left = b.CreateAnd(accept, b.CreateFCmpOLT(kk, countReal));
    Value *kkIndex = b.CreateFPToSI(b.CreateSelect(left, kk, zero), i64LanesTy);
    Value *tau = timeAt(kkIndex, left);
    Value *pending = b.CreateAnd(left, b.CreateFCmpOLE(tau, tNew));
    b.CreateCondBr(b.CreateOrReduce(pending), outBody, outDone);
    b.SetInsertPoint(outBody);
    Value *theta = b.CreateSelect(pending, b.CreateFDiv(b.CreateFSub(tau, t), hs), zero);
    std::vector<Value *> weights;
    std::vector<Tensor> slopes;
    for (int i = 0; i <= s; ++i) {
      const std::vector<double> &row = plan.dense[size_t(i)];
      Value *w = nullptr; // θ (c_0 + θ (c_1 + …)) by Horner's rule
      for (size_t j = row.size(); j-- > 0;)
        if (w || row[j] != 0)
          w = w ? b.CreateFAdd(lanes(te.real(row[j])), b.CreateFMul(theta, w))
                : lanes(te.real(row[j]));
      weights.push_back(w && (i < s || endSlope) ? te.fromLanes(b.CreateFMul(theta, w))
                                                 : nullptr);
      slopes.push_back(i < s ? step.slope(i) : end);
    }
    emitCombination(b, te, Z, &X, hv, weights, slopes);
    select(Z, b.CreateFCmpOEQ(tau, tNew), Y, Z);
    Value *row = b.CreateAdd(rowsOf(outStride),
                             b.CreateMul(kkIndex, b.CreateVectorSplat(W, b.getInt64(uint64_t(D)))));
    scatterRows(b, te, Z, out, row, pending);
    put(kT, b.CreateFAdd(kk, count01(pending)));
    b.CreateBr(outHead);
    b.SetInsertPoint(outDone);

    select(X, accept, Y, X);
    select(step.slope(0), accept, end, step.slope(0));
    put(tT, tNew);
    Value *reached = b.CreateAnd(accept, hits);
    Value *kNew = get(kT);
    // The accepted step's length into the lane's row of `steps` while it has room, negated for
    // a step that ended on an output time (the last, or with step to times any): what the
    // gradient replays.
    Value *taken = b.CreateFPToSI(get(accT), i64LanesTy);
    Value *room = b.CreateICmpSLT(taken, b.CreateVectorSplat(W, capacity));
    Value *slot = b.CreateMul(
        b.CreateAdd(rowsOf(capacity), taken),
        b.CreateVectorSplat(W, stepStride));
    // Stepping to times, a step not shortened may still land on the output time (t + h rounds
    // to it): it ended there too.
    Value *landed = b.CreateAnd(stepToTimes, b.CreateFCmpOEQ(b.CreateFAdd(t, hs), target));
    Value *marked = b.CreateOr(onOutput, landed);
    b.CreateMaskedScatter(te.toDouble(b.CreateSelect(marked, b.CreateFNeg(hs), hs)),
                          b.CreateGEP(dbl, steps, slot), llvm::Align(alignof(double)),
                          b.CreateAnd(accept, room));
    // One branch per step, so a solve that records no states pays no scatters.
    auto *recordBody = llvm::BasicBlock::Create(ctx, "record.states", f);
    auto *recordDone = llvm::BasicBlock::Create(ctx, "record.done", f);
    b.CreateCondBr(recordStates, recordBody, recordDone);
    b.SetInsertPoint(recordBody);
    emitLoop(b, D, [&](Value *d) { // X holds the accepted lanes' new states
      b.CreateMaskedScatter(te.toDouble(te.toLanes(te.load(X, d, true))),
                            b.CreateGEP(dbl, steps,
                                        b.CreateAdd(slot, b.CreateVectorSplat(
                                                              W, b.CreateAdd(d, b.getInt64(1))))),
                            llvm::Align(alignof(double)), b.CreateAnd(accept, room));
    });
    b.CreateBr(recordDone);
    b.SetInsertPoint(recordDone);
    Value *accepted = b.CreateFAdd(get(accT), count01(accept));
    Value *rejected = b.CreateFAdd(get(rejT), count01(b.CreateAnd(active, b.CreateNot(accept))));
    put(accT, accepted);
    put(rejT, rejected);

    // The next step: safety · err^(−α) · err_prev^β within [minFactor, maxFactor] after an
    // accepted step (err_prev: the last accepted step's error, at least 1e-4); safety ·
    // err^(−α), at most 1, after a rejection; minFactor when err is not a number. A step
    // shortened to end on its limit was limited by it, not by its error: the proposal before
    // it stays if larger.
    Value *prev = get(prevT);
    Value *factor = b.CreateFMul(safety, callLibm(b, "pow", {err, b.CreateFNeg(alpha)}));
    factor = b.CreateSelect(accept, b.CreateFMul(factor, callLibm(b, "pow", {prev, beta})),
                            factor);
    factor = b.CreateSelect(b.CreateFCmpUNO(err, err), minFactor, factor);
    factor = binary(llvm::Intrinsic::minnum, maxFactor,
                    binary(llvm::Intrinsic::maxnum, minFactor, factor));
    factor = b.CreateSelect(accept, factor, binary(llvm::Intrinsic::minnum, factor, one));
    put(prevT, b.CreateSelect(accept, binary(llvm::Intrinsic::maxnum, err, errFloor), prev));
    Value *hNew = b.CreateFMul(hs, factor);
    hNew = b.CreateSelect(reached, binary(llvm::Intrinsic::maxnum, hNew, h), hNew);
    put(hT, b.CreateSelect(active, hNew, h));

    Value *unfinished = b.CreateAnd(active, b.CreateFCmpOLT(kNew, countReal));
    Value *exhausted =
        b.CreateAnd(unfinished, b.CreateFCmpOGE(b.CreateFAdd(accepted, rejected), maxSteps));
    // Not a usable step: below 16 ulp of the time (or zero, or not a number).
    Value *floor = b.CreateFMul(tiny, unary(llvm::Intrinsic::fabs, tNew));
    Value *underflow = b.CreateAnd(unfinished, b.CreateNot(b.CreateFCmpOGT(hNew, floor)));
    // An error estimate that is not a number down to the smallest step: the field itself is
    // not finite there (status 3), not a stiff or exploding solution (2).
    Value *failure = b.CreateSelect(b.CreateFCmpUNO(err, err), lanes(te.real(3)), lanes(te.real(2)));
    put(statT, b.CreateSelect(exhausted, lanes(te.real(1)),
                              b.CreateSelect(underflow, failure, get(statT))));
    put(lastT, b.CreateSelect(active, hs, get(lastT)));

    // Lanes whose trajectory is done (every output, or a failure) write its stats and take
    // the next trajectories in lane order; past the batch, a lane stays empty.
    Value *finished = b.CreateAnd(
        active, b.CreateNot(b.CreateAnd(b.CreateFCmpOLT(get(kT), countReal),
                                        b.CreateFCmpOEQ(get(statT), zero))));
    auto *handOver = llvm::BasicBlock::Create(ctx, "adapt.next", f);
    b.CreateCondBr(b.CreateOrReduce(finished), handOver, head);
    b.SetInsertPoint(handOver);
    put(record, get(accT), 0);
    put(record, get(rejT), 1);
    put(record, get(statT), 2);
    put(record, get(tT), 3);
    put(record, get(lastT), 4);
    scatterRows(b, te, record, stats, rowsOf(b.getInt64(5)), finished);
    Value *next = b.CreateLoad(i64, nextPtr);
    Value *ones = b.CreateZExt(finished, i64LanesTy);
    Value *before = llvm::Constant::getNullValue(i64LanesTy); // finished lanes below each lane
    Value *running = b.getInt64(0);
    for (unsigned l = 0; l < W; ++l) {
      before = b.CreateInsertElement(before, running, l);
      running = b.CreateAdd(running, b.CreateExtractElement(ones, l));
    }
    Value *assigned = b.CreateAdd(b.CreateVectorSplat(W, next), before);
    b.CreateStore(b.CreateSelect(finished, assigned, laneTraj()), laneTrajPtr);
    b.CreateStore(b.CreateAdd(next, running), nextPtr);
    b.CreateStore(b.CreateZExt(b.CreateAnd(finished, b.CreateICmpSLT(assigned, batchLanes)),
                               i64LanesTy),
                  freshPtr);
    b.CreateBr(head);

    b.SetInsertPoint(done);
  }
  te.freeHeapStorage();
  b.CreateRetVoid();
  return f;
}

} // namespace odec::codegen
