// Multiple-shooting windows (counts, contents, strides) and Adam against steps computed by
// hand.
#include "train/Adam.h"
#include "train/Windows.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace odec;

namespace {

TrajectoryData twoTrajectories(int64_t stride) {
  TrajectoryData d;
  d.stateColumns = {"a", "b"};
  d.stride = stride;
  // Trajectory 1: 5 samples, state (10k, 10k+1); trajectory 2: 3 samples, (100+k, -k).
  Trajectory t1{1, {}, {}}, t2{2, {}, {}};
  for (int k = 0; k < 5; ++k) {
    t1.times.push_back(k);
    t1.states.insert(t1.states.end(), {10.0 * k, 10.0 * k + 1});
  }
  for (int k = 0; k < 3; ++k) {
    t2.times.push_back(k);
    t2.states.insert(t2.states.end(), {100.0 + k, -double(k)});
  }
  d.trajectories = {t1, t2};
  return d;
}

} // namespace

TEST(Windows, EveryRunOfHorizonPlusOneSamples) {
  WindowSet w = makeWindows(twoTrajectories(1), 2);
  // 5 − 2 = 3 windows from the first trajectory, 3 − 2 = 1 from the second.
  ASSERT_EQ(w.count(), 4);
  EXPECT_EQ(w.targetSteps, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(w.steps(), 2);
  EXPECT_EQ(w.x0, (std::vector<double>{0, 1, 10, 11, 20, 21, 100, 0}));
  EXPECT_EQ(w.targets, (std::vector<double>{10, 11, 20, 21, /**/ 20, 21, 30, 31, /**/ 30, 31, 40,
                                            41, /**/ 101, -1, 102, -2}));
}

TEST(Windows, StrideSpacesTheTargetSteps) {
  WindowSet w = makeWindows(twoTrajectories(3), 2);
  ASSERT_EQ(w.count(), 4);
  EXPECT_EQ(w.targetSteps, (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(w.steps(), 6);
  EXPECT_EQ(w.x0, (std::vector<double>{0, 1, 10, 11, 20, 21, 100, 0}));
  EXPECT_EQ(w.targets[8], 30); // the third window's first target: sample 3 of trajectory 1
}

TEST(Windows, RejectsHorizonsTheDataCannotServe) {
  EXPECT_THROW(makeWindows(twoTrajectories(1), 0), std::invalid_argument);
  EXPECT_THROW(makeWindows(twoTrajectories(1), 3),
               std::invalid_argument); // trajectory 2: 3 samples
}

TEST(Adam, FirstStepsOfAQuadraticByHand) {
  // f(θ) = (θ − 3)², f'(θ) = 2(θ − 3), from θ = 0 with η = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8.
  AdamConfig c;
  c.learningRate = 0.1;
  AdamState s;
  std::vector<double> theta = {0};
  adamStep(c, s, theta, {2 * (theta[0] - 3)});
  // t = 1: m = 0.1·(−6) = −0.6, v = 0.001·36 = 0.036, m̂ = −6, v̂ = 36.
  const double theta1 = 0 - 0.1 * (-6.0) / (std::sqrt(36.0) + 1e-8);
  EXPECT_DOUBLE_EQ(s.m[0], -0.6);
  EXPECT_NEAR(s.v[0], 0.036, 1e-15); // 1 − β2 is 0.001 only to rounding
  EXPECT_DOUBLE_EQ(theta[0], theta1);
  EXPECT_NEAR(theta[0], 0.1, 1e-9);

  adamStep(c, s, theta, {2 * (theta[0] - 3)});
  // t = 2: g = 2(θ1 − 3); m = 0.9·(−0.6) + 0.1 g; v = 0.999·0.036 + 0.001 g²;
  // θ2 = θ1 − 0.1 · (m / 0.19) / (sqrt(v / 0.001999) + 1e-8).
  const double g2 = 2 * (theta1 - 3);
  const double m2 = 0.9 * -0.6 + 0.1 * g2, v2 = 0.999 * 0.036 + 0.001 * g2 * g2;
  const double theta2 = theta1 - 0.1 * (m2 / 0.19) / (std::sqrt(v2 / 0.001999) + 1e-8);
  EXPECT_EQ(s.step, 2);
  EXPECT_DOUBLE_EQ(s.m[0], m2);
  EXPECT_NEAR(s.v[0], v2, 1e-15);
  EXPECT_NEAR(theta[0], theta2, 1e-14);

  for (int i = 0; i < 500; ++i)
    adamStep(c, s, theta, {2 * (theta[0] - 3)});
  EXPECT_NEAR(theta[0], 3, 1e-2);
}

// NAdam by hand (Dozat 2016; PyTorch 2's torch.optim.NAdam): on f(θ) = (θ − 1)² from θ = 0.5
// with η = 0.1, g1 = −1, m1 = −0.1, v̂1 = 1, μ_k = 0.9·(1 − ½·0.96^(0.004 k)):
//   θ1 = θ0 − η(1 − μ1)/(1 − μ1)·g1/(1 + ε) − η·μ2/(1 − μ1μ2)·m1/(1 + ε).
// (Debian's PyTorch 1.13 multiplies one μ_t too many into the second denominator.) A state
// restored without its μ product (as from a checkpoint) continues to the same bits.
TEST(NAdam, FirstStepByHandAndRestoredStatesContinueExactly) {
  AdamConfig config;
  config.optimizer = Optimizer::NAdam;
  config.learningRate = 0.1;
  auto mu = [](double k) { return 0.9 * (1 - 0.5 * std::pow(0.96, 0.004 * k)); };
  std::vector<double> theta = {0.5};
  AdamState s;
  adamStep(config, s, theta, {2 * (theta[0] - 1)});
  const double denom = std::sqrt(1.0) + 1e-8;
  const double byHand = 0.5 - 0.1 * (-1.0) / denom -
                        0.1 * mu(2) / (1 - mu(1) * mu(2)) * (0.1 * -1.0) / denom;
  EXPECT_NEAR(theta[0], byHand, 1e-15);
  EXPECT_NEAR(theta[0], 0.6056452, 1e-6);

  std::vector<double> whole = {0.5, -2.0}, split = whole;
  auto grad = [](const std::vector<double> &x) {
    return std::vector<double>{2 * (x[0] - 1), 6 * (x[1] + 0.3)};
  };
  AdamState a, b;
  for (int t = 0; t < 40; ++t)
    adamStep(config, a, whole, grad(whole));
  for (int t = 0; t < 40; ++t) {
    if (t == 17) { // what a checkpoint keeps: moments and t
      AdamState restored;
      restored.m = b.m;
      restored.v = b.v;
      restored.step = b.step;
      b = restored;
    }
    adamStep(config, b, split, grad(split));
  }
  EXPECT_EQ(whole, split);
  for (int t = 0; t < 400; ++t)
    adamStep(config, a, whole, grad(whole));
  EXPECT_NEAR(whole[0], 1, 1e-2);
  EXPECT_NEAR(whole[1], -0.3, 1e-2);
}

TEST(Adam, ClipsTheGlobalNorm) {
  AdamConfig c;
  c.clipNorm = 1;
  AdamState s;
  std::vector<double> theta = {0, 0};
  double norm = adamStep(c, s, theta, {3, 4}); // ‖g‖ = 5 → g = (0.6, 0.8)
  EXPECT_DOUBLE_EQ(norm, 5);
  EXPECT_DOUBLE_EQ(s.m[0], 0.1 * 0.6);
  EXPECT_DOUBLE_EQ(s.m[1], 0.1 * 0.8);
  EXPECT_NEAR(s.v[0], 0.001 * 0.36, 1e-17);
  EXPECT_NEAR(s.v[1], 0.001 * 0.64, 1e-17);
  // Below the threshold the gradient is untouched.
  AdamState s2;
  adamStep(c, s2, theta, {0.3, 0.4});
  EXPECT_DOUBLE_EQ(s2.m[0], 0.1 * 0.3);
}

TEST(Adam, RejectsMismatchedSizes) {
  AdamState s;
  std::vector<double> theta = {0, 0};
  EXPECT_THROW(adamStep({}, s, theta, {1}), std::invalid_argument);
}
