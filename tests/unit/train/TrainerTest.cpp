// The trainer on a problem whose answer is known: recovering the matrix of ddt(x) = A x from
// Euler trajectories, with a hand-written discrete adjoint (LinearEuler.h). Also the
// determinism promises: the shuffle, and resuming (after an epoch or mid-epoch) bit-identically.
#include "LinearEuler.h"

#include "train/RunDirectory.h"
#include "train/Trainer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <unistd.h>

using namespace odec;
using odec::test::eulerTrajectories;
using odec::test::linearEulerLossGrad;

namespace {

const double kTeacher[4] = {-0.1, 1.0, -1.0, -0.1}; // a damped rotation
const double kStep = 0.1;

std::vector<double> initialStates(int n, uint64_t seed) {
  std::vector<double> x;
  uint64_t s = seed;
  for (int i = 0; i < 2 * n; ++i) { // a tiny LCG: independent of the code under test
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x.push_back(double(s >> 11) * 0x1.0p-53 * 2 - 1);
  }
  return x;
}

struct Problem {
  WindowSet train, val;
  LossGradCallback lossGrad = [](const LossGradArgs &a) {
    return call(linearEulerLossGrad<2>, a);
  };
  TrainConfig config;
  Problem() {
    train = makeWindows(eulerTrajectories(kTeacher, initialStates(6, 1), kStep, 1, 21), 4);
    val = makeWindows(eulerTrajectories(kTeacher, initialStates(2, 2), kStep, 1, 21), 4);
    config.step = kStep;
    config.batchSize = 16;
    config.adam.learningRate = 0.02;
    config.seed = 7;
  }
};

bool sameBits(const std::vector<double> &a, const std::vector<double> &b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void expectSameRun(const TrainState &a, const TrainState &b) {
  EXPECT_TRUE(sameBits(a.params, b.params));
  EXPECT_TRUE(sameBits(a.adam.m, b.adam.m));
  EXPECT_TRUE(sameBits(a.adam.v, b.adam.v));
  EXPECT_TRUE(sameBits(a.bestParams, b.bestParams));
  EXPECT_EQ(a.adam.step, b.adam.step);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].epoch, b.history[i].epoch);
    EXPECT_EQ(std::memcmp(&a.history[i].trainLoss, &b.history[i].trainLoss, 8), 0);
    EXPECT_EQ(std::memcmp(&a.history[i].valLoss, &b.history[i].valLoss, 8), 0);
  }
}

// A checkpoint written and read back, as a resumed process would see it: the checkpoint and
// the history.csv beside it.
TrainState throughCheckpoint(const TrainState &s) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("odec_trainer_" + std::to_string(::getpid()));
  RunInfo info;
  info.paramLayout = {{"p", 1, int(s.params.size()), 1, 0, {}}};
  info.settings = {{"seed", 7}};
  RunDirectory(dir.string(), info).saveCheckpoint(s);
  TrainState r = RunDirectory(dir.string(), info).resume({});
  std::filesystem::remove_all(dir);
  return r;
}

} // namespace

TEST(LinearEulerReference, GradientMatchesFiniteDifferences) {
  // The test's own reference must be right before it judges the trainer.
  Problem p;
  const double A[4] = {0.3, -0.2, 0.5, 0.1};
  const int64_t B = 3, K = p.train.horizon;
  std::vector<double> traj(size_t(B * (p.train.steps() + 1) * 2)), gA(4), gx(size_t(B * 2));
  std::vector<double> w = {0.1, 0.2, 0.3, 0.4};
  auto loss = [&](const double *a, const double *x0) {
    std::vector<double> g1(4), g2(size_t(B * 2));
    return linearEulerLossGrad<2>(a, x0, B, p.train.steps(), kStep, K, p.train.targetSteps.data(),
                                  w.data(), p.train.targets.data(), traj.data(), g1.data(),
                                  g2.data(), nullptr);
  };
  linearEulerLossGrad<2>(A, p.train.x0.data(), B, p.train.steps(), kStep, K,
                         p.train.targetSteps.data(), w.data(), p.train.targets.data(), traj.data(),
                         gA.data(), gx.data(), nullptr);
  const double eps = 1e-6;
  for (int i = 0; i < 4; ++i) {
    double ap[4], am[4];
    std::copy(A, A + 4, ap);
    std::copy(A, A + 4, am);
    ap[i] += eps;
    am[i] -= eps;
    double fd = (loss(ap, p.train.x0.data()) - loss(am, p.train.x0.data())) / (2 * eps);
    EXPECT_NEAR(gA[size_t(i)], fd, 1e-7 * std::max(1.0, std::abs(fd))) << "dA[" << i << "]";
  }
  for (int i = 0; i < B * 2; ++i) {
    std::vector<double> xp(p.train.x0.begin(), p.train.x0.begin() + B * 2), xm = xp;
    xp[size_t(i)] += eps;
    xm[size_t(i)] -= eps;
    double fd = (loss(A, xp.data()) - loss(A, xm.data())) / (2 * eps);
    EXPECT_NEAR(gx[size_t(i)], fd, 1e-7 * std::max(1.0, std::abs(fd))) << "dx0[" << i << "]";
  }
}

