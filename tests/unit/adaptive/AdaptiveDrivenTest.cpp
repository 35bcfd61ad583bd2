// Adaptive steps of driven models (AdaptiveSolver with a Drive): the stages read t and the
// inputs at their own times, against analytic solutions and matrix exponentials; each
// trajectory its own inputs; the gradient through the accepted steps against central
// differences; drives that do not fit refused by name.
#include "../driven/Driven.h"
#include "../driven/Forced.h"
#include "../ErrorOf.h"
#include "odec/odec.h"

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace {

using odec::test::forced;
using odec::test::kDriven;
using odec::test::kForced;
using odec::test::kHeldLinear;
using odec::test::signal;
using odec::test::errorOf;

// ẋ = −x + sin t from t0 = 0.3: every pair, with its own dense output or Hermite's, reaches the
// analytic solution; the FSAL pairs evaluate f(x_{n+1}) anew (a driven model's last stage reads
// a held input from the left), one more field evaluation per accepted step.
TEST(AdaptiveDriven, TimeDependentFieldFollowsTheAnalyticSolution) {
  const odec::Model m = odec::Program::fromString(kForced, "forced.node").model("Forced");
  const std::vector<double> times = {0.3, 1.0, 1.7, 2.5, 4.3};
  for (const char *pair : {"DormandPrince5", "Tsit5", "BogackiShampine3", "CashKarp45"}) {
    odec::AdaptiveSettings s;
    s.rtol = s.atol = 1e-10;
    const auto r = m.adaptiveSolver(pair).solve({1.0}, {0.7, -0.4}, times, s);
    for (size_t b = 0; b < 2; ++b)
      for (size_t k = 0; k < times.size(); ++k)
        EXPECT_NEAR(r.states[b * times.size() + k], forced(b == 0 ? 0.7 : -0.4, 0.3, times[k]),
                    2e-8)
            << pair << ", trajectory " << b << ", t = " << times[k];
    const int64_t stages = std::string(pair) == "BogackiShampine3" ? 4
                           : std::string(pair) == "CashKarp45"     ? 6
                                                                   : 7;
    int64_t nfe = 0;
    for (size_t b = 0; b < 2; ++b)
      nfe += 1 + 1 + (stages - 1) * (r.accepted[b] + r.rejected[b]) + r.accepted[b];
    EXPECT_EQ(r.nfe, nfe) << pair;
  }
}

// A zero-order-hold input with jumps at its sample times: x(kH) from the matrix exponential.
TEST(AdaptiveDriven, HeldInputMatchesTheMatrixExponentialSolution) {
  const odec::Model m = odec::Program::fromString(kHeldLinear, "linear.node").model("Linear");
  Eigen::Matrix2d A;
  A << -0.5, 2.0, -2.0, -0.8;
  const Eigen::Vector2d B(1.0, -0.5);
  const std::vector<double> params = {A(0, 0), A(0, 1), A(1, 0), A(1, 1), B(0), B(1)};
  const double H = 0.25;
  const std::vector<double> u = {1.0, -1.0, 0.5, 2.0, 0.0, -0.7, 1.2, 0.3};
  odec::Drive drive;
  drive.inputs.emplace_back();
  std::vector<double> times = {0.0};
  for (size_t k = 0; k < u.size(); ++k) {
    drive.inputs[0].times.push_back(double(k) * H);
    drive.inputs[0].values.push_back(u[k]);
    times.push_back(double(k + 1) * H);
  }
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-10;
  const auto r = m.adaptiveSolver("DormandPrince5").solve(params, {0.4, -0.2}, times, s, drive);
  const Eigen::Matrix2d E = (A * H).exp();
  const Eigen::Vector2d G = A.inverse() * (E - Eigen::Matrix2d::Identity()) * B;
  Eigen::Vector2d x(0.4, -0.2);
  for (size_t k = 0; k < u.size(); ++k) {
    x = E * x + G * u[k];
    EXPECT_NEAR(r.states[2 * (k + 1)], x(0), 1e-8) << "hold " << k;
    EXPECT_NEAR(r.states[2 * (k + 1) + 1], x(1), 1e-8) << "hold " << k;
  }
}

// Eleven trajectories (a partial last chunk), each with its own inputs: the batch equals the
// trajectories solved one by one.
TEST(AdaptiveDriven, EveryTrajectoryReadsItsOwnInputs) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const std::vector<double> params = m.sampleParams(4);
  const odec::AdaptiveSolver solver = m.adaptiveSolver("Tsit5");
  const std::vector<double> times = {0.1, 0.35, 0.8, 1.2};
  odec::Drive all;
  std::vector<double> x0;
  for (int b = 0; b < 11; ++b) {
    all.inputs.push_back(signal(b));
    x0.insert(x0.end(), {0.1 * b - 0.5, 0.3 - 0.05 * b});
  }
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-9;
  const auto batch = solver.solve(params, x0, times, s, all);
  for (size_t b = 0; b < 11; ++b) {
    const auto one = solver.solve(params, {x0[2 * b], x0[2 * b + 1]}, times, s,
                                  odec::Drive{{}, {all.inputs[b]}});
    EXPECT_EQ(batch.accepted[b], one.accepted[0]) << b;
    for (size_t i = 0; i < times.size() * 2; ++i)
      EXPECT_NEAR(batch.states[b * times.size() * 2 + i], one.states[i], 1e-12) << b;
  }
}

