// Targets (jit/Target.h): CPU names and levels, the machine model that shapes the code, refusal of
// code this machine cannot run, code for another architecture, and the same numbers from the
// code of every level this machine runs.
#include "JitTestSupport.h"

#include "jit/NativeTarget.h"
#include "jit/Target.h"

#include <gtest/gtest.h>
#include <llvm/Support/ErrorHandling.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

using namespace odec;
using namespace odec::testing;

namespace {

const char *const kAArch64 = "aarch64-unknown-linux-gnu";

std::string messageOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "(no exception)";
}

} // namespace

// A fatal error inside LLVM (its instcombine giving up after 1 000 rounds was one) ends the
// process as odec's internal errors do — a message naming it and status 70 — not with
// "LLVM ERROR" and abort().
TEST(NativeTargetDeathTest, AnLlvmFatalErrorEndsAsAnInternalErrorNotACrash) {
  jit::initializeNativeTarget();
  EXPECT_EXIT(llvm::report_fatal_error("stuck after 1000 rounds"),
              ::testing::ExitedWithCode(jit::kLlvmFatalErrorStatus),
              "odec: internal error: LLVM: stuck after 1000 rounds\n\\(this is a bug in odec");
}

TEST(Target, LevelsHaveTheirVectorRegisters) {
  const codegen::MachineModel sse = jit::resolveTarget("x86-64").machine,
                              avx2 = jit::resolveTarget("x86-64-v3").machine,
                              avx512 = jit::resolveTarget("x86-64-v4").machine;
  EXPECT_EQ(sse.vectorBytes, 16);
  EXPECT_EQ(sse.vectorRegisters, 16);
  EXPECT_EQ(jit::resolveTarget("x86-64-v2").machine.vectorBytes, 16);
  EXPECT_EQ(avx2.vectorBytes, 32);
  EXPECT_EQ(avx2.vectorRegisters, 16);
  EXPECT_EQ(avx512.vectorBytes, 64);
  EXPECT_EQ(avx512.vectorRegisters, 32);
  EXPECT_EQ(jit::resolveTarget("znver3").machine.vectorBytes, 32); // AVX2, no AVX-512
}

TEST(Target, DefaultChunkIsOneRegisterOfDoublesOrTwoForLargeFields) {
  const ir::ModelIR small = spiralModel(), large = mlpModel(32, 128);
  EXPECT_EQ(jit::defaultOptions(small, jit::Precision::Double, "x86-64-v2").vectorWidth, 2);
  EXPECT_EQ(jit::defaultOptions(small, jit::Precision::Double, "x86-64-v3").vectorWidth, 4);
  EXPECT_EQ(jit::defaultOptions(small, jit::Precision::Double, "x86-64-v4").vectorWidth, 8);
  EXPECT_EQ(jit::defaultOptions(large, jit::Precision::Double, "x86-64-v3").vectorWidth, 8);
  EXPECT_EQ(jit::defaultOptions(large, jit::Precision::Double, "x86-64-v4").vectorWidth, 16);
  // float chunks hold twice the trajectories in the same registers
  EXPECT_EQ(jit::lanesPerChunk(jit::defaultOptions(small, jit::Precision::Float, "x86-64-v3")),
            8);
}

TEST(Target, MachineModelShapesRegisterBlocking) {
  const codegen::MachineModel avx2{32, 16}, avx512{64, 32};
  EXPECT_EQ(avx512.matMulRowBlock(8, 8), 8);
  EXPECT_EQ(avx512.matMulRowBlock(16, 8), 8);
  EXPECT_EQ(avx2.matMulRowBlock(4, 8), 8);
  EXPECT_EQ(avx2.matMulRowBlock(8, 8), 4); // two registers per row's sums
  EXPECT_EQ(avx512.chainGroupBytes(), 256);
  EXPECT_EQ(avx2.chainGroupBytes(), 64);
  EXPECT_EQ(avx2.laneSumBlock(), 8);
}

TEST(Target, UnknownCpuIsRefusedWithTheLevels) {
  const std::string m = messageOf([] { jit::resolveTarget("pentium9000"); });
  EXPECT_NE(m.find("unknown CPU 'pentium9000'"), std::string::npos) << m;
  EXPECT_NE(m.find("x86-64-v3"), std::string::npos) << m;
}

TEST(Target, HostRunsHereAndLevelsAreOrdered) {
  const jit::Target &host = jit::resolveTarget("host");
  EXPECT_TRUE(host.host);
  EXPECT_TRUE(host.runsHere());
  const std::vector<std::string> levels = jit::runnableLevels();
  ASSERT_FALSE(levels.empty()) << "every x86-64 machine odec supports runs x86-64-v2";
  EXPECT_EQ(levels[0], "x86-64-v2");
  for (size_t i = 1; i < levels.size(); ++i)
    EXPECT_EQ(levels[i], "x86-64-v" + std::to_string(i + 2));
  // A level this machine lacks names what it lacks.
  if (levels.size() < 3) {
    const jit::Target &v4 = jit::resolveTarget("x86-64-v4");
    EXPECT_FALSE(v4.runsHere());
    const std::string m = messageOf([&] { jit::requireRunsHere(v4); });
    EXPECT_NE(m.find("avx512f"), std::string::npos) << m;
  }
}

