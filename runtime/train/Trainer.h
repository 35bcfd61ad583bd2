// Training a model's parameters on windows of observed trajectories (train/Windows.h).
//
// Each epoch shuffles the training windows, cuts them into mini-batches of `batchSize` (the
// last may be smaller), and takes one Adam step per mini-batch on the batch's mean squared
// error, L = Σ_{b,k,d} (x_{b,k,d} − y_{b,k,d})² / (K·B·D), with its exact gradient from the
// compiled discrete adjoint. After the epoch the validation windows, if any, are evaluated
// (no gradient step). The epoch's training loss is the mean of its mini-batch losses weighted
// by batch size, each taken at the parameters before that batch's step.
//
// Determinism: the order of epoch e is a Fisher–Yates shuffle drawn from
// Random(seed + e·0x9E3779B97F4A7C15), a fresh generator per epoch, so the shuffle's state
// is (seed, epoch, mini-batches done) and needs no generator state in a checkpoint. All
// arithmetic is in a fixed order, so training from a TrainState saved between two
// mini-batches continues bit-identically to the uninterrupted run. A mini-batch is evaluated
// in pieces of whole SIMD chunks (parallel/ThreadTeam.h) whose losses and gradients are added
// in piece order, so the result is the same whatever the number of threads.
//
// Divergence: a mini-batch or epoch loss more than divergeFactor times the best epoch loss so
// far stops training (TrainOutcome::Diverged), before it overflows to a non-finite loss. The
// best is taken as at least a millionth of the first epoch's loss, so that a fit at rounding
// level (noiseless data: 1e-9 after 1e-15) fluctuating by orders of magnitude does not count.
#pragma once

#include "support/SolverAbi.h"
#include "train/Adam.h"
#include "train/Windows.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace odec {

/// A batch's loss and exact gradient, with the contract of the compiled discrete adjoint
/// (support/SolverAbi.h); returns L.
using LossGradCallback = std::function<double(const LossGradArgs &)>;

/// The loss of the n windows `windows[0 .. n)` of a set (indices into it), weight w per observed
/// target value (Σ w (x − y)² over the values that are not NaN), and its gradient (gradParams,
/// overwritten); returns the loss. For windows that fixed target steps cannot take: irregular
/// times, outputs, inputs or missing values (train/Windows.h).
using WindowLossCallback =
    std::function<double(const WindowSet &, const std::vector<double> &params,
                         const int64_t *windows, int64_t n, double weight, double *gradParams)>;

struct TrainConfig {
  double step = 0;        // h, the solver's step
  int64_t epochs = 1;     // train until this many epochs are complete
  int64_t batchSize = 32; // windows per mini-batch
  AdamConfig adam;
  uint64_t seed = 0;          // of the mini-batch order
  int64_t threads = 1;        // threads evaluating each mini-batch
  int64_t lanes = 8;          // trajectories per SIMD chunk of the loss-gradient code
  double divergeFactor = 1e3; // 0: never stop for divergence
  /// When set, mini-batches are evaluated by it instead of the LossGradCallback, and a batch's
  /// loss is the mean over its observed (non-NaN) target values.
  WindowLossCallback windowLoss;
};

struct EpochRecord {
  int64_t epoch = 0; // 1-based
  double trainLoss = 0;
  double valLoss = std::numeric_limits<double>::quiet_NaN(); // NaN: no validation data
  double seconds = 0; // training wall time up to the end of this epoch, all sessions
};

/// Everything needed to continue training exactly where it stopped.
struct TrainState {
  std::vector<double> params;
  AdamState adam;
  int64_t epoch = 0;       // epochs completed
  int64_t batch = 0;       // mini-batches completed of epoch `epoch + 1` (after an interrupt)
  double epochLossSum = 0; // Σ L_b·B_b over those mini-batches
  double seconds = 0;      // training wall time so far, all sessions
  std::vector<EpochRecord> history;
  std::vector<double> bestParams; // at the end of the epoch with the lowest loss so far
  int64_t bestEpoch = 0;          // 0: no epoch yet
  double bestLoss =
      std::numeric_limits<double>::infinity(); // validation loss if any, else training
};

/// A fresh state at the initial parameters.
TrainState initialTrainState(std::vector<double> params);

struct TrainHooks {
  /// After every mini-batch: done of total mini-batches of the current epoch.
  std::function<void(const TrainState &, int64_t done, int64_t total)> onBatch;
  /// After every epoch, once history and best are updated.
  std::function<void(const TrainState &)> onEpoch;
  /// Polled after every mini-batch; true stops training there (see TrainOutcome).
  std::function<bool()> stopRequested;
};

enum class TrainOutcome {
  Finished,    // config.epochs epochs are complete
  Interrupted, // stopRequested: the state is between two mini-batches, ready to resume
  Diverged     // a loss grew divergeFactor times above the best epoch's (see divergence())
};

/// What stopped a diverged run: where, the loss, and the best epoch loss it was compared with.
struct Divergence {
  int64_t epoch = 0, batch = 0; // batch 0: the epoch's loss
  double loss = 0, best = 0;
};

/// Trains from `state` (fresh or restored from a checkpoint) until config.epochs epochs are
/// complete or a stop is requested. Throws std::invalid_argument for inconsistent sizes or
/// settings and std::runtime_error when the loss becomes non-finite.
/// On Diverged, `divergence` (when given) says where; the state is then the one after the last
/// completed mini-batch, as for an interruption.
TrainOutcome train(const TrainConfig &config, const LossGradCallback &lossGrad,
                   const WindowSet &trainWindows, const WindowSet *validationWindows,
                   TrainState &state, const TrainHooks &hooks = {},
                   Divergence *divergence = nullptr);

/// The mean squared error over all windows at `params` (evaluated in chunks of `chunk`
/// windows, in order, each in pieces of `lanes` on `threads` threads; the gradient is
/// discarded).
double meanSquaredError(const LossGradCallback &lossGrad, const std::vector<double> &params,
                        const WindowSet &windows, double h, int64_t chunk, int64_t threads = 1,
                        int64_t lanes = 8);

/// The same for windows that `windowLoss` evaluates (TrainConfig::windowLoss): the mean over
/// the observed (non-NaN) target values of each chunk, weighted by the chunk's windows.
double meanSquaredError(const WindowLossCallback &windowLoss, const std::vector<double> &params,
                        const WindowSet &windows, int64_t chunk, int64_t threads = 1,
                        int64_t lanes = 8);

/// The order of the windows in epoch `epoch` (1-based) for `seed`.
std::vector<int64_t> epochOrder(int64_t count, uint64_t seed, int64_t epoch);

} // namespace odec
