#include "train/Trainer.h"

#include "init/Random.h"
#include "parallel/ThreadTeam.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

namespace odec {

namespace {

// Gathers windows into contiguous batches and evaluates the loss and gradient on them in
// pieces (batchPieces) shared out to a thread team, reusing its buffers from batch to batch.
class BatchEvaluator {
public:
  BatchEvaluator(const LossGradCallback &lossGrad, const WindowSet &w, double h, int64_t paramCount,
                 ThreadTeam &team, int64_t lanes, const WindowLossCallback *windowLoss = nullptr)
      : lossGrad_(lossGrad), windowLoss_(windowLoss && *windowLoss ? windowLoss : nullptr), w_(w),
        h_(h), paramCount_(size_t(paramCount)), team_(team), lanes_(lanes) {}

  /// ∂L/∂θ of the last batch.
  const std::vector<double> &grad() const { return grads_[0]; }

  /// The mean squared error of the n windows order[0 .. n); fills grad().
  double operator()(const std::vector<double> &params, const int64_t *order, int64_t n) {
    const size_t D = size_t(w_.stateDim), K = size_t(w_.horizon), B = size_t(n),
                 S = size_t(w_.steps() + 1);
    if (n != batch_) { // only the last mini-batch of an epoch differs
      batch_ = n;
      pieces_ = batchPieces(n, lanes_);
      grads_.resize(std::max(grads_.size(), pieces_.size()));
      for (std::vector<double> &g : grads_)
        g.resize(paramCount_);
      losses_.resize(pieces_.size());
      x0_.resize(B * D);
      targets_.resize(B * K * D);
      weights_.assign(K, 1.0 / double(K * B * D));
      traj_.resize(B * S * D);
      gradX0_.resize(B * D);
    }
    const int64_t count = int64_t(pieces_.size());
    double weight = 0;
    if (windowLoss_) {
      int64_t observed = 0;
      const size_t O = size_t(w_.observedDim);
      for (int64_t b = 0; b < n; ++b)
        for (size_t k = 0; k < K * O; ++k)
          observed += std::isnan(w_.targets[size_t(order[b]) * K * O + k]) ? 0 : 1;
      weight = observed ? 1.0 / double(observed) : 0.0;
    }
    team_.run([&](int64_t thread) {
      const auto [first, last] = shareOf(count, team_.size(), thread);
      for (int64_t j = first; j < last; ++j) {
        const auto [begin, end] = pieces_[size_t(j)];
        if (windowLoss_) {
          losses_[size_t(j)] = (*windowLoss_)(w_, params, order + begin, end - begin, weight,
                                              grads_[size_t(j)].data());
          continue;
        }
        for (size_t b = size_t(begin); b < size_t(end); ++b) {
          const size_t i = size_t(order[b]);
          std::copy_n(w_.x0.begin() + long(i * D), D, x0_.begin() + long(b * D));
          std::copy_n(w_.targets.begin() + long(i * K * D), K * D,
                      targets_.begin() + long(b * K * D));
        }
        const size_t at = size_t(begin);
        losses_[size_t(j)] = lossGrad_(
            {params.data(), x0_.data() + at * D, end - begin, w_.steps(), h_, int64_t(K),
             w_.targetSteps.data(), weights_.data(), targets_.data() + at * K * D,
             traj_.data() + at * S * D, grads_[size_t(j)].data(), gradX0_.data() + at * D});
      }
    });
    // In piece order, whatever thread computed which piece.
    double loss = losses_[0];
    for (size_t j = 1; j < pieces_.size(); ++j) {
      loss += losses_[j];
      for (size_t p = 0; p < paramCount_; ++p)
        grads_[0][p] += grads_[j][p];
    }
    return loss;
  }

private:
  const LossGradCallback &lossGrad_;
  const WindowLossCallback *windowLoss_;
  const WindowSet &w_;
  double h_;
  size_t paramCount_;
  ThreadTeam &team_;
  int64_t lanes_, batch_ = -1;
  std::vector<std::pair<int64_t, int64_t>> pieces_;
  std::vector<std::vector<double>> grads_ = std::vector<std::vector<double>>(1);
  std::vector<double> losses_, x0_, targets_, weights_, traj_, gradX0_;
};

double meanSquaredError(BatchEvaluator &eval, const std::vector<double> &params, int64_t count,
                        int64_t chunk) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), int64_t(0));
  double sum = 0;
  for (int64_t first = 0; first < count; first += chunk) {
    int64_t n = std::min(chunk, count - first);
    sum += eval(params, order.data() + first, n) * double(n);
  }
  return sum / double(count);
}

