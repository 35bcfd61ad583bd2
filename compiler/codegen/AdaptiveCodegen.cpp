#include "codegen/AdaptiveCodegen.h"

#include "codegen/BatchChunks.h"
#include "codegen/ElementwiseMath.h"
#include "codegen/Loops.h"
#include "codegen/RungeKuttaStep.h"
#include "codegen/SimulatorCodegen.h"
#include "tableau/OrderConditions.h"

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
                                "such as DormandPrince5, CashKarp45, Fehlberg45 or "
                                "BogackiShampine3");
  if (!model.autonomous())
    throw std::invalid_argument("model '" + model.name +
                                "' reads the time or inputs; adaptive steps support autonomous "
                                "models so far (use a fixed step)");
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
  auto *fnTy = llvm::FunctionType::get(
      b.getVoidTy(), {ptr, ptr, ptr, i64, ptr, i64, ptr, ptr, ptr, ptr, i64}, false);
  auto *f = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow();
  const char *argNames[] = {"params", "x0",    "out",   "batch", "times",   "count",
                            "h0",     "control", "stats", "steps", "capacity"};
  for (unsigned i = 0; i < 11; ++i)
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
        *capacity = f->getArg(10);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));

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
        *safety = controlValue(3), *minFactor = controlValue(4), *maxFactor = controlValue(5);
  Value *zero = lanes(te.real(0)), *one = lanes(te.real(1));
  Value *exponent = lanes(te.real(-1.0 / double(q + 1)));
  Value *tiny = lanes(te.real(16 * (precision == Precision::Float
                                        ? double(std::numeric_limits<float>::epsilon())
                                        : std::numeric_limits<double>::epsilon())));
  Value *countReal = lanes(te.toReal(b.CreateSIToFP(count, dbl)));
  Value *dimReal = lanes(te.real(double(D)));
  auto *laneIdxTy = llvm::FixedVectorType::get(i64, W);
  auto *dblLanes = llvm::FixedVectorType::get(dbl, W);
  auto unary = [&](llvm::Intrinsic::ID id, Value *v) { return b.CreateUnaryIntrinsic(id, v); };
  auto binary = [&](llvm::Intrinsic::ID id, Value *x, Value *y) {
    return b.CreateBinaryIntrinsic(id, x, y);
  };

  std::vector<double> bWeights, errWeights;
  for (size_t i = 0; i < tableau.b.size(); ++i) {
    bWeights.push_back(tableau.b[i].value);
    const Coefficient &w = tableau.b[i], &v = tableau.bhat[i];
    // b − bhat rounded once when both are exact (the difference is often tiny).
    errWeights.push_back(w.exact && v.exact ? (*w.exact - *v.exact).toDouble()
                                            : w.value - v.value);
  }

  Tensor X = te.allocate(Shape::vector(int(D)), true, "X");
  Tensor Y = te.allocate(Shape::vector(int(D)), true, "Y");
  Tensor E = te.allocate(Shape::vector(int(D)), true, "E");
  // Per lane: time, proposed step, next output index, accepted and rejected steps, status,
  // and a running sum; `record` is what stats receives.
  auto scalarTensor = [&](const char *n) { return te.allocate(Shape::vector(1), true, n); };
  Tensor tT = scalarTensor("t"), hT = scalarTensor("h"), kT = scalarTensor("k"),
         accT = scalarTensor("accepted"), rejT = scalarTensor("rejected"),
         statT = scalarTensor("status"), sumT = scalarTensor("errsum");
  Tensor record = te.allocate(Shape::vector(4), true, "record");
  auto get = [&](const Tensor &t, int64_t i = 0) { return te.toLanes(te.load(t, te.index(i), true)); };
  auto put = [&](const Tensor &t, Value *v, int64_t i = 0) {
    te.store(t, te.index(i), te.fromLanes(v));
  };
  auto count01 = [&](Value *mask) { return b.CreateSelect(mask, one, zero); };

  Value *outStride = b.CreateMul(count, b.getInt64(uint64_t(D)));
  emitChunkLoop(b, te, batch, [&](const BatchChunk &chunk) {
    gatherRows(b, te, X, x0, chunk.rowStart(b, b.getInt64(uint64_t(D)), b.getInt64(0)),
               chunk.mask);
    gatherRows(b, te, hT, h0, chunk.rowStart(b, b.getInt64(1), b.getInt64(0)), chunk.mask);
    put(tT, lanes(te.toReal(b.CreateLoad(dbl, times))));
    put(kT, one);
    put(accT, zero);
    put(rejT, zero);
    put(statT, zero);
    scatterRows(b, te, X, out, chunk.rowStart(b, outStride, b.getInt64(0)), chunk.mask);

    auto *head = llvm::BasicBlock::Create(ctx, "adapt.head", f);
    auto *body = llvm::BasicBlock::Create(ctx, "adapt.step", f);
    auto *done = llvm::BasicBlock::Create(ctx, "adapt.done", f);
    b.CreateBr(head);

    // A lane is active while it has output times left and no failure.
    b.SetInsertPoint(head);
    Value *active = b.CreateAnd(chunk.mask, b.CreateAnd(b.CreateFCmpOLT(get(kT), countReal),
                                                        b.CreateFCmpOEQ(get(statT), zero)));
    b.CreateCondBr(b.CreateOrReduce(active), body, done);

    b.SetInsertPoint(body);
    Value *k = get(kT);
    Value *kIndex = b.CreateFPToSI(b.CreateSelect(active, k, zero), laneIdxTy);
    Value *target = te.toReal(b.CreateMaskedGather(
        dblLanes, b.CreateGEP(dbl, times, kIndex), llvm::Align(alignof(double)), active,
        llvm::Constant::getNullValue(dblLanes)));
    Value *t = get(tT), *h = get(hT);
    Value *remaining = b.CreateFSub(target, t);
    // The step that would reach or cross the next output time ends on it.
    Value *hits = b.CreateAnd(active, b.CreateFCmpOGE(h, remaining));
    Value *hs = b.CreateSelect(active, b.CreateSelect(hits, remaining, h), zero);
    Value *hv = te.fromLanes(hs);
    step.emitStages(X, hv);
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

    emitLoop(b, D, [&](Value *d) {
      te.store(X, d,
               te.fromLanes(b.CreateSelect(accept, te.toLanes(te.load(Y, d, true)),
                                           te.toLanes(te.load(X, d, true)))));
    });
    Value *tNew = b.CreateSelect(accept, b.CreateSelect(hits, target, b.CreateFAdd(t, hs)), t);
    put(tT, tNew);
    Value *reached = b.CreateAnd(accept, hits);
    Value *row = b.CreateAdd(b.CreateMul(chunk.traj, b.CreateVectorSplat(W, outStride)),
                             b.CreateMul(kIndex, b.CreateVectorSplat(W, b.getInt64(uint64_t(D)))));
    scatterRows(b, te, X, out, row, reached);
    Value *kNew = b.CreateFAdd(k, count01(reached));
    put(kT, kNew);
    // The accepted step's length into the lane's row of `steps` while it has room, negated for
    // a step that ended on an output time: what the gradient replays.
    Value *taken = b.CreateFPToSI(get(accT), laneIdxTy);
    Value *room = b.CreateICmpSLT(taken, b.CreateVectorSplat(W, capacity));
    Value *slot = b.CreateAdd(b.CreateMul(chunk.traj, b.CreateVectorSplat(W, capacity)), taken);
    b.CreateMaskedScatter(te.toDouble(b.CreateSelect(hits, b.CreateFNeg(hs), hs)),
                          b.CreateGEP(dbl, steps, slot), llvm::Align(alignof(double)),
                          b.CreateAnd(accept, room));
    Value *accepted = b.CreateFAdd(get(accT), count01(accept));
    Value *rejected = b.CreateFAdd(get(rejT), count01(b.CreateAnd(active, b.CreateNot(accept))));
    put(accT, accepted);
    put(rejT, rejected);

    // The next step: safety · err^(−1/(q+1)) within [minFactor, maxFactor] (at most 1 after a
    // rejection; minFactor when err is not a number). A step shortened to end on an output
    // time was limited by that time, not by its error: the proposal before it stays if larger.
    Value *factor = b.CreateFMul(safety, callLibm(b, "pow", {err, exponent}));
    factor = b.CreateSelect(b.CreateFCmpUNO(err, err), minFactor, factor);
    factor = binary(llvm::Intrinsic::minnum, maxFactor,
                    binary(llvm::Intrinsic::maxnum, minFactor, factor));
    factor = b.CreateSelect(accept, factor, binary(llvm::Intrinsic::minnum, factor, one));
    Value *hNew = b.CreateFMul(hs, factor);
    hNew = b.CreateSelect(reached, binary(llvm::Intrinsic::maxnum, hNew, h), hNew);
    put(hT, b.CreateSelect(active, hNew, h));

    Value *unfinished = b.CreateAnd(active, b.CreateFCmpOLT(kNew, countReal));
    Value *exhausted =
        b.CreateAnd(unfinished, b.CreateFCmpOGE(b.CreateFAdd(accepted, rejected), maxSteps));
    // Not a usable step: below 16 ulp of the time (or zero, or not a number).
    Value *floor = b.CreateFMul(tiny, unary(llvm::Intrinsic::fabs, tNew));
    Value *underflow = b.CreateAnd(unfinished, b.CreateNot(b.CreateFCmpOGT(hNew, floor)));
    put(statT, b.CreateSelect(exhausted, lanes(te.real(1)),
                              b.CreateSelect(underflow, lanes(te.real(2)), get(statT))));
    b.CreateBr(head);

    b.SetInsertPoint(done);
    put(record, get(accT), 0);
    put(record, get(rejT), 1);
    put(record, get(statT), 2);
    put(record, get(tT), 3);
    scatterRows(b, te, record, stats, chunk.rowStart(b, b.getInt64(4), b.getInt64(0)),
                chunk.mask);
  });
  te.freeHeapStorage();
  b.CreateRetVoid();
  return f;
}

} // namespace odec::codegen
