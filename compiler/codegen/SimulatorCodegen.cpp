#include "codegen/SimulatorCodegen.h"

#include "codegen/BatchChunks.h"
#include "codegen/Loops.h"
#include "codegen/RungeKuttaStep.h"
#include "support/InternalError.h"

#include <llvm/IR/IRBuilder.h>

#include <stdexcept>

namespace odec::codegen {

using llvm::Value;

void requireExplicit(const ButcherTableau &tableau) {
  if (!tableau.isExplicit())
    throw std::invalid_argument("tableau '" + tableau.name +
                                "' is implicit; the fused solvers need an explicit tableau "
                                "(strictly lower-triangular A)");
}

TensorMap bindParams(TensorEmitter &te, const ir::ModelIR &model, Value *params) {
  Tensor flat{params, Shape::vector(1), false};
  const int64_t P = model.paramCount();
  if (te.precision() != Precision::Double && P > 0) {
    // Converted once per call: the uniform nodes computed from them are then reals too.
    llvm::IRBuilder<> &b = te.builder();
    Tensor converted = te.allocate(Shape::vector(int(P)), false, "params.real");
    emitLoop(b, P, [&](Value *i) {
      Value *d = b.CreateLoad(b.getDoubleTy(), b.CreateInBoundsGEP(b.getDoubleTy(), params, i));
      te.store(converted, i, te.toReal(d));
    });
    flat = converted;
  }
  TensorMap bound;
  for (const ir::ModelIR::Slot &p : model.params)
    bound[p.var.get()] = te.view(flat, p.offset, p.shape);
  return bound;
}

std::unordered_set<const ir::Node *> stageInputs(const ir::ModelIR &model) {
  std::unordered_set<const ir::Node *> varying;
  for (const ir::ModelIR::Slot &s : model.states)
    varying.insert(s.var.get());
  for (const ir::ModelIR::Slot &e : model.exogenous)
    varying.insert(e.var.get());
  return varying;
}

std::function<void(const Tensor &, Value *)>
exogenousLoader(llvm::IRBuilder<> &b, TensorEmitter &te, const ir::ModelIR &model,
                const ButcherTableau &tableau, Value *exo, Value *steps, const BatchChunk &chunk,
                Value *const &step) {
  const uint64_t E = uint64_t(model.exoDim()), s = uint64_t(tableau.stages);
  return [&b, &te, exo, steps, chunk, &step, E, s](const Tensor &dst, Value *stage) {
    Value *perTrajectory = b.CreateMul(steps, b.getInt64(s * E));
    Value *offset = b.CreateMul(b.CreateAdd(b.CreateMul(step, b.getInt64(s)), stage),
                                b.getInt64(E));
    gatherRows(b, te, dst, exo, chunk.rowStart(b, perTrajectory, offset), chunk.mask);
  };
}

llvm::Function *emitSimulator(llvm::Module &m, const ir::ModelIR &model,
                              const ButcherTableau &tableau, int width, Precision precision,
                              const MachineModel &machine,
                              const std::string &name) {
  requireExplicit(tableau);
  internalCheck(model.ddt.size() == model.states.size(), "emitSimulator: one ddt per state");
  internalCheck(int(tableau.b.size()) == tableau.stages &&
                    int(tableau.A.size()) == tableau.stages * tableau.stages,
                "emitSimulator: malformed tableau");
  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *dbl = b.getDoubleTy(), *i64 = b.getInt64Ty();
  llvm::Type *ptr = llvm::PointerType::getUnqual(dbl);
  auto *fnTy =
      llvm::FunctionType::get(b.getVoidTy(), {ptr, ptr, ptr, i64, i64, dbl, ptr}, false);
  auto *f = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow();
  const char *argNames[] = {"params", "x0", "out", "batch", "steps", "h", "exo"};
  for (unsigned i = 0; i < 7; ++i)
    f->getArg(i)->setName(argNames[i]);
  for (unsigned i : {0u, 1u, 2u, 6u}) { // the buffers are distinct and not retained
    f->addParamAttr(i, llvm::Attribute::NoAlias);
    f->addParamAttr(i, llvm::Attribute::NoCapture);
    if (i != 2)
      f->addParamAttr(i, llvm::Attribute::ReadOnly);
  }
  Value *params = f->getArg(0), *x0 = f->getArg(1), *out = f->getArg(2);
  Value *batch = f->getArg(3), *steps = f->getArg(4), *h = f->getArg(5), *exo = f->getArg(6);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));

  TensorEmitter te(b, width, precision, machine);
  ExprEvaluator field(te, model.ddt, bindParams(te, model, params), stageInputs(model),
                      "model " + model.name);
  // Straight-line stages: the forward solver is the run-time path of simulation, and its code
  // is a third of the adjoint's (which rolls its stages); only a huge field is rolled.
  RungeKuttaStep step(b, te, field, model, tableau,
                      /*rolled=*/stagesTooLargeForStraightLine(model, tableau));

  const int64_t D = model.stateDim();
  Tensor X = te.allocate(Shape::vector(int(D)), true, "X");
  Value *hv = te.splat(te.toReal(h));
  Value *outStride = b.CreateMul(b.CreateAdd(steps, b.getInt64(1)), b.getInt64(uint64_t(D)));
  Value *n = nullptr; // the step being emitted
  emitChunkLoop(b, te, batch, [&](const BatchChunk &chunk) {
    step.setExogenousLoader(exogenousLoader(b, te, model, tableau, exo, steps, chunk, n));
    gatherRows(b, te, X, x0, chunk.rowStart(b, b.getInt64(uint64_t(D)), b.getInt64(0)), chunk.mask);
    auto storeStep = [&](Value *n) {
      Value *row = chunk.rowStart(b, outStride, b.CreateMul(n, b.getInt64(uint64_t(D))));
      scatterRows(b, te, X, out, row, chunk.mask);
    };
    storeStep(b.getInt64(0));
    emitLoop(b, steps, [&](Value *stepIndex) {
      n = stepIndex;
      step.emitStages(X, hv);
      step.emitUpdate(X, hv);
      storeStep(b.CreateAdd(n, b.getInt64(1)));
    });
  });
  te.freeHeapStorage();
  b.CreateRetVoid();
  return f;
}

} // namespace odec::codegen
