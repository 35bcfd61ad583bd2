#include "codegen/AdjointCodegen.h"

#include "autodiff/FieldVjp.h"
#include "codegen/BatchChunks.h"
#include "codegen/Loops.h"
#include "codegen/ParamGradient.h"
#include "codegen/RungeKuttaStep.h"
#include "codegen/SimulatorCodegen.h"
#include "ir/Builder.h"
#include "support/InternalError.h"
#include "support/SolverAbi.h"
#include "tableau/SolverPlan.h"

#include <algorithm>
#include <array>
#include <functional>
#include <optional>

namespace odec::codegen {

using llvm::Value;

namespace {

/// What seeds λ = ∂L/∂x_n at each step: the squared error against targets (and the loss is
/// computed), or a given cotangent of every step state (a vector–Jacobian product).
enum class Seed { Targets, Cotangent };

/// The function's declaration, from the ABI's parameter list (support/SolverAbi.h): every
/// pointer distinct and not retained, the inputs read-only.
template <size_t N>
llvm::Function *declare(llvm::Module &m, const std::string &name, llvm::Type *result,
                        const std::array<AbiParam, N> &abi) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::Type *dbl = llvm::Type::getDoubleTy(ctx), *i64 = llvm::Type::getInt64Ty(ctx);
  auto typeOf = [&](AbiType t) -> llvm::Type * {
    switch (t) {
    case AbiType::RealIn:
    case AbiType::RealOut:
      return llvm::PointerType::getUnqual(dbl);
    case AbiType::Int64In:
      return llvm::PointerType::getUnqual(i64);
    case AbiType::Int64:
      return i64;
    case AbiType::Real:
      return dbl;
    }
    throw InternalError("declare: unknown AbiType");
  };
  std::vector<llvm::Type *> types;
  for (const AbiParam &param : abi)
    types.push_back(typeOf(param.type));
  auto *f = llvm::Function::Create(llvm::FunctionType::get(result, types, false),
                                   llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow();
  for (unsigned i = 0; i < N; ++i) {
    f->getArg(i)->setName(abi[i].name);
    if (!types[i]->isPointerTy())
      continue;
    f->addParamAttr(i, llvm::Attribute::NoAlias);
    f->addParamAttr(i, llvm::Attribute::NoCapture);
    if (abi[i].type != AbiType::RealOut)
      f->addParamAttr(i, llvm::Attribute::ReadOnly);
  }
  return f;
}

llvm::Function *declareAdjoint(llvm::Module &m, const std::string &name, Seed seed) {
  llvm::LLVMContext &ctx = m.getContext();
  return seed == Seed::Targets
             ? declare(m, name, llvm::Type::getDoubleTy(ctx), kLossGradParams)
             : declare(m, name, llvm::Type::getVoidTy(ctx), kVjpParams);
}

/// One adjoint function, emitted phase by phase as AdjointCodegen.h draws it: set-up (the
/// constructor), then per chunk the forward sweep, the seed at step N and the reverse steps,
/// each seeded at its step, then the totals (finish).
class AdjointEmitter {
public:
  AdjointEmitter(llvm::Function *f, const ir::ModelIR &model, const ButcherTableau &tableau,
                 int width, Precision precision, const MachineModel &machine,
                 llvm::Function *forward, Seed seed)
      : f_(f), ctx_(f->getContext()), b_(ctx_), model_(model), tableau_(tableau),
        plan_(SolverPlan::of(tableau)), width_(width), forward_(forward),
        targets_(seed == Seed::Targets), vjp_(ad::fieldVjp(model, "", "_cot")),
        te_((b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", f)), b_), width,
            precision, machine),
        eval_(te_, fieldAndVjp(), bindParams(te_, model, arg("params")), varyingInputs(),
              "model " + model.name),
        // The reverse sweep holds two thirds of the module's code (stage recomputation and the
        // VJP; the forward solver the rest): its stages are rolled, except in one-lane code,
        // which is small and latency-bound (docs/performance.md, section 11), unless the field
        // is huge.
        step_(b_, te_, eval_, model, tableau,
              /*rolled=*/width > 1 || stagesTooLargeForStraightLine(model, tableau)),
        s_(tableau.stages),
        D_(model.stateDim()), flatState_(Shape::vector(int(D_))) {
    allocateBuffers();
    // In rolled stages, each stage's VJP values are kept in a copy of their own (this scope),
    // so that the θ̄ products can read a stage's factors where they are.
    vjpScope_ = step_.keptScope() + s_ + 1;
    thetaGrad_.emplace(te_, model, vjp_, varyingInputs(), thetaBar_,
                       int64_t(plan_.liveDownwards.size()), s_,
                       [this](const ir::Node &n) { return stageRowsOf(n); });
    tabulateKbar();
    stageRoots_ = vjp_.wrtStates;
    stageRoots_.insert(stageRoots_.end(), thetaGrad_->roots().begin(), thetaGrad_->roots().end());
    chooseTape(precision);
    hv_ = te_.splat(te_.toReal(arg("h")));
    Dv_ = b_.getInt64(uint64_t(D_));
    trajStride_ = b_.CreateMul(b_.CreateAdd(arg("steps"), b_.getInt64(1)), Dv_);
    targetStride_ = targets_ ? b_.CreateMul(arg("numTargets"), Dv_) : nullptr;
  }

  void emit() {
    emitChunkLoop(b_, te_, arg("batch"), [&](const BatchChunk &chunk) {
      chunk_ = &chunk;
      inBatch_ = te_.fromLanes(chunk.mask); // selects on varying values take its shape
      step_.setExogenousLoader(
          exogenousLoader(b_, te_, model_, tableau_, arg("exo"), arg("steps"), chunk, n_));
      if (tapeSteps_ > 0) {
        tapedSweeps();
      } else {
        forwardSweep();
        branch(reverses(), [&] {
          reverseStart();
          emitLoop(b_, arg("steps"), [&](Value *i) { reverseStep(i); });
        });
      }
      branch(reverses(), [&] {
        scatterRows(b_, te_, lambda_, arg("gradX0"), chunk.rowStart(b_, Dv_, b_.getInt64(0)),
                    chunk.mask);
      });
    });
    finish();
  }

private:
  // The VJP's mode (support/SolverAbi.h); a loss gradient's is kVjpSolve.
  Value *mode() { return targets_ ? b_.getInt64(kVjpSolve) : arg("mode"); }
  Value *modeIs(VjpMode m) { return b_.CreateICmpEQ(mode(), b_.getInt64(uint64_t(m))); }
  // The call solves forward (else traj holds the forward solve).
  Value *solves() { return b_.CreateOr(modeIs(kVjpSolve), modeIs(kVjpTapeForward)); }
  // The call runs the reverse sweep.
  Value *reverses() {
    return targets_ ? b_.getTrue() : b_.CreateNot(modeIs(kVjpTapeForward));
  }

  Value *arg(const char *name) const {
    for (llvm::Argument &a : f_->args())
      if (a.getName() == name)
        return &a;
    throw InternalError(std::string("AdjointEmitter: no argument ") + name);
  }

  std::vector<ir::Expr> fieldAndVjp() const {
    std::vector<ir::Expr> roots = model_.ddt;
    roots.insert(roots.end(), vjp_.all.begin(), vjp_.all.end());
    return roots;
  }

  std::unordered_set<const ir::Node *> varyingInputs() const {
    std::unordered_set<const ir::Node *> varying = stageInputs(model_);
    for (const ir::Expr &c : vjp_.cotangents)
      varying.insert(c.get());
    return varying;
  }

  void clear(const Tensor &t) {
    emitLoop(b_, t.shape.size(), [&](Value *i) { te_.store(t, i, zero_); });
  }

  // X̄_i as the rows of one tensor: a rolled VJP loop picks its stage's row at run time.
  Tensor Xbar(Value *i) { return te_.view(XbarRows_, b_.CreateMul(i, te_.index(D_)), flatState_); }

  void allocateBuffers() {
    X_ = te_.allocate(flatState_, true, "X");
    lambda_ = te_.allocate(flatState_, true, "lambda");
    kbar_ = te_.allocate(flatState_, true, "kbar");
    target_ = te_.allocate(flatState_, true, "y");
    stageCotangent_ = te_.allocate(flatState_, true, "kbar.given");
    XbarRows_ = te_.allocate(Shape::vector(int(s_ * D_)), true, "Xbar");
    thetaBar_ = te_.allocate(Shape::vector(int(std::max<int64_t>(model_.paramCount(), 1))), true,
                             "thetaBar");
    loss_ = te_.allocate(Shape::scalar(), true, "loss");
    // The next target to consume, downwards; in the entry block (the prologue may have left
    // the builder elsewhere), so mem2reg promotes it.
    targetPos_ = llvm::IRBuilder<>(&f_->getEntryBlock(), f_->getEntryBlock().begin())
                     .CreateAlloca(b_.getInt64Ty());
    zero_ = llvm::Constant::getNullValue(te_.elementType(true));
    clear(thetaBar_);
    clear(loss_);
    clear(XbarRows_); // a dead stage's row is read (with coefficient 0) but never written
  }

  Tensor stageRowsOf(const ir::Node &n) {
    Tensor rows = step_.stageRows(n);
    const Tensor first = te_.storedValue(n, vjpScope_, te_.index(0));
    if (!rows.ptr && first.ptr)
      rows = {first.ptr, Shape::matrix(s_, int(n.shape.size())), true};
    return rows;
  }

  // k̄_i = h (b_i λ + Σ_{j>i} a_ji X̄_j) over live j: row i of kbarCoef holds b_i and then
  // a_ji for j = i+1 … s−1 (dead j's as 0); rolled code reads it as a table.
  void tabulateKbar() {
    kbarCoef_.assign(size_t(s_ * s_), 0.0);
    for (int st = 0; st < s_; ++st) {
      kbarCoef_[size_t(st * s_)] = tableau_.b[size_t(st)].value;
      for (int j = st + 1; j < s_; ++j)
        kbarCoef_[size_t(st * s_ + j - st)] = plan_.live[size_t(j)] ? tableau_.a(j, st) : 0.0;
    }
    if (step_.rolled()) {
      kbarTable_ = step_.table(kbarCoef_);
      kbarSum_ = te_.allocate(flatState_, true, "kbar.sum");
    }
  }

  Value *trajRow(Value *n) { return chunk_->rowStart(b_, trajStride_, b_.CreateMul(n, Dv_)); }

  // The tape (AdjointCodegen.h): the forward sweep keeps the stage states and the field values
  // the VJP reads of the last tapeSteps_ steps (slots 0 … tapeSteps_−1), and the reverse sweep
  // reads them there instead of recomputing those steps; the other steps go through slot
  // tapeSteps_, the recomputation's. As many steps as fit kTapeBytes. None in one-lane code,
  // beside a forward solver, for large products (kTapeMaxProduct), or for a VJP handed its
  // trajectory (at run time: every step recomputed).
  void chooseTape(Precision precision) {
    if (!step_.rolled() || forward_ || model_.largestProduct() > kTapeMaxProduct)
      return;
    const int64_t bytesPerStep = int64_t(s_) * RungeKuttaStep::slotElements(model_, stageRoots_) *
                                 width_ * (precision == Precision::Float ? 4 : 8);
    tapeSteps_ = kTapeBytes / bytesPerStep;
    if (tapeSteps_ == 0)
      return;
    Value *start = b_.CreateSub(arg("steps"), te_.index(tapeSteps_));
    if (targets_) {
      step_.setSlots(tapeSteps_ + 1);
      tapeStart_ = start;
      return;
    }
    // A VJP's slots may live in the caller's tape (kVjpTapeForward, kVjpFromTape): every
    // chunk's tapeSteps_ + 1 slots there, the chunk's slot s at chunk · (tapeSteps_ + 1) + s.
    external_ = handsTape(b_);
    step_.setSlots(tapeSteps_ + 1, [this](const Tensor &t) { return onTape(t); });
    // The tape holds the last steps after a forward sweep in this call, or in the call that
    // handed it; a trajectory alone holds no stage values.
    Value *valid = b_.CreateOr(modeIs(kVjpSolve), external_);
    tapeStart_ = b_.CreateSelect(valid, start, arg("steps"));
  }

  // Storage of the slots (allocated in the entry block, at t.ptr), in the caller's tape when
  // it hands one: each buffer takes its bytes per chunk there, for every chunk.
  Tensor onTape(const Tensor &t) {
    llvm::IRBuilder<> entry(llvm::cast<llvm::Instruction>(t.ptr)->getNextNode());
    llvm::Type *i8 = entry.getInt8Ty();
    const llvm::DataLayout &dl = f_->getParent()->getDataLayout();
    const int64_t bytes =
        t.shape.size() * int64_t(dl.getTypeAllocSize(te_.elementType(true)).getFixedSize());
    Value *chunks = entry.CreateUDiv(entry.CreateAdd(arg("batch"), entry.getInt64(width_ - 1)),
                                     entry.getInt64(width_));
    Value *at = entry.CreateInBoundsGEP(
        i8, entry.CreateBitCast(arg("tape"), llvm::PointerType::getUnqual(i8)),
        entry.CreateMul(chunks, entry.getInt64(uint64_t(tapeBytesPerChunk_))));
    tapeBytesPerChunk_ += bytes;
    return {entry.CreateSelect(handsTape(entry), entry.CreateBitCast(at, t.ptr->getType()),
                               t.ptr),
            t.shape, t.varying};
  }

  // i1, emitted by `at` (which may precede the builder's code: onTape's allocations): the
  // caller hands its tape (a tape mode, a tape).
  Value *handsTape(llvm::IRBuilder<> &at) {
    Value *tape = arg("tape"), *mode = arg("mode");
    return at.CreateAnd(at.CreateICmpNE(tape, llvm::Constant::getNullValue(tape->getType())),
                        at.CreateOr(at.CreateICmpEQ(mode, at.getInt64(kVjpTapeForward)),
                                    at.CreateICmpEQ(mode, at.getInt64(kVjpFromTape))));
  }

  // Step n's slot.
  Value *slotOf(Value *n) {
    return b_.CreateSelect(b_.CreateICmpSGE(n, tapeStart_), b_.CreateSub(n, tapeStart_),
                           te_.index(tapeSteps_));
  }

  // then() where cond (an i1) holds, otherwise() (when given) where not.
  void branch(Value *cond, const std::function<void()> &then,
              const std::function<void()> &otherwise = {}) {
    auto *thenBlock = llvm::BasicBlock::Create(ctx_, "then", f_);
    auto *elseBlock = otherwise ? llvm::BasicBlock::Create(ctx_, "else", f_) : nullptr;
    auto *join = llvm::BasicBlock::Create(ctx_, "join", f_);
    b_.CreateCondBr(cond, thenBlock, elseBlock ? elseBlock : join);
    b_.SetInsertPoint(thenBlock);
    then();
    b_.CreateBr(join);
    if (elseBlock) {
      b_.SetInsertPoint(elseBlock);
      otherwise();
      b_.CreateBr(join);
    }
    b_.SetInsertPoint(join);
  }

  // Both sweeps as one loop, so that the stages (the field) are emitted once, as in the
  // adjoint that recomputes every step (its JIT time): iteration j < Nf is forward step j,
  // which stores x_{j+1} into traj and keeps its stage values in its slot (the forward
  // solver's arithmetic: its straight-line stages and these rolled ones round alike, so traj
  // holds what a simulation computes, to the bit); iteration Nf seeds λ at x_N; the N after
  // it are the reverse steps, which recompute only the steps off the tape. Nf = N, or 0 for a
  // VJP handed its trajectory.
  void tapedSweeps() {
    Value *steps = arg("steps"), *traj = arg("traj"), *zero = b_.getInt64(0);
    Value *forward = solves();
    Value *forwardSteps = b_.CreateSelect(forward, steps, zero);
    branch(forward, [&] {
      gatherRows(b_, te_, X_, arg("x0"), chunk_->rowStart(b_, Dv_, zero), chunk_->mask);
      scatterRows(b_, te_, X_, traj, trajRow(zero), chunk_->mask);
    });
    Value *count = b_.CreateAdd(
        forwardSteps, b_.CreateSelect(reverses(), b_.CreateAdd(steps, b_.getInt64(1)), zero));
    // The chunk's first slot in the caller's tape (0 in the function's own).
    Value *firstSlot =
        external_ ? b_.CreateSelect(external_,
                                    b_.CreateMul(b_.CreateUDiv(chunk_->first, te_.index(width_)),
                                                 te_.index(tapeSteps_ + 1)),
                                    zero)
                  : zero;
    emitLoop(b_, count, [&](Value *j) {
      Value *isForward = b_.CreateICmpSLT(j, forwardSteps);
      Value *i = b_.CreateSub(j, b_.CreateAdd(forwardSteps, b_.getInt64(1))); // reverse step
      Value *n = n_ = b_.CreateSelect(
          isForward, j, b_.CreateSub(b_.CreateSub(steps, b_.getInt64(1)), i));
      branch(b_.CreateICmpEQ(j, forwardSteps), [&] { reverseStart(); }, [&] {
        branch(isForward, [] {}, [&] { gatherRows(b_, te_, X_, traj, trajRow(n), chunk_->mask); });
        Value *slot = slotOf(n);
        step_.setSlot(b_.CreateAdd(firstSlot, slot));
        branch(
            b_.CreateOr(isForward, b_.CreateICmpEQ(slot, te_.index(tapeSteps_))),
            [&] { step_.emitRecomputation(X_, hv_, stageRoots_, isForward); },
            [&] { step_.loadExogenousRows(); });
        branch(
            isForward,
            [&] {
              step_.emitUpdate(X_, hv_);
              scatterRows(b_, te_, X_, traj, trajRow(b_.CreateAdd(n, b_.getInt64(1))),
                          chunk_->mask);
            },
            [&] { stageAdjoints(i, n); });
      });
    });
  }

  // The chunk's trajectories by the forward solver itself, so that traj is what it computes,
  // to the bit; then X = x_N. A VJP may be handed the trajectory of an earlier forward solve
  // instead (trajGiven).
  void forwardSweep() {
    llvm::Type *dbl = b_.getDoubleTy();
    Value *batch = arg("batch"), *steps = arg("steps"), *traj = arg("traj");
    llvm::BasicBlock *solved = nullptr;
    if (!targets_) {
      auto *solve = llvm::BasicBlock::Create(ctx_, "forward", f_);
      solved = llvm::BasicBlock::Create(ctx_, "forward.done", f_);
      b_.CreateCondBr(solves(), solve, solved);
      b_.SetInsertPoint(solve);
    }
    Value *count = b_.CreateSub(batch, chunk_->first);
    count = b_.CreateSelect(b_.CreateICmpSLT(count, te_.index(width_)), count, te_.index(width_));
    Value *exoStride = b_.CreateMul(steps, b_.getInt64(uint64_t(s_ * model_.exoDim())));
    if (!forward_) { // an adjoint alone, without a tape: a forward solver of its own
      forward_ = emitSimulator(*f_->getParent(), model_, tableau_, width_, te_.precision(),
                               te_.machine(), f_->getName().str() + ".forward");
      forward_->setLinkage(llvm::GlobalValue::InternalLinkage);
      forward_->addFnAttr(llvm::Attribute::NoInline);
    }
    b_.CreateCall(forward_,
                  {arg("params"), b_.CreateInBoundsGEP(dbl, arg("x0"), b_.CreateMul(chunk_->first, Dv_)),
                   b_.CreateInBoundsGEP(dbl, traj, b_.CreateMul(chunk_->first, trajStride_)), count,
                   steps, arg("h"),
                   b_.CreateInBoundsGEP(dbl, arg("exo"), b_.CreateMul(chunk_->first, exoStride))});
    if (solved) {
      b_.CreateBr(solved);
      b_.SetInsertPoint(solved);
    }
  }

  // λ = ∂L/∂x_N (X = x_N), before the reverse steps.
  void reverseStart() {
    Value *steps = arg("steps");
    gatherRows(b_, te_, X_, arg("traj"), trajRow(steps), chunk_->mask);
    clear(lambda_);
    if (targets_)
      b_.CreateStore(b_.CreateSub(arg("numTargets"), b_.getInt64(1)), targetPos_);
    inject(steps);
    thetaGrad_->beginSweep(steps);
  }

  void inject(Value *n) { targets_ ? injectTargets(n) : injectCotangent(n); }

  // λ += ∂L/∂x_n = Σ_{t: s_t = n} 2 w_t (x_n − y_t), and the loss, for the targets at step n
  // (X holds x_n). Targets are sorted, so they are consumed from the last one down.
  void injectTargets(Value *n) {
    llvm::Type *dbl = b_.getDoubleTy(), *i64 = b_.getInt64Ty();
    auto *head = llvm::BasicBlock::Create(ctx_, "target", f_);
    auto *check = llvm::BasicBlock::Create(ctx_, "target.check", f_);
    auto *body = llvm::BasicBlock::Create(ctx_, "target.inject", f_);
    auto *done = llvm::BasicBlock::Create(ctx_, "target.done", f_);
    b_.CreateBr(head);
    b_.SetInsertPoint(head);
    Value *t = b_.CreateLoad(i64, targetPos_);
    b_.CreateCondBr(b_.CreateICmpSGE(t, b_.getInt64(0)), check, done);
    b_.SetInsertPoint(check);
    Value *st = b_.CreateLoad(i64, b_.CreateInBoundsGEP(i64, arg("targetSteps"), t));
    b_.CreateCondBr(b_.CreateICmpEQ(st, n), body, done);
    b_.SetInsertPoint(body);
    Value *w = te_.splat(
        te_.toReal(b_.CreateLoad(dbl, b_.CreateInBoundsGEP(dbl, arg("targetWeights"), t))));
    gatherRows(b_, te_, target_, arg("targets"),
               chunk_->rowStart(b_, targetStride_, b_.CreateMul(t, Dv_)), chunk_->mask);
    emitLoop(b_, D_, [&](Value *d) {
      Value *diff = b_.CreateSelect(
          inBatch_, b_.CreateFSub(te_.load(X_, d, true), te_.load(target_, d, true)), zero_);
      Value *wd = b_.CreateFMul(w, diff);
      Value *l0 = te_.index(0);
      te_.store(loss_, l0,
                b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {wd->getType()},
                                   {wd, diff, te_.load(loss_, l0, true)}));
      te_.store(lambda_, d,
                b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {wd->getType()},
                                   {te_.splat(te_.real(2.0)), wd, te_.load(lambda_, d, true)}));
    });
    b_.CreateStore(b_.CreateSub(t, b_.getInt64(1)), targetPos_);
    b_.CreateBr(head);
    b_.SetInsertPoint(done);
  }

