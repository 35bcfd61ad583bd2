// Long straight-line blocks are cut into pieces, each outlined into a function of its own, and
// compile without LLVM's pre-RA scheduler, machine copy propagation and machine LICM
// (jit/LongBlocks.h): the switches are on exactly while such a module compiles. A
// field too large to copy into every stage rolls its stages (codegen/RungeKuttaStep.h), and
// the code both give is right.
#include "JitTestSupport.h"
#include "codegen/Optimize.h"
#include "codegen/RungeKuttaStep.h"
#include "jit/LongBlocks.h"
#include "jit/NativeTarget.h"
#include "odec/odec.h"

#include <gtest/gtest.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/CommandLine.h>

#include <cmath>
#include <pthread.h>
#include <string>
#include <vector>

using namespace odec;

namespace {

// A function whose one block is `adds` floating-point additions and a return.
std::unique_ptr<llvm::Module> straightLine(llvm::LLVMContext &ctx, size_t adds) {
  auto m = std::make_unique<llvm::Module>("m", ctx);
  llvm::Type *real = llvm::Type::getDoubleTy(ctx);
  auto *f = llvm::Function::Create(llvm::FunctionType::get(real, {real}, false),
                                   llvm::Function::ExternalLinkage, "f", *m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value *x = f->getArg(0);
  for (size_t i = 0; i < adds; ++i)
    x = b.CreateFAdd(x, f->getArg(0));
  b.CreateRet(x);
  return m;
}

// f(x, n): a loop of n rounds whose body is one long block: `ops` times t = t * 0.999 + acc,
// where acc is the value the loop carries (a PHI, read by every piece of the cut body) and t
// starts at x (an argument); the loop's result leaves through an LCSSA PHI, plus x.
std::unique_ptr<llvm::Module> longLoop(llvm::LLVMContext &ctx, size_t ops) {
  auto m = std::make_unique<llvm::Module>("m", ctx);
  llvm::Type *real = llvm::Type::getDoubleTy(ctx), *count = llvm::Type::getInt64Ty(ctx);
  auto *f = llvm::Function::Create(llvm::FunctionType::get(real, {real, count}, false),
                                   llvm::Function::ExternalLinkage, "f", *m);
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", f);
  auto *loop = llvm::BasicBlock::Create(ctx, "loop", f);
  auto *exit = llvm::BasicBlock::Create(ctx, "exit", f);
  llvm::IRBuilder<> b(entry);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *acc = b.CreatePHI(real, 2, "acc"), *i = b.CreatePHI(count, 2, "i");
  llvm::Value *t = f->getArg(0);
  for (size_t k = 0; k < ops; ++k)
    t = b.CreateFAdd(b.CreateFMul(t, llvm::ConstantFP::get(real, 0.999)), acc);
  llvm::Value *next = b.CreateAdd(i, llvm::ConstantInt::get(count, 1));
  b.CreateCondBr(b.CreateICmpULT(next, f->getArg(1)), loop, exit);
  acc->addIncoming(llvm::ConstantFP::get(real, 0.25), entry);
  acc->addIncoming(t, loop);
  i->addIncoming(llvm::ConstantInt::get(count, 0), entry);
  i->addIncoming(next, loop);
  b.SetInsertPoint(exit);
  llvm::PHINode *result = b.CreatePHI(real, 1, "result");
  result->addIncoming(t, loop);
  b.CreateRet(b.CreateFAdd(result, f->getArg(0)));
  return m;
}

/// m compiled by a JIT of its own (which must outlive the calls), and its function `f`.
template <class Fn>
std::pair<std::unique_ptr<llvm::orc::LLJIT>, Fn *> compiled(std::unique_ptr<llvm::Module> m,
                                                            std::unique_ptr<llvm::LLVMContext> ctx) {
  jit::initializeNativeTarget();
  std::unique_ptr<llvm::orc::LLJIT> jit = llvm::cantFail(llvm::orc::LLJITBuilder().create());
  llvm::cantFail(jit->addIRModule(llvm::orc::ThreadSafeModule(std::move(m), std::move(ctx))));
  auto *f = reinterpret_cast<Fn *>(llvm::cantFail(jit->lookup("f")).getAddress());
  return {std::move(jit), f};
}

llvm::cl::Option &misched() { return *llvm::cl::getRegisteredOptions()["enable-misched"]; }
bool mischedValue() { return static_cast<llvm::cl::opt<bool> &>(misched()).getValue(); }
llvm::cl::Option &copyprop() { return *llvm::cl::getRegisteredOptions()["disable-copyprop"]; }
bool copypropDisabled() { return static_cast<llvm::cl::opt<bool> &>(copyprop()).getValue(); }


TEST(LongBlocks, LongBlocksAreOutlinedInPiecesAndTheirPassesOffExactlyWhileTheyCompile) {
  llvm::LLVMContext ctx;
  auto otherCtx = std::make_unique<llvm::LLVMContext>();
  auto longModule = straightLine(ctx, jit::kMaxScheduledBlock);
  auto otherLongModule = straightLine(*otherCtx, 3 * jit::kMaxScheduledBlock);
  auto shortModule = straightLine(ctx, 100);
  EXPECT_EQ(codegen::longestBlock(*longModule), jit::kMaxScheduledBlock + 1);
  EXPECT_EQ(codegen::longestBlock(*shortModule), 101u);
  ASSERT_EQ(misched().getNumOccurrences(), 0);
  ASSERT_EQ(copyprop().getNumOccurrences(), 0);
  {
    jit::LongBlockCodegen small(*shortModule);
    EXPECT_FALSE(small.passesOff());
    EXPECT_EQ(codegen::longestBlock(*shortModule), 101u) << "a short block is not cut";
    EXPECT_EQ(misched().getNumOccurrences(), 0);
    EXPECT_EQ(copyprop().getNumOccurrences(), 0);
    jit::LongBlockCodegen first(*longModule);
    EXPECT_TRUE(first.passesOff());
    EXPECT_EQ(misched().getNumOccurrences(), 1);
    EXPECT_FALSE(mischedValue());
    EXPECT_TRUE(copypropDisabled());
    {
      jit::LongBlockCodegen second(*otherLongModule); // another thread's compile, say
      EXPECT_FALSE(mischedValue());
      EXPECT_TRUE(copypropDisabled());
    }
    EXPECT_FALSE(mischedValue()) << "the first long module is still compiling";
    EXPECT_TRUE(copypropDisabled());
  }
  EXPECT_EQ(misched().getNumOccurrences(), 0);
  EXPECT_EQ(copyprop().getNumOccurrences(), 0);
  EXPECT_TRUE(mischedValue());
  EXPECT_FALSE(copypropDisabled());
  // Cut into pieces of kLongBlockPiece instructions, each a function of its own that f calls
  // in order, the sum carried from piece to piece through f's frame; f still adds x to itself
  // 18 000 times, to the bit.
  for (llvm::Module *m : {longModule.get(), otherLongModule.get()}) {
    // A middle piece: its additions, the sum loaded and stored (each with its address), copies
    // of x and of the workspace, and a return.
    EXPECT_EQ(codegen::longestBlock(*m), jit::kLongBlockPiece + 9);
    EXPECT_FALSE(llvm::verifyModule(*m, &llvm::errs()));
  }
  const llvm::Function *f = otherLongModule->getFunction("f");
  std::vector<size_t> addsPerPiece;
  size_t callsInF = 0;
  for (const llvm::Function &g : *otherLongModule) {
    size_t adds = 0;
    for (const llvm::BasicBlock &bb : g)
      for (const llvm::Instruction &i : bb) {
        adds += i.getOpcode() == llvm::Instruction::FAdd;
        callsInF += &g == f && llvm::isa<llvm::CallInst>(i);
      }
    if (&g != f)
      addsPerPiece.push_back(adds);
  }
  EXPECT_EQ(addsPerPiece, std::vector<size_t>(9, jit::kLongBlockPiece));
  EXPECT_EQ(callsInF, 9u);
  auto [jit, sum] = compiled<double(double)>(std::move(otherLongModule), std::move(otherCtx));
  EXPECT_EQ(sum(0.5), 0.5 * 18001);
}

// The values a cut loop body carries from round to round (a PHI read by every piece, the
// result fed back to it, the loop counter, an LCSSA PHI after the loop) pass through the
// workspace, and the function computes what it did before the cut.
TEST(LongBlocks, ACutLoopBodyKeepsWhatItCarries) {
  const size_t ops = 2 * jit::kMaxScheduledBlock;
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto m = longLoop(*ctx, ops);
  { jit::LongBlockCodegen cut(*m); }
  EXPECT_FALSE(llvm::verifyModule(*m, &llvm::errs()));
  EXPECT_GE(m->size(), 1 + 2 * ops / jit::kLongBlockPiece) << "f and its outlined pieces";
  EXPECT_LE(codegen::longestBlock(*m), jit::kLongBlockPiece + 20);
  const double x = 0.5;
  const int rounds = 3;
  double acc = 0.25, t = 0;
  for (int r = 0; r < rounds; ++r) {
    t = x;
    for (size_t k = 0; k < ops; ++k)
      t = t * 0.999 + acc;
    acc = t;
  }
  auto [jit, f] = compiled<double(double, int64_t)>(std::move(m), std::move(ctx));
  EXPECT_EQ(f(x, rounds), t + x);
}

// A chain of n bindings that each read the state: `src` in the language, `field` written out.
struct Chain {
  int n;
  std::string src() const {
    std::string s = "model Chain\n    state x::Vector{2}\n    a0 = x[1]\n";
    for (int i = 1; i <= n; ++i)
      s += "    a" + std::to_string(i) + " = tanh(a" + std::to_string(i - 1) + ") + 0.5 * x[1]\n";
    return s + "    ddt(x) = [a" + std::to_string(n) + "; -x[2]]\nend\n";
  }
  std::vector<double> field(const std::vector<double> &x) const {
    double a = x[0];
    for (int i = 1; i <= n; ++i)
      a = std::tanh(a) + 0.5 * x[0];
    return {a, -x[1]};
  }
  /// RK4 written out by hand: the state after `steps` steps of h from x.
  std::vector<double> solve(std::vector<double> x, double h, int steps) const {
    for (int s = 0; s < steps; ++s) {
      auto axpy = [&](const std::vector<double> &k, double c) {
        return std::vector<double>{x[0] + c * k[0], x[1] + c * k[1]};
      };
      auto k1 = field(x), k2 = field(axpy(k1, h / 2)), k3 = field(axpy(k2, h / 2)),
           k4 = field(axpy(k3, h));
      for (int d = 0; d < 2; ++d)
        x[d] += h / 6 * (k1[d] + 2 * k2[d] + 2 * k3[d] + k4[d]);
    }
    return x;
  }
};

// A field of n nested tanh: n + 1 IR nodes.
ir::ModelIR nestedTanh(int n) {
  ir::ModelIR m;
  m.name = "Nested";
  m.states = {odec::testing::slot("x", ir::VarRole::State, 0, Shape::vector(1), 0)};
  ir::Expr f = m.states[0].var;
  for (int i = 0; i < n; ++i)
    f = ir::unary(ir::Op::Tanh, f);
  m.ddt = {f};
  return m;
}

} // namespace

// Stages are copied into straight-line code up to kMaxStraightLineNodes (nodes × stages) and
// rolled beyond: the boundary, and every field the benchmarks and examples have stays
// straight-line.
TEST(LongBlocks, OnlyAHugeFieldRollsItsStages) {
  const ButcherTableau rk4 = odec::testing::explicitTableaux()[6].tableau;
  ButcherTableau thirteen = rk4; // only the stage count matters
  thirteen.stages = 13;
  static_assert(codegen::kMaxStraightLineNodes == 1000, "the boundary below assumes 1000");
  EXPECT_FALSE(codegen::stagesTooLargeForStraightLine(nestedTanh(249), rk4)); // 250 × 4
  EXPECT_TRUE(codegen::stagesTooLargeForStraightLine(nestedTanh(250), rk4));  // 251 × 4
  EXPECT_FALSE(codegen::stagesTooLargeForStraightLine(odec::testing::mlpModel(32, 128), rk4));
  EXPECT_FALSE(codegen::stagesTooLargeForStraightLine(odec::testing::mlpModel(32, 128), thirteen));
  EXPECT_TRUE(codegen::stagesTooLargeForStraightLine(nestedTanh(76), thirteen)); // 77 × 13
}

// A chain of 200 bindings that each read the state is ~1 000 IR nodes: RK4's solvers roll its
// stages (one copy of the field in a loop), one lane and a chunk alike, and the code still has
// tens of thousands of instructions in a block, compiled unscheduled. Through LLVM and through
// the emitted C++ it must match RK4 written out by hand.
TEST(LongBlocks, ALongChainSolvesLikeItsReference) {
  const Chain chain{200};
  const double h = 0.05;
  const int steps = 20;
  const std::vector<double> x = chain.solve({0.3, 1.0}, h, steps);
  Model model = Program::fromString(chain.src(), "chain.node").model("Chain");
  for (CodePath path : {CodePath::LLVM, CodePath::Cpp}) {
    std::vector<double> traj = model.simulator("RK4", path).simulate({}, {0.3, 1.0}, 1, steps, h);
    EXPECT_NEAR(traj[size_t(steps) * 2], x[0], 1e-12 * std::abs(x[0]));
    EXPECT_NEAR(traj[size_t(steps) * 2 + 1], x[1], 1e-12);
  }
  // Three trajectories: chunked code, the last chunk partly masked.
  const std::vector<double> x0 = {0.3, 1.0, -0.2, 0.5, 0.7, -1.0};
  std::vector<double> traj = model.simulator("RK4").simulate({}, x0, 3, steps, h);
  for (int k = 0; k < 3; ++k) {
    const std::vector<double> ref = chain.solve({x0[2 * k], x0[2 * k + 1]}, h, steps);
    for (int d = 0; d < 2; ++d)
      EXPECT_NEAR(traj[size_t((k * (steps + 1) + steps) * 2 + d)], ref[d], 1e-12) << k;
  }
}

// Through the emitted C++, a chain of 3 000 bindings `a_i = tanh(a_{i-1})`: Clang, which
// recursed through the initializers of `const` temporaries until its stack overflowed (a
// segfault from 2 500 bindings on), compiles it, and the code computes an Euler step of it.
TEST(LongBlocks, AChainOfThousandsOfBindingsCompilesThroughClang) {
  const int n = 3000;
  std::string src = "model Chain\n    state x::Vector{2}\n    a0 = x[1]\n";
  for (int i = 1; i <= n; ++i)
    src += "    a" + std::to_string(i) + " = tanh(a" + std::to_string(i - 1) + ")\n";
  src += "    ddt(x) = [a" + std::to_string(n) + "; -x[2]]\nend\n";
  double a = 0.3;
  for (int i = 1; i <= n; ++i)
    a = std::tanh(a);
  const double h = 0.05;
  Model model = Program::fromString(src, "chain.node").model("Chain");
  std::vector<double> traj = model.simulator("Euler", CodePath::Cpp).simulate({}, {0.3, 1.0}, 1, 1, h);
  EXPECT_NEAR(traj[2], 0.3 + h * a, 1e-15);
  EXPECT_NEAR(traj[3], 1.0 - h * 1.0, 1e-15);
}

// The gradient of a 2 200-binding chain whose bindings read the state, through the emitted
// C++, on a thread with a 256 KiB stack: the ~4 400 two-element temporaries of its VJP, more
// than the C++ emitter's stack budget holds, stay off the heap (each had its own allocation and
// cleanup, and Clang spent seconds merging the blocks they made) without overflowing a small
// stack, and it matches central differences of RK4 written out by hand.
TEST(LongBlocks, AChainsGradientThroughClangFitsASmallStack) {
  const Chain chain{2200};
  Model model = Program::fromString(chain.src(), "chain.node").model("Chain");
  const std::string header = model.cppHeader("RK4");
  EXPECT_NE(header.find("Real t_"), std::string::npos);
  EXPECT_EQ(header.find("Heap<std::array<Real, 2>>"), std::string::npos)
      << "a two-element temporary went to the heap";
  const std::vector<double> x0 = {0.3, 1.0}, target = {0.4, 0.6};
  const auto viaCpp = model.lossGradient("RK4", Adjoint::Discrete, CodePath::Cpp);
  LossGradient::Result got;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, size_t(256) << 10), 0);
  pthread_t thread;
  auto job = [&] { got = viaCpp.meanSquaredError({}, x0, 1, 3, 0.05, {3}, target); };
  auto run = [](void *arg) -> void * {
    (*static_cast<decltype(job) *>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, &job), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  auto loss = [&](const std::vector<double> &start) {
    const std::vector<double> x = chain.solve(start, 0.05, 3);
    return ((x[0] - target[0]) * (x[0] - target[0]) + (x[1] - target[1]) * (x[1] - target[1])) / 2;
  };
  EXPECT_NEAR(got.loss, loss(x0), 1e-12 * loss(x0));
  for (int d = 0; d < 2; ++d) {
    std::vector<double> plus = x0, minus = x0;
    plus[d] += 1e-6;
    minus[d] -= 1e-6;
    const double fd = (loss(plus) - loss(minus)) / 2e-6;
    EXPECT_NEAR(got.gradX0[d], fd, 1e-7 * std::max(1.0, std::abs(fd))) << "x0[" << d << "]";
  }
}