constexpr double kConvergedFraction = 1e-6;

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
                        const WindowSet &windows, double h, int64_t chunk, int64_t threads,
                        int64_t lanes) {
  checkWindows(windows, "validation");
  ThreadTeam team(threads);
  BatchEvaluator eval(lossGrad, windows, h, int64_t(params.size()), team, lanes);
  return meanSquaredError(eval, params, windows.count(), chunk);
}

double meanSquaredError(const WindowLossCallback &windowLoss, const std::vector<double> &params,
                        const WindowSet &windows, int64_t chunk, int64_t threads, int64_t lanes) {
  checkWindows(windows, "validation");
  if (!windowLoss)
    throw std::invalid_argument("meanSquaredError needs a window loss");
  ThreadTeam team(threads);
  BatchEvaluator eval({}, windows, 0, int64_t(params.size()), team, lanes, &windowLoss);
  return meanSquaredError(eval, params, windows.count(), chunk);
}

TrainOutcome train(const TrainConfig &config, const LossGradCallback &lossGrad,
                   const WindowSet &trainWindows, const WindowSet *validationWindows,
                   TrainState &state, const TrainHooks &hooks, Divergence *divergence) {
  checkWindows(trainWindows, "training");
  if (!(config.step > 0) || config.batchSize < 1 || config.epochs < 0 || config.threads < 1 ||
      config.lanes < 1 || !(config.divergeFactor >= 0))
    throw std::invalid_argument("training needs a positive step, batch size >= 1, epochs >= 0, "
                                "threads >= 1, lanes >= 1 and a divergence factor >= 0");
  if (validationWindows && (validationWindows->stateDim != trainWindows.stateDim ||
                            validationWindows->observedDim != trainWindows.observedDim ||
                            (!config.windowLoss &&
                             validationWindows->targetSteps != trainWindows.targetSteps)))
    throw std::invalid_argument("the validation windows must have the training windows' shape");
  using Clock = std::chrono::steady_clock;
  const int64_t count = trainWindows.count();
  const int64_t batches = (count + config.batchSize - 1) / config.batchSize;
  ThreadTeam team(config.threads);
  BatchEvaluator eval(lossGrad, trainWindows, config.step, int64_t(state.params.size()), team,
                      config.lanes, &config.windowLoss);
  std::optional<BatchEvaluator> valEval;
  if (validationWindows)
    valEval.emplace(lossGrad, *validationWindows, config.step, int64_t(state.params.size()), team,
                    config.lanes, &config.windowLoss);
  // The best epoch's training loss, which mini-batch losses are compared with.
  double bestTrain = std::numeric_limits<double>::infinity();
  for (const EpochRecord &r : state.history)
    bestTrain = std::min(bestTrain, r.trainLoss);
  // batch 0: the epoch's score (validation loss if any), else a mini-batch's training loss.
  auto diverged = [&](double loss, double best, int64_t epoch, int64_t batch) {
    if (!(config.divergeFactor > 0) || state.history.empty())
      return false;
    // A fit at rounding level (1e-12 after 1e-2) jumps by orders of magnitude without going
    // anywhere: losses below a millionth of the first epoch's are not compared.
    const EpochRecord &start = state.history[0];
    const double floor = kConvergedFraction *
                         (batch == 0 && validationWindows ? start.valLoss : start.trainLoss);
    if (!(loss > config.divergeFactor * std::max(best, floor)))
      return false;
    if (divergence)
      *divergence = {epoch, batch, loss, best};
    return true;
  };
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
      if (diverged(loss, bestTrain, epoch, state.batch + 1))
        return TrainOutcome::Diverged;
      adamStep(config.adam, state.adam, state.params, eval.grad());
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
    if (valEval)
      r.valLoss =
          meanSquaredError(*valEval, state.params, validationWindows->count(), config.batchSize);
    tick();
    r.seconds = state.seconds;
    state.history.push_back(r);
    state.epoch = epoch;
    state.batch = 0;
    state.epochLossSum = 0;
    bestTrain = std::min(bestTrain, r.trainLoss);
    double score = validationWindows ? r.valLoss : r.trainLoss;
    if (diverged(score, state.bestLoss, epoch, 0)) {
      if (hooks.onEpoch)
        hooks.onEpoch(state);
      return TrainOutcome::Diverged;
    }
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