  // λ += the cotangent of x_n (target holds it).
  void injectCotangent(Value *n) {
    gatherRows(b_, te_, target_, arg("cotangent"), trajRow(n), chunk_->mask);
    emitLoop(b_, D_, [&](Value *d) {
      te_.store(lambda_, d,
                b_.CreateFAdd(te_.load(lambda_, d, true),
                              b_.CreateSelect(inBatch_, te_.load(target_, d, true), zero_)));
    });
  }

  // k̄ of stage st (an i64): the combination of λ and the later stages' X̄.
  void combineKbar(Value *st) {
    if (step_.rolled()) {
      Value *rowStart = b_.CreateMul(st, te_.index(s_));
      emitCombination(
          b_, te_, kbar_, nullptr, hv_, kbarSum_, b_.CreateSub(te_.index(s_), st),
          [&](Value *j) { return te_.load(kbarTable_, b_.CreateAdd(rowStart, j), true); },
          [&](Value *j) { // λ, then X̄_{i+j}
            Value *first = b_.CreateICmpEQ(j, te_.index(0));
            return Tensor{b_.CreateSelect(first, lambda_.ptr, Xbar(b_.CreateAdd(st, j)).ptr),
                          flatState_, true};
          });
      return;
    }
    const int64_t c = llvm::cast<llvm::ConstantInt>(st)->getSExtValue();
    const auto row = kbarCoef_.begin() + c * s_;
    std::vector<Tensor> terms = {lambda_};
    for (int64_t j = c + 1; j < s_; ++j)
      terms.push_back(Xbar(te_.index(j)));
    emitCombination(b_, te_, kbar_, nullptr, hv_, std::vector<double>(row, row + (s_ - c)), terms);
  }