// An adaptive solver keeps its stages straight-line, so a 400-binding chain's six
// DormandPrince5 stages are one block of tens of thousands of instructions, cut into pieces
// before optimization (codegen/Optimize.cpp) and outlined after it: at tight tolerances the
// solve still lands on RK4 written out by hand with a step 100 times finer than its own.
TEST(LongBlocks, AnAdaptiveSolveOfALongChainLandsOnItsReference) {
  const Chain chain{400};
  Model model = Program::fromString(chain.src(), "chain.node").model("Chain");
  AdaptiveSettings tight;
  tight.rtol = 1e-11;
  tight.atol = 1e-12;
  const AdaptiveSolver::Result r = model.adaptiveSolver("DormandPrince5").solve({}, {0.3, 1.0}, {0, 0.5}, tight);
  const std::vector<double> x = chain.solve({0.3, 1.0}, 0.5 / 200, 200);
  EXPECT_NEAR(r.states[2], x[0], 1e-9);
  EXPECT_NEAR(r.states[3], x[1], 1e-9);
  EXPECT_GE(r.accepted[0], 2) << "more than one step, or the test proves little";
}

// The exact discrete adjoint of rolled stages, one lane and chunked, against central
// differences of the hand-written RK4 (the loss: the mean squared error at the last step). 200
// bindings are ~1 000 nodes, over kMaxStraightLineNodes in RK4's four stages, and the chunked
// adjoint's stage loop is one block of ~7 000 instructions, cut into pieces.
TEST(LongBlocks, ALongChainsGradientMatchesFiniteDifferences) {
  const Chain chain{200};
  const double h = 0.05;
  const int steps = 10;
  const std::vector<double> target = {0.4, 0.6};
  auto loss = [&](const std::vector<double> &x0) {
    const std::vector<double> x = chain.solve(x0, h, steps);
    return ((x[0] - target[0]) * (x[0] - target[0]) + (x[1] - target[1]) * (x[1] - target[1])) / 2;
  };
  Model model = Program::fromString(chain.src(), "chain.node").model("Chain");
  LossGradient grad = model.lossGradient("RK4");
  const std::vector<double> x0 = {0.3, 1.0, -0.2, 0.5, 0.7, -1.0};
  for (int batch : {1, 3}) {
    std::vector<double> targets;
    for (int k = 0; k < batch; ++k)
      targets.insert(targets.end(), target.begin(), target.end());
    const std::vector<double> start(x0.begin(), x0.begin() + 2 * batch);
    const LossGradient::Result r = grad.meanSquaredError({}, start, batch, steps, h, {steps}, targets);
    for (int k = 0; k < batch; ++k)
      for (int d = 0; d < 2; ++d) {
        std::vector<double> plus = {start[2 * k], start[2 * k + 1]}, minus = plus;
        const double e = 1e-6;
        plus[d] += e;
        minus[d] -= e;
        // The MSE averages over the batch's values: this trajectory's share.
        const double fd = (loss(plus) - loss(minus)) / (2 * e) / batch;
        EXPECT_NEAR(r.gradX0[size_t(2 * k + d)], fd, 1e-7 * std::max(1.0, std::abs(fd)))
            << "batch " << batch << ", trajectory " << k << ", x0[" << d << "]";
      }
  }
}
