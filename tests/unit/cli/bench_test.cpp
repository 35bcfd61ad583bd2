// `odec bench` end to end: the JSON contract of the performance issue, the stated FLOP count
// behind gflops (2 per weight-matrix element per trajectory per field evaluation, ×4 with the
// adjoint), threads, and the errors for what it does not do.
#include "RunOdec.h"

#include "jit/Target.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

// spiral.node: W1 is 16x2, W2 is 2x16, so 64 weights; RK4 has 4 stages.
constexpr double kSpiralRk4FlopsPerStepAndTrajectory = 2.0 * 64 * 4;

void expectContract(const OdecResult &r, double flops) {
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char *key : {"median_seconds", "min_seconds", "max_seconds", "jit_seconds", "gflops",
                          "peak_rss_bytes"})
    ASSERT_TRUE(j.contains(key)) << key;
  const double median = j["median_seconds"], lo = j["min_seconds"], hi = j["max_seconds"];
  EXPECT_GT(lo, 0);
  EXPECT_LE(lo, median);
  EXPECT_LE(median, hi);
  EXPECT_GT(double(j["jit_seconds"]), 0);
  EXPECT_GT(int64_t(j["peak_rss_bytes"]), 1 << 20);
  EXPECT_NEAR(double(j["gflops"]) * median * 1e9, flops, 1e-9 * flops);
}

} // namespace

TEST(Bench, ForwardJsonAndFlopCount) {
  expectContract(runOdec("bench " + example("spiral.node") +
                         " --tableau RK4 --step 0.1 --steps 20 --batch 8 --repeats 3 --seed 1 "
                         "--json"),
                 kSpiralRk4FlopsPerStepAndTrajectory * 20 * 8);
}

TEST(Bench, AdjointOnTwoThreads) {
  expectContract(runOdec("bench " + example("spiral.node") +
                         " --tableau RK4 --step 0.1 --steps 20 --batch 10 --mode adjoint "
                         "--threads 2 --repeats 3 --seed 1 --json"),
                 4 * kSpiralRk4FlopsPerStepAndTrajectory * 20 * 10);
}

TEST(Bench, FloatForwardAndAdjoint) {
  const std::string base = "bench " + example("spiral.node") +
                           " --tableau RK4 --step 0.1 --steps 20 --batch 40 --float float "
                           "--repeats 3 --seed 1 --json";
  expectContract(runOdec(base), kSpiralRk4FlopsPerStepAndTrajectory * 20 * 40);
  expectContract(runOdec(base + " --mode adjoint --threads 2"),
                 4 * kSpiralRk4FlopsPerStepAndTrajectory * 20 * 40);
}

TEST(Bench, RejectsFloatImplicitAndMoreThreadsThanTrajectories) {
  const std::string base =
      "bench " + example("spiral.node") + " --step 0.1 --steps 5 --batch 2";
  OdecResult f = runOdec(base + " --tableau GaussLegendre2 --float float");
  EXPECT_EQ(f.status, 1);
  EXPECT_NE(f.err.find("float precision needs an explicit tableau"), std::string::npos) << f.err;
  OdecResult t = runOdec(base + " --tableau RK4 --threads 3");
  EXPECT_EQ(t.status, 1);
  EXPECT_NE(t.err.find("--threads must not exceed --batch"), std::string::npos) << t.err;
}

TEST(Bench, LanesFollowTheBatch) {
  // The smallest power of two ≥ min(B, R) doubles per chunk (float: ≥ min(B, 2R) from 2), R the
  // doubles of one vector register of the target (8 on AVX-512, 4 on AVX2, 2 on SSE).
  const int R = odec::jit::resolveTarget("").machine.doublesPerRegister();
  auto lanes = [](const std::string &args) {
    OdecResult r = runOdec("bench " + example("spiral.node") +
                           " --tableau RK4 --step 0.1 --steps 2 --repeats 1 --seed 1 --json " +
                           args);
    EXPECT_EQ(r.status, 0) << r.err;
    return r.status == 0 ? int(nlohmann::json::parse(r.out)["lanes"]) : -1;
  };
  EXPECT_EQ(lanes("--batch 1"), 1);
  EXPECT_EQ(lanes("--batch 3"), std::min(4, R));
  EXPECT_EQ(lanes("--batch 256"), R);
  EXPECT_EQ(lanes("--batch 1 --float float"), 2);
  EXPECT_EQ(lanes("--batch 9 --float float"), std::min(16, 2 * R));
}