  // k̄ += h c̄, c̄ the given cotangent of stage st's increment h K_st in step n_ (the rows
  // after the state cotangents: kVjpFromTrajectoryWithStages).
  void addStageCotangent(Value *st) {
    Value *stages = b_.getInt64(uint64_t(s_));
    Value *rows = b_.CreateInBoundsGEP(b_.getDoubleTy(), arg("cotangent"),
                                       b_.CreateMul(arg("batch"), trajStride_));
    Value *stride = b_.CreateMul(b_.CreateMul(arg("steps"), stages), Dv_);
    Value *offset = b_.CreateMul(b_.CreateAdd(b_.CreateMul(n_, stages), st), Dv_);
    gatherRows(b_, te_, stageCotangent_, rows, chunk_->rowStart(b_, stride, offset),
               chunk_->mask);
    emitLoop(b_, D_, [&](Value *d) {
      Value *c = te_.load(stageCotangent_, d, true);
      te_.store(kbar_, d,
                b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {c->getType()},
                                   {hv_, c, te_.load(kbar_, d, true)}));
    });
  }

  // X̄_st = J_x(X_st)ᵀ k̄ and θ̄ += J_θ(X_st)ᵀ k̄, in one pass over the VJP.
  void stageVjp(Value *i, Value *position, Value *st) {
    combineKbar(st);
    if (!targets_)
      branch(modeIs(kVjpFromTrajectoryWithStages), [&] { addStageCotangent(st); });
    TensorMap bound = step_.fieldValues(st);
    for (size_t k = 0; k < model_.states.size(); ++k)
      bound[vjp_.cotangents[k].get()] =
          te_.view(kbar_, model_.states[k].offset, model_.states[k].shape);
    if (step_.rolled())
      te_.setStorageScope(vjpScope_, st, s_);
    TensorMap values = eval_.evaluate(stageRoots_, bound);
    te_.setStorageScope(0);
    const Tensor XbarStage = Xbar(st);
    for (size_t k = 0; k < model_.states.size(); ++k) {
      const Tensor &v = values.at(vjp_.wrtStates[k].get());
      Tensor dst = te_.view(XbarStage, model_.states[k].offset, v.shape);
      emitLoop(b_, v.shape.size(), [&](Value *e) { te_.store(dst, e, te_.load(v, e, true)); });
    }
    thetaGrad_->addStage(values, inBatch_, i, position, st);
  }

