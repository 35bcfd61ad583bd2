// The host API compiles before it knows the batch; a call with fewer trajectories than one
// SIMD chunk runs code compiled for its width (jit/BatchVariants.h). Every width must give the
// same trajectories and gradients as the full-width code up to the order of a few sums.
#include "../RelativeError.h"

#include "odec/odec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

const odec::Model &spiral() {
  static const odec::Program prog =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node");
  static const odec::Model m = prog.model("Spiral");
  return m;
}

std::vector<double> initialStates(int64_t batch) {
  std::vector<double> x0;
  for (int64_t i = 0; i < 2 * batch; ++i)
    x0.push_back(0.1 + 0.37 * double(i % 7) - 0.05 * double(i));
  return x0;
}

} // namespace

TEST(HostBatchWidth, EveryBatchSizeMatchesTheFullWidthCode) {
  const odec::Model &m = spiral();
  const std::vector<double> params = m.sampleParams(3);
  for (odec::Precision precision : {odec::Precision::Double, odec::Precision::Float}) {
    const odec::Simulator sim = m.simulator("RK4", precision);
    const int64_t steps = 50, full = 16;
    const std::vector<double> x0 = initialStates(full);
    const std::vector<double> ref = sim.simulate(params, x0, full, steps, 0.05);
    const size_t rows = size_t((steps + 1) * 2);
    for (int64_t batch : {1, 2, 3, 5}) {
      SCOPED_TRACE("batch " + std::to_string(batch));
      const std::vector<double> got = sim.simulate(
          params, std::vector<double>(x0.begin(), x0.begin() + 2 * batch), batch, steps, 0.05);
      const std::vector<double> want(ref.begin(), ref.begin() + ptrdiff_t(rows * size_t(batch)));
      EXPECT_LE(odec::test::relativeError(got, want),
                precision == odec::Precision::Double ? 1e-14 : 1e-6);
    }
  }
}

TEST(HostBatchWidth, LossGradientOfOneTrajectoryMatchesItsRowInABatch) {
  const odec::Model &m = spiral();
  const std::vector<double> params = m.sampleParams(4);
  const odec::LossGradient lg = m.lossGradient("RK4");
  const int64_t steps = 40;
  const std::vector<int64_t> targetSteps = {20, 40};
  const std::vector<double> x0 = initialStates(1), targets = {0.3, -0.2, 0.1, 0.4};
  // Batch 9 (a full chunk and one more) repeating the trajectory: the mean squared error's
  // weight is 1/9 of batch 1's, and the gradient the sum of nine equal rows.
  std::vector<double> x0s, targetss;
  for (int i = 0; i < 9; ++i) {
    x0s.insert(x0s.end(), x0.begin(), x0.end());
    targetss.insert(targetss.end(), targets.begin(), targets.end());
  }
  const auto one = lg.meanSquaredError(params, x0, 1, steps, 0.05, targetSteps, targets);
  const auto nine = lg.meanSquaredError(params, x0s, 9, steps, 0.05, targetSteps, targetss);
  EXPECT_NEAR(one.loss, nine.loss, 1e-14 * one.loss);
  EXPECT_LE(odec::test::relativeError(one.gradParams, nine.gradParams), 1e-13);
  // Row 0 of batch 9 carries a ninth of the weight.
  EXPECT_LE(odec::test::relativeError(one.gradX0, {9 * nine.gradX0[0], 9 * nine.gradX0[1]}),
            1e-13);
}

// chunkLanes is the chunk of the code a batch runs: for AVX2 (x86-64-v3) a small field's chunk
// is one 256-bit register, 4 doubles or 8 floats, narrowed to the power of two that holds a
// smaller batch; code that is not chunked (Newton, the C++ path) reports 1.
TEST(HostBatchWidth, ChunkLanesAreTheWidthOfTheCodeThatRuns) {
  if (!odec::describeTarget("x86-64-v3").missingHere.empty())
    GTEST_SKIP() << "this machine cannot run AVX2 code";
  odec::CompileOptions avx2;
  avx2.cpu = "x86-64-v3";
  const odec::Simulator sim = spiral().simulator("RK4", avx2);
  EXPECT_EQ(sim.chunkLanes(1), 1);
  EXPECT_EQ(sim.chunkLanes(3), 4);
  EXPECT_EQ(sim.chunkLanes(1000), 4);
  odec::CompileOptions single = avx2;
  single.precision = odec::Precision::Float;
  EXPECT_EQ(spiral().lossGradient("RK4", odec::Adjoint::Discrete, single).chunkLanes(1000), 8);
  EXPECT_EQ(spiral().vjp("RK4", avx2).chunkLanes(5), 4);
  EXPECT_EQ(spiral().simulator("GaussLegendre2", avx2).chunkLanes(1000), 1);
  EXPECT_THROW(sim.chunkLanes(0), std::invalid_argument);
}
