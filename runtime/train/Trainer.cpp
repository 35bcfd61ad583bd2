#include "train/Trainer.h"

#include "init/Random.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace odec {

namespace {

// Gathers windows into contiguous batches and evaluates the loss and gradient on them,
// reusing its buffers from batch to batch.
class BatchEvaluator {
public:
  BatchEvaluator(const LossGradCallback &lossGrad, const WindowSet &w, double h, int64_t paramCount)
      : grad(size_t(paramCount)), lossGrad_(lossGrad), w_(w), h_(h) {}

  std::vector<double> grad; // ∂L/∂θ of the last batch

  /// The mean squared error of the n windows order[0 .. n); fills `grad`.
  double operator()(const std::vector<double> &params, const int64_t *order, int64_t n) {
    const size_t D = size_t(w_.stateDim), K = size_t(w_.horizon), B = size_t(n);
    x0_.resize(B * D);
    targets_.resize(B * K * D);
    for (size_t b = 0; b < B; ++b) {
      const size_t i = size_t(order[b]);
      std::copy_n(w_.x0.begin() + long(i * D), D, x0_.begin() + long(b * D));
      std::copy_n(w_.targets.begin() + long(i * K * D), K * D, targets_.begin() + long(b * K * D));
    }
    weights_.assign(K, 1.0 / double(K * B * D));
    traj_.resize(B * size_t(w_.steps() + 1) * D);
    gradX0_.resize(B * D);
    return lossGrad_(params.data(), x0_.data(), n, w_.steps(), h_, int64_t(K),
                     w_.targetSteps.data(), weights_.data(), targets_.data(), traj_.data(),
                     grad.data(), gradX0_.data());
  }

private:
  const LossGradCallback &lossGrad_;
  const WindowSet &w_;
  double h_;
  std::vector<double> x0_, targets_, weights_, traj_, gradX0_;
};

void checkWindows(const WindowSet &w, const char *what) {
  if (w.count() == 0)
    throw std::invalid_argument(std::string("there are no ") + what + " windows");
}

} // namespace

TrainState initialTrainState(std::vector<double> params) {
  TrainState s;
  s.bestParams = params;
  s.params = std::move(params);
  return s;
}

std::vector<int64_t> epochOrder(int64_t count, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), int64_t(0));
  Random rng(seed + 0x9E3779B97F4A7C15ull * uint64_t(epoch));
  // Fisher–Yates; the modulo's bias is below count / 2^64, far below anything observable.
  for (int64_t i = count - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[rng.next() % uint64_t(i + 1)]);
  return order;
}

double meanSquaredError(const LossGradCallback &lossGrad, const std::vector<double> &params,
                        const WindowSet &windows, double h, int64_t chunk) {
  checkWindows(windows, "validation");
  BatchEvaluator eval(lossGrad, windows, h, int64_t(params.size()));
  std::vector<int64_t> order(static_cast<size_t>(windows.count()));
  std::iota(order.begin(), order.end(), int64_t(0));
  double sum = 0;
  for (int64_t first = 0; first < windows.count(); first += chunk) {
    int64_t n = std::min(chunk, windows.count() - first);
    sum += eval(params, order.data() + first, n) * double(n);
  }
  return sum / double(windows.count());
}

TrainOutcome train(const TrainConfig &config, const LossGradCallback &lossGrad,
                   const WindowSet &trainWindows, const WindowSet *validationWindows,
                   TrainState &state, const TrainHooks &hooks) {
  checkWindows(trainWindows, "training");
  if (!(config.step > 0) || config.batchSize < 1 || config.epochs < 0)
    throw std::invalid_argument("training needs a positive step, batch size >= 1, epochs >= 0");
  if (validationWindows && (validationWindows->stateDim != trainWindows.stateDim ||
                            validationWindows->targetSteps != trainWindows.targetSteps))
    throw std::invalid_argument("the validation windows must have the training windows' shape");
  using Clock = std::chrono::steady_clock;
  const int64_t count = trainWindows.count();
  const int64_t batches = (count + config.batchSize - 1) / config.batchSize;
  BatchEvaluator eval(lossGrad, trainWindows, config.step, int64_t(state.params.size()));
  auto last = Clock::now();
  auto tick = [&] { // adds the wall time since the last tick to state.seconds
    auto now = Clock::now();
    state.seconds += std::chrono::duration<double>(now - last).count();
    last = now;
  };

  while (state.epoch < config.epochs) {
    const int64_t epoch = state.epoch + 1;
    const std::vector<int64_t> order = epochOrder(count, config.seed, epoch);
    for (; state.batch < batches;) {
      const int64_t first = state.batch * config.batchSize;
      const int64_t n = std::min(config.batchSize, count - first);
      double loss = eval(state.params, order.data() + first, n);
      if (!std::isfinite(loss))
        throw std::runtime_error("the training loss became non-finite in epoch " +
                                 std::to_string(epoch) + ", mini-batch " +
                                 std::to_string(state.batch + 1) +
                                 "; try a smaller learning rate, gradient clipping or a smaller "
                                 "step");
      adamStep(config.adam, state.adam, state.params, eval.grad);
      state.epochLossSum += loss * double(n);
      ++state.batch;
      tick();
      if (hooks.onBatch)
        hooks.onBatch(state, state.batch, batches);
      if (state.batch < batches && hooks.stopRequested && hooks.stopRequested())
        return TrainOutcome::Interrupted;
    }
    EpochRecord r;
    r.epoch = epoch;
    r.trainLoss = state.epochLossSum / double(count);
    if (validationWindows)
      r.valLoss = meanSquaredError(lossGrad, state.params, *validationWindows, config.step,
                                   config.batchSize);
    tick();
    r.seconds = state.seconds;
    state.history.push_back(r);
    state.epoch = epoch;
    state.batch = 0;
    state.epochLossSum = 0;
    double score = validationWindows ? r.valLoss : r.trainLoss;
    if (score < state.bestLoss) {
      state.bestLoss = score;
      state.bestEpoch = epoch;
      state.bestParams = state.params;
    }
    if (hooks.onEpoch)
      hooks.onEpoch(state);
    if (state.epoch < config.epochs && hooks.stopRequested && hooks.stopRequested())
      return TrainOutcome::Interrupted;
  }
  return TrainOutcome::Finished;
}

} // namespace odec