  // Reverse step i (from 0), n = N−1−i: x_n from traj, its stages recomputed, their VJPs
  // last first, then λ_n = λ_{n+1} + Σ_i X̄_i + ∂L/∂x_n.
  void reverseStep(Value *i) {
    Value *n = n_ = b_.CreateSub(b_.CreateSub(arg("steps"), b_.getInt64(1)), i);
    gatherRows(b_, te_, X_, arg("traj"), trajRow(n), chunk_->mask);
    // Each stage's field values that its VJP uses are kept: the VJP pass reuses them
    // (tanh.(W1*x .+ b1) for an MLP) instead of evaluating them again.
    step_.emitRecomputation(X_, hv_, stageRoots_);
    stageAdjoints(i, n);
  }

  // The VJPs of reverse step i's stages (step n's, their values computed), then λ and the
  // targets at x_n (in X).
  void stageAdjoints(Value *i, Value *n) {
    Value *steps = arg("steps");
    step_.forEachStage(plan_.liveDownwards,
                       [&](Value *position, Value *st) { stageVjp(i, position, st); });
    thetaGrad_->endStep(i, steps);
    std::vector<double> ones;
    std::vector<Tensor> rows;
    for (int st = 0; st < s_; ++st) {
      ones.push_back(plan_.live[size_t(st)] ? 1.0 : 0.0);
      rows.push_back(Xbar(te_.index(st)));
    }
    emitCombination(b_, te_, lambda_, &lambda_, te_.splat(te_.real(1.0)), ones, rows);
    inject(n); // X still holds x_n: the stages were written to their own buffers
  }