TEST(Trainer, EpochOrderIsASeededPermutation) {
  std::vector<int64_t> a = epochOrder(50, 7, 1), b = epochOrder(50, 7, 1), c = epochOrder(50, 7, 2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, epochOrder(50, 8, 1));
  std::sort(c.begin(), c.end());
  for (int64_t i = 0; i < 50; ++i)
    EXPECT_EQ(c[size_t(i)], i);
}

TEST(Trainer, RecoversTheTeachersMatrix) {
  Problem p;
  p.config.epochs = 300;
  TrainState s = initialTrainState({0, 0, 0, 0});
  const double before = meanSquaredError(p.lossGrad, s.params, p.train, kStep, 64);
  ASSERT_EQ(train(p.config, p.lossGrad, p.train, &p.val, s), TrainOutcome::Finished);
  ASSERT_EQ(s.history.size(), 300u);
  const double after = meanSquaredError(p.lossGrad, s.params, p.train, kStep, 64);
  EXPECT_GT(before, 0.01);
  EXPECT_LT(after, 1e-6 * before);
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(s.params[size_t(i)], kTeacher[i], 5e-3) << "A[" << i << "]";
  // The epoch losses fall by orders of magnitude; the best epoch is by validation loss.
  EXPECT_LT(s.history.back().trainLoss, 1e-4 * s.history.front().trainLoss);
  EXPECT_EQ(s.bestLoss, s.history[size_t(s.bestEpoch - 1)].valLoss);
  for (const EpochRecord &r : s.history)
    EXPECT_GE(r.valLoss, s.bestLoss);
}

TEST(Trainer, ResumingAfterAnEpochIsBitIdentical) {
  Problem p;
  p.config.epochs = 6;
  TrainState whole = initialTrainState({0, 0, 0, 0});
  train(p.config, p.lossGrad, p.train, &p.val, whole);

  p.config.epochs = 3;
  TrainState first = initialTrainState({0, 0, 0, 0});
  train(p.config, p.lossGrad, p.train, &p.val, first);
  TrainState resumed = throughCheckpoint(first);
  p.config.epochs = 6;
  train(p.config, p.lossGrad, p.train, &p.val, resumed);
  expectSameRun(whole, resumed);
}

TEST(Trainer, StoppingMidEpochAndResumingIsBitIdentical) {
  Problem p;
  p.config.epochs = 3;
  TrainState whole = initialTrainState({0, 0, 0, 0});
  train(p.config, p.lossGrad, p.train, &p.val, whole);

  // 6 trajectories x 17 windows = 102 windows = 7 mini-batches per epoch; stop after 9.
  int batches = 0;
  TrainHooks hooks;
  hooks.onBatch = [&](const TrainState &, int64_t, int64_t) { ++batches; };
  hooks.stopRequested = [&] { return batches == 9; };
  TrainState part = initialTrainState({0, 0, 0, 0});
  ASSERT_EQ(train(p.config, p.lossGrad, p.train, &p.val, part, hooks), TrainOutcome::Interrupted);
  EXPECT_EQ(part.epoch, 1);
  EXPECT_EQ(part.batch, 2);
  TrainState resumed = throughCheckpoint(part);
  EXPECT_EQ(train(p.config, p.lossGrad, p.train, &p.val, resumed), TrainOutcome::Finished);
  expectSameRun(whole, resumed);
}

