// The JIT's compile pipeline: the phase timings it reports (CompileOptions::phaseTimes) and the
// loop shapes its code generator leaves to LLVM (codegen/Loops.h, codegen/Optimize.h).
#include "JitTestSupport.h"

#include <gtest/gtest.h>

#include <chrono>

using namespace odec;
using namespace odec::testing;

namespace {

const ButcherTableau &rk4() {
  static const ButcherTableau t = [] {
    for (const NamedTableau &n : explicitTableaux())
      if (n.tableau.name == "RK4")
        return n.tableau;
    throw std::logic_error("no RK4 among the test tableaux");
  }();
  return t;
}

TEST(CompilePipeline, PhaseTimesCoverTheCompileAndAccumulate) {
  jit::CompilePhaseTimes times;
  jit::CompileOptions options;
  options.phaseTimes = &times;
  options.cache = false; // a cache hit has no emit and optimize phases (ObjectCacheTest)
  const auto start = std::chrono::steady_clock::now();
  auto sim = jit::compileSimulator(spiralModel(), rk4(), options);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (double phase : {times.emit, times.optimize, times.jitSetup, times.machineCode})
    EXPECT_GT(phase, 0.0);
  const double sum = times.emit + times.optimize + times.jitSetup + times.machineCode;
  EXPECT_LE(sum, wall);
  EXPECT_GE(sum, 0.5 * wall) << "the phases should account for most of the compile";

  const jit::CompilePhaseTimes first = times;
  auto grad = jit::compileLossGrad(spiralModel(), rk4(), options);
  EXPECT_GT(times.machineCode, first.machineCode);
  EXPECT_GT(times.optimize, first.optimize);
}

TEST(CompilePipeline, ShortLoopsStayRolled) {
  // Spiral: the 16-wide hidden-layer loops stay loops, marked not to unroll (the optimizer
  // keeps the marks on the loops it keeps).
  const std::string ir = jit::emitSimulatorLLVM(spiralModel(), rk4());
  EXPECT_NE(ir.find("!{!\"llvm.loop.unroll.disable\"}"), std::string::npos);
  // With the level-3 pipeline (LLVM's O3) the same code still compiles and carries the marks.
  jit::CompileOptions o3;
  o3.optLevel = 3;
  EXPECT_NE(jit::emitSimulatorLLVM(spiralModel(), rk4(), o3).find("llvm.loop.unroll.disable"),
            std::string::npos);
}

} // namespace

TEST(CompilePipeline, LargeProductsGetTwoRegistersPerChunk) {
  // The largest product's multiply-adds per trajectory against kWideChunkMultiplyAdds: the
  // spiral's 16×2 and a 32×32 MLP (1024, the threshold) and W2's 128×32. On AVX-512 (8 doubles
  // per register; TargetTest covers the other levels):
  auto options = [](const ir::ModelIR &m, jit::Precision p = jit::Precision::Double) {
    return jit::defaultOptions(m, p, "x86-64-v4");
  };
  EXPECT_EQ(options(spiralModel()).vectorWidth, 8);
  EXPECT_EQ(options(mlpModel(31, 33)).vectorWidth, 8); // 33×31 = 1023
  EXPECT_EQ(options(mlpModel(32, 32)).vectorWidth, 16);
  const jit::CompileOptions wide = options(mlpModel(32, 128), jit::Precision::Float);
  EXPECT_EQ(wide.precision, jit::Precision::Float);
  EXPECT_EQ(jit::lanesPerChunk(wide), 32);
  // Narrowed for small batches as the default width is.
  EXPECT_EQ(jit::optionsForBatch(options(mlpModel(32, 32)), 9).vectorWidth, 16);
  EXPECT_EQ(jit::optionsForBatch(options(mlpModel(32, 32)), 5).vectorWidth, 8);
  EXPECT_EQ(jit::optionsForBatch(options(spiralModel()), 1).vectorWidth, 1);
}

namespace {

/// The trajectory, loss and gradients of solvers compiled with `parts` (B = 13: a partial
/// chunk), and how many objects their machine code came in.
struct SolverRun {
  std::vector<double> traj, gradParams, gradX0;
  double loss = 0;
  int parts = 0;
};

SolverRun runSolvers(const ir::ModelIR &model, int parts) {
  jit::CompilePhaseTimes times;
  // x86-64-v2 runs on every machine, and its code is the shortest (CompileOptions::parts).
  jit::CompileOptions options = jit::defaultOptions(model, jit::Precision::Double, "x86-64-v2");
  options.cache = false;
  options.parts = parts;
  options.phaseTimes = &times;
  const jit::CompiledSolvers solvers = jit::compileSolvers(model, rk4(), options);
  const int64_t D = model.stateDim(), B = 13, N = 12;
  const std::vector<double> params = randomVector(size_t(model.paramCount()), 5, 0.3),
                            x0 = randomVector(size_t(B * D), 6, 1.0),
                            targets = randomVector(size_t(B * D), 7, 1.0);
  SolverRun r;
  r.traj = simulate(*solvers.simulator, params, x0, B, N, 0.05, D);
  std::vector<double> traj(r.traj.size());
  r.gradParams.resize(params.size());
  r.gradX0.resize(x0.size());
  const int64_t targetSteps[] = {N};
  const double weights[] = {1.0};
  r.loss = solvers.lossGrad->function()(params.data(), x0.data(), B, N, 0.05, 1, targetSteps,
                                        weights, targets.data(), traj.data(), r.gradParams.data(),
                                        r.gradX0.data(), nullptr);
  EXPECT_EQ(traj, r.traj) << "the adjoint's forward sweep is the simulator's";
  r.parts = times.parts;
  return r;
}

} // namespace

TEST(CompilePipeline, AForwardSolverBesideItsAdjointCompilesOnItsOwnThreadToTheSameBits) {
  // W2's shape, smaller: the forward solver is long enough to be a part of its own.
  const ir::ModelIR model = mlpModel(16, 64);
  const SolverRun split = runSolvers(model, 2), whole = runSolvers(model, 1);
  EXPECT_EQ(split.parts, 2);
  EXPECT_EQ(whole.parts, 1);
  EXPECT_EQ(split.traj, whole.traj);
  EXPECT_EQ(split.loss, whole.loss);
  EXPECT_EQ(split.gradParams, whole.gradParams);
  EXPECT_EQ(split.gradX0, whole.gradX0);
  // The spiral's solvers are too small to be worth a thread.
  EXPECT_EQ(runSolvers(spiralModel(), 2).parts, 1);
}