  void finish() {
    llvm::Type *dbl = b_.getDoubleTy();
    branch(reverses(), [&] {
      emitLoop(b_, model_.paramCount(), [&](Value *p) {
        b_.CreateStore(thetaGrad_->total(p), b_.CreateInBoundsGEP(dbl, arg("gradParams"), p));
      });
    });
    if (!targets_) { // the tape's size, for the host (vjpTapeSymbol)
      llvm::Type *i64 = b_.getInt64Ty();
      auto *size = llvm::ArrayType::get(i64, 2);
      new llvm::GlobalVariable(
          *f_->getParent(), size, true, llvm::GlobalValue::ExternalLinkage,
          llvm::ConstantArray::get(size, {llvm::ConstantInt::get(i64, uint64_t(tapeBytesPerChunk_)),
                                          llvm::ConstantInt::get(i64, uint64_t(tapeSteps_))}),
          vjpTapeSymbol(f_->getName().str()));
    }
    Value *result = targets_ ? te_.sumLanes(te_.load(loss_, te_.index(0), true)) : nullptr;
    te_.freeHeapStorage();
    if (targets_)
      b_.CreateRet(result);
    else
      b_.CreateRetVoid();
  }

  llvm::Function *f_;
  llvm::LLVMContext &ctx_;
  llvm::IRBuilder<> b_;
  const ir::ModelIR &model_;
  const ButcherTableau &tableau_;
  const SolverPlan plan_;
  const int width_;
  llvm::Function *forward_;
  const bool targets_;
  const ad::FieldVjp vjp_;
  TensorEmitter te_;
  ExprEvaluator eval_;
  RungeKuttaStep step_;
  const int s_;
  const int64_t D_;
  const Shape flatState_;