TEST(Target, CodeForAnotherArchitectureIsWrittenButNotRun) {
  jit::CompileOptions options;
  options.triple = kAArch64;
  options.cpu = "cortex-a72";
  const jit::Target &arm = jit::resolveTarget(options.cpu, options.triple);
  EXPECT_FALSE(arm.runsHere());
  EXPECT_EQ(arm.machine.vectorBytes, 16);
  EXPECT_EQ(arm.machine.vectorRegisters, 32);
  const ButcherTableau rk4 = explicitTableaux()[6].tableau;
  const std::string m =
      messageOf([&] { jit::compileSimulator(spiralModel(), rk4, options); });
  EXPECT_NE(m.find("the aarch64 architecture"), std::string::npos) << m;

  // The fused solvers (forward and adjoint, double and float) build for AArch64: no x86
  // intrinsic or assumption is in the generated IR, or instruction selection would fail.
  for (jit::Precision p : {jit::Precision::Double, jit::Precision::Float}) {
    options.precision = p;
    options.vectorWidth = 2;
    const std::string object = jit::emitSolversObject(mlpModel(8, 32), rk4, options);
    ASSERT_GT(object.size(), 64u);
    EXPECT_EQ(object.substr(0, 4), "\x7f" "ELF");
    uint16_t machine = 0;
    std::memcpy(&machine, object.data() + 18, 2); // e_machine, little-endian
    EXPECT_EQ(machine, 183) << "EM_AARCH64";
    const std::string ir = jit::emitLossGradLLVM(mlpModel(8, 32), rk4, options);
    EXPECT_EQ(ir.find("llvm.x86"), std::string::npos);
    EXPECT_NE(ir.find("aarch64"), std::string::npos);
  }
}

/// Every level this machine runs computes the same trajectories and gradients as the host's
/// code, for full and partial chunks, in double and float: only the order of a few sums differs
/// between chunk widths.
TEST(Target, EveryRunnableLevelAgreesWithTheHost) {
  const ir::ModelIR model = mlpModel(4, 24);
  const ButcherTableau rk38 = explicitTableaux()[7].tableau;
  const int64_t D = 4, B = 13, N = 20; // 13: a partial chunk at every width
  const double h = 0.05;
  const std::vector<double> params = randomVector(size_t(model.paramCount()), 7, 0.4),
                            x0 = randomVector(size_t(B * D), 8, 1.0);
  for (jit::Precision p : {jit::Precision::Double, jit::Precision::Float}) {
    const double tol = p == jit::Precision::Double ? 1e-12 : 2e-5;
    jit::CompiledSolvers host =
        jit::compileSolvers(model, rk38, jit::defaultOptions(model, p, "host"));
    const std::vector<double> ref = simulate(*host.simulator, params, x0, B, N, h, D);
    std::vector<double> traj(ref.size()), gp(params.size()), gx(x0.size());
    const int64_t targetSteps[] = {N};
    const double weights[] = {1.0};
    std::vector<double> targets(size_t(B * D), 0.0);
    const double refLoss = host.lossGrad->function()(params.data(), x0.data(), B, N, h, 1,
                                                      targetSteps, weights, targets.data(),
                                                      traj.data(), gp.data(), gx.data(), nullptr);
    const std::vector<double> refGp = gp, refGx = gx;
    for (const std::string &level : jit::runnableLevels()) {
      SCOPED_TRACE(level + (p == jit::Precision::Float ? " float" : " double"));
      jit::CompiledSolvers code =
          jit::compileSolvers(model, rk38, jit::defaultOptions(model, p, level));
      const std::vector<double> got = simulate(*code.simulator, params, x0, B, N, h, D);
      for (size_t i = 0; i < ref.size(); ++i)
        ASSERT_NEAR(got[i], ref[i], tol * (1 + std::abs(ref[i]))) << "element " << i;
      const double loss = code.lossGrad->function()(params.data(), x0.data(), B, N, h, 1,
                                                     targetSteps, weights, targets.data(),
                                                     traj.data(), gp.data(), gx.data(), nullptr);
      EXPECT_NEAR(loss, refLoss, tol * refLoss);
      for (size_t i = 0; i < gp.size(); ++i)
        ASSERT_NEAR(gp[i], refGp[i], tol * (1 + std::abs(refGp[i]))) << "θ̄ " << i;
      for (size_t i = 0; i < gx.size(); ++i)
        ASSERT_NEAR(gx[i], refGx[i], tol * (1 + std::abs(refGx[i]))) << "x̄0 " << i;
    }
  }
}
