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

// A batch whose last chunk would be at most half full runs that chunk with narrower code
// (BatchVariants::forParts). Lanes are independent, so each trajectory and its x0 gradient are
// the same as in a batch of full chunks (the batch padded with more trajectories), to the bit;
// the parameter gradient and the loss, sums over the batch, to the order of the sums
// (1e-14 relative in double, 1e-6 in float). Batches
// 11 … 37 put 2 … 8 trajectories in the last chunk of 2, 4, 8 and 16 lanes (double and float
// code at each level this machine runs), the padded batch 48 none.
TEST(HostBatchWidth, ALastChunkAtMostHalfFullRunsNarrowerCodeAlike) {
  const odec::Model &m = spiral();
  const std::vector<double> params = m.sampleParams(6);
  const int64_t steps = 30, padded = 48, D = 2, P = m.paramCount();
  const double h = 0.05;
  const std::vector<double> x0 = initialStates(padded);
  std::vector<double> cot(size_t(padded * (steps + 1) * D));
  for (size_t i = 0; i < cot.size(); ++i)
    cot[i] = 0.5 - 0.013 * double(i % 83);
  const std::vector<int64_t> targetSteps = {10, 30};
  const std::vector<double> weights = {0.01, 0.02};
  for (const std::string &cpu : odec::runnableLevels())
    for (odec::Precision precision : {odec::Precision::Double, odec::Precision::Float}) {
      odec::CompileOptions options;
      options.cpu = cpu;
      options.precision = precision;
      const odec::Simulator sim = m.simulator("RK4", options);
      const odec::Vjp vjp = m.vjp("RK4", options);
      const odec::LossGradient lg = m.lossGradient("RK4", odec::Adjoint::Discrete, options);
      const std::vector<double> refTraj = sim.simulate(params, x0, padded, steps, h);
      for (int64_t batch : {11, 12, 18, 19, 20, 22, 34, 37}) {
        SCOPED_TRACE(cpu + (precision == odec::Precision::Float ? " float" : " double") +
                     ", batch " + std::to_string(batch));
        const size_t rows = size_t(batch * (steps + 1) * D);
        const double sums = precision == odec::Precision::Double ? 1e-14 : 1e-6;
        // Targets: the padded batch's own states, shifted for the first trajectories only, so
        // that the others add nothing to the loss and its gradient.
        std::vector<double> targets(size_t(padded * 2 * D));
        for (int64_t b = 0; b < padded; ++b)
          for (int64_t t = 0; t < 2; ++t)
            for (int64_t d = 0; d < D; ++d)
              targets[size_t((b * 2 + t) * D + d)] =
                  refTraj[size_t((b * (steps + 1) + targetSteps[size_t(t)]) * D + d)] +
                  (b < batch ? 0.1 * double(d + 1) : 0.0);
        const std::vector<double> x(x0.begin(), x0.begin() + batch * D);
        const std::vector<double> traj = sim.simulate(params, x, batch, steps, h);
        EXPECT_EQ(traj, std::vector<double>(refTraj.begin(), refTraj.begin() + ptrdiff_t(rows)));
        // The VJP: the padded batch's cotangent is zero past the batch.
        std::vector<double> padCot(cot.size(), 0.0);
        std::copy_n(cot.begin(), rows, padCot.begin());
        const odec::Vjp::Result ref = vjp(params, x0, padded, steps, h, padCot);
        const odec::Vjp::Result got =
            vjp(params, x, batch, steps, h,
                std::vector<double>(cot.begin(), cot.begin() + ptrdiff_t(rows)));
        EXPECT_EQ(got.trajectory, traj);
        EXPECT_EQ(got.gradX0,
                  std::vector<double>(ref.gradX0.begin(), ref.gradX0.begin() + batch * D));
        EXPECT_LE(odec::test::relativeError(got.gradParams, ref.gradParams), sums);
        std::vector<double> fromTraj(static_cast<size_t>(P)),
            fromTrajX0(static_cast<size_t>(batch * D));
        vjp.fromTrajectory(params.data(), x.data(), batch, steps, h, cot.data(), traj.data(),
                           fromTraj.data(), fromTrajX0.data());
        EXPECT_EQ(fromTrajX0, got.gradX0);
        EXPECT_LE(odec::test::relativeError(fromTraj, got.gradParams), sums);
        // The loss gradient: the padded rows' residuals are zero.
        std::vector<double> lt(static_cast<size_t>(padded * (steps + 1) * D)),
            gp(static_cast<size_t>(P)), gx(x0.size());
        const double refLoss = lg(params.data(), x0.data(), padded, steps, h, 2, targetSteps.data(),
                                  weights.data(), targets.data(), lt.data(), gp.data(), gx.data());
        std::vector<double> lt2(rows), gp2(static_cast<size_t>(P)),
            gx2(static_cast<size_t>(batch * D));
        const double loss = lg(params.data(), x.data(), batch, steps, h, 2, targetSteps.data(),
                               weights.data(), targets.data(), lt2.data(), gp2.data(), gx2.data());
        EXPECT_NEAR(loss, refLoss, sums * refLoss);
        EXPECT_LE(odec::test::relativeError(gp2, gp), sums);
        EXPECT_EQ(gx2, std::vector<double>(gx.begin(), gx.begin() + batch * D));
      }
    }
}