  Tensor X_, lambda_, kbar_, target_, stageCotangent_, XbarRows_, thetaBar_, loss_, kbarTable_, kbarSum_;
  Value *targetPos_ = nullptr, *zero_ = nullptr;
  int vjpScope_ = 0;
  std::optional<ParamGradient> thetaGrad_;
  std::vector<double> kbarCoef_;
  std::vector<ir::Expr> stageRoots_; // what each stage's VJP pass evaluates
  Value *hv_ = nullptr, *Dv_ = nullptr, *trajStride_ = nullptr, *targetStride_ = nullptr;
  // The chunk being emitted (emit's loop body).
  const BatchChunk *chunk_ = nullptr;
  Value *inBatch_ = nullptr;
  Value *n_ = nullptr; // the step whose stages are emitted (forward or reverse)
  int64_t tapeSteps_ = 0;
  Value *tapeStart_ = nullptr; // the first step on the tape (steps − tapeSteps_, or steps: none)
  Value *external_ = nullptr;  // i1: the slots are in the caller's tape (a VJP with a tape)
  int64_t tapeBytesPerChunk_ = 0; // of the caller's tape (onTape)
};

llvm::Function *emitAdjoint(llvm::Module &m, const ir::ModelIR &model,
                            const ButcherTableau &tableau, int width, Precision precision,
                            const MachineModel &machine, const std::string &name,
                            llvm::Function *forward, Seed seed) {
  requireExplicit(tableau);
  internalCheck(model.ddt.size() == model.states.size(), "emitAdjoint: one ddt per state");
  // Its body stays one copy, however many call sites the inliner sees.
  if (forward)
    forward->addFnAttr(llvm::Attribute::NoInline);
  llvm::Function *f = declareAdjoint(m, name, seed);
  AdjointEmitter(f, model, tableau, width, precision, machine, forward, seed).emit();
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