// The gradient holds the accepted steps fixed; at a tight tolerance it is the gradient of the
// loss of re-solving, to the solve's accuracy: central differences of the solve's dense output
// (DormandPrince5's FSAL stage read through the next step's first, the inputs at its time).
TEST(AdaptiveDriven, GradientMatchesFiniteDifferences) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const std::vector<double> params = m.sampleParams(7);
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  const std::vector<double> times = {0.05, 0.4, 0.9, 1.15};
  const std::vector<double> x0 = {0.3, -0.6, -0.2, 0.5};
  const odec::Drive drive{{}, {signal(1), signal(2)}};
  const double nan = std::nan("");
  const std::vector<double> values = {0.1, 0.2, nan, -0.3, 0.0, 0.4, -0.5, 0.6, 0.2, nan, 0.1, 0.1};
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-12;
  const odec::AdaptiveSolver::Loss g = solver.loss(params, x0, times, values, s, drive);
  EXPECT_EQ(g.count, 10);
  auto loss = [&](const std::vector<double> &p, const std::vector<double> &x) {
    const auto r = solver.solve(p, x, times, s, drive);
    double sum = 0;
    for (size_t b = 0; b < 2; ++b)
      for (size_t k = 1; k < times.size(); ++k)
        for (size_t d = 0; d < 2; ++d) {
          const double v = values[(b * 3 + k - 1) * 2 + d];
          const double y = r.states[(b * times.size() + k) * 2 + d];
          if (!std::isnan(v))
            sum += (y - v) * (y - v);
        }
    return sum / 10;
  };
  EXPECT_NEAR(g.loss, loss(params, x0), 1e-15);
  const double eps = 1e-5;
  for (size_t i = 0; i < params.size(); i += 5) {
    std::vector<double> up = params, down = params;
    up[i] += eps;
    down[i] -= eps;
    const double fd = (loss(up, x0) - loss(down, x0)) / (2 * eps);
    EXPECT_NEAR(g.gradParams[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "param " << i;
  }
  for (size_t i = 0; i < x0.size(); ++i) {
    std::vector<double> up = x0, down = x0;
    up[i] += eps;
    down[i] -= eps;
    const double fd = (loss(params, up) - loss(params, down)) / (2 * eps);
    EXPECT_NEAR(g.gradX0[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "x0[" << i << "]";
  }
}

// A held input may jump at a step's end, where DormandPrince5's dense output reads f(x_{n+1})
// from the left and the next step's first stage from the right: the loss then compares the
// ends of steps shortened to the times, as stepToTimes asks, whatever the settings say.
TEST(AdaptiveDriven, HeldInputsLossStepsToTheTimes) {
  const odec::Model m = odec::Program::fromString(kHeldLinear, "held.node").model("Linear");
  const std::vector<double> params = {-0.5, 1.0, -1.0, -0.3, 1.0, 0.5};
  odec::InputSamples u;
  for (int k = 0; k <= 10; ++k) {
    u.times.push_back(0.1 * k);
    u.values.push_back(k % 2 ? 1.0 : -1.0);
  }
  const odec::Drive drive{{}, {u}};
  const std::vector<double> times = {0.0, 0.33, 0.71, 1.0}, x0 = {0.2, -0.1};
  const std::vector<double> values = {0.1, 0.2, 0.0, -0.3, 0.2, 0.1};
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  odec::AdaptiveSettings s;
  s.rtol = s.atol = 1e-6;
  const auto dense = solver.loss(params, x0, times, values, s, drive);
  s.stepToTimes = true;
  const auto ends = solver.loss(params, x0, times, values, s, drive);
  EXPECT_EQ(dense.loss, ends.loss);
  EXPECT_EQ(dense.gradParams, ends.gradParams);
  EXPECT_EQ(dense.accepted, ends.accepted);
}

TEST(AdaptiveDriven, DrivesThatDoNotFitAreRefusedByName) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const std::vector<double> params = m.sampleParams(1);
  const odec::AdaptiveSolver solver = m.adaptiveSolver("DormandPrince5");
  EXPECT_EQ(errorOf([&] { solver.solve(params, {0, 0}, {0, 1}); }),
            "model 'Driven' has inputs; the drive must give their samples");
  EXPECT_EQ(errorOf([&] { solver.solve(params, {0, 0}, {0, 2}, {}, {{}, {signal(0)}}); }),
            "input 'u' (CubicSpline) is sampled on [0, 1.2], but trajectory 0 is solved on "
            "[0, 2] (no extrapolation)");
  EXPECT_EQ(errorOf([&] { solver.solve(params, {0, 0}, {0, 1}, {}, {{0.0}, {signal(0)}}); }),
            "an adaptive solve starts at its first time; its drive gives inputs only, no start "
            "times");
  EXPECT_EQ(errorOf([&] {
              solver.solve(params, {0, 0, 1, 1, 2, 2}, {0, 1}, {}, {{}, {signal(0), signal(1)}});
            }),
            "the drive has 2 input signals; expected 1 or the batch's 3");
  const odec::Model decay =
      odec::Program::fromString("model D\n state x::Real\n ddt(x) = -x\nend\n", "d.node")
          .model("D");
  EXPECT_EQ(errorOf([&] {
              decay.adaptiveSolver("Tsit5").solve({}, {1}, {0, 1}, {}, {{}, {signal(0)}});
            }),
            "model 'D' reads neither the time nor inputs; its solves take no drive");
}

} // namespace