TEST(Trainer, WithoutValidationTheBestIsByTrainingLoss) {
  Problem p;
  p.config.epochs = 5;
  TrainState s = initialTrainState({0, 0, 0, 0});
  train(p.config, p.lossGrad, p.train, nullptr, s);
  for (const EpochRecord &r : s.history)
    EXPECT_TRUE(std::isnan(r.valLoss));
  EXPECT_EQ(s.bestEpoch, 5); // the loss falls every epoch at this learning rate
  EXPECT_EQ(s.bestLoss, s.history.back().trainLoss);
}

TEST(Trainer, NonFiniteLossIsAnError) {
  Problem p;
  p.config.epochs = 1;
  TrainState s = initialTrainState({1e300, 0, 0, 0});
  try {
    train(p.config, p.lossGrad, p.train, nullptr, s);
    FAIL() << "expected an error";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "the training loss became non-finite in epoch 1, mini-batch 1; try a "
                           "smaller learning rate, gradient clipping or a smaller step");
  }
}

TEST(Trainer, ThreadCountDoesNotChangeABit) {
  // Pieces of 2 windows (lanes = 2) shared out to 1, 3 and 4 threads: the pieces' losses and
  // gradients are added in piece order, so every run is the same to the bit.
  Problem p;
  p.config.epochs = 4;
  p.config.lanes = 2;
  p.config.batchSize = 13; // an odd remainder: the last piece takes 3 windows
  TrainState one = initialTrainState({0, 0, 0, 0});
  ASSERT_EQ(train(p.config, p.lossGrad, p.train, &p.val, one), TrainOutcome::Finished);
  for (int64_t threads : {3, 4}) {
    p.config.threads = threads;
    TrainState many = initialTrainState({0, 0, 0, 0});
    ASSERT_EQ(train(p.config, p.lossGrad, p.train, &p.val, many), TrainOutcome::Finished);
    expectSameRun(one, many);
  }
}

TEST(Trainer, PiecesSumToTheWholeBatchsLossAndGradient) {
  // One mini-batch of all windows in pieces of 3, against one call of the reference on the
  // whole batch: equal up to the order of the sums.
  Problem p;
  p.config.epochs = 1;
  p.config.lanes = 3;
  p.config.batchSize = p.train.count();
  p.config.adam.learningRate = 1e-300; // leaves the parameters as they were
  const std::vector<double> theta = {0.3, -0.2, 0.5, 0.1};
  TrainState s = initialTrainState(theta);
  ASSERT_EQ(train(p.config, p.lossGrad, p.train, nullptr, s), TrainOutcome::Finished);
  const double pieced = s.history[0].trainLoss;
  const double whole = meanSquaredError(p.lossGrad, theta, p.train, kStep, p.train.count());
  EXPECT_NEAR(pieced, whole, 1e-15 * whole);
}

TEST(Trainer, DivergenceStopsWithTheBestKept) {
  Problem p;
  p.config.epochs = 200;
  p.config.adam.learningRate = 2; // far too large: the loss climbs after a few epochs
  TrainState s = initialTrainState({0, 0, 0, 0});
  Divergence d;
  ASSERT_EQ(train(p.config, p.lossGrad, p.train, &p.val, s, {}, &d), TrainOutcome::Diverged);
  EXPECT_GT(d.loss, 1e3 * d.best);
  EXPECT_GE(d.epoch, 2);
  EXPECT_LT(d.epoch, 200);
  EXPECT_GT(s.bestEpoch, 0);
  // The best parameters are those after the best epoch: a run stopped there has them.
  Problem q;
  q.config = p.config;
  q.config.epochs = s.bestEpoch;
  TrainState upToBest = initialTrainState({0, 0, 0, 0});
  ASSERT_EQ(train(q.config, q.lossGrad, q.train, &q.val, upToBest), TrainOutcome::Finished);
  EXPECT_TRUE(sameBits(s.bestParams, upToBest.params));

  // Factor 0 turns the test off: the same run goes on (to the end, or to a non-finite loss).
  p.config.divergeFactor = 0;
  TrainState off = initialTrainState({0, 0, 0, 0});
  try {
    EXPECT_EQ(train(p.config, p.lossGrad, p.train, &p.val, off), TrainOutcome::Finished);
  } catch (const std::runtime_error &) {
  }
  EXPECT_GT(off.epoch, d.epoch);
  EXPECT_GT(off.history.back().valLoss, 1e3 * d.best); // it did diverge
}
