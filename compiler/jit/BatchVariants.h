// Compiled code per chunk width, chosen by the batch of each call: for callers that compile
// before they know the batch (the host API's Model::simulator and Model::lossGradient).
//
// The width for the batch the caller expects (the full width, CompileOptions::vectorWidth,
// when it expects none) is compiled up front, so that compile errors surface there; every other
// width on the first call that needs it. A call whose batch is smaller than one full chunk runs
// the code jit::optionsForBatch picks for it (1, 2, 4 or 8 trajectories per chunk; float 2 … 16):
// one trajectory in an 8-lane chunk leaves 7 lanes idle, and one-lane code vectorizes over the
// field's elements instead (docs/performance.md, sections 7 and 9). Results differ between widths
// only in the order of a few sums (≤ 3e-16 relative on the tested fields).
//
// A larger batch whose last chunk would run at most half full runs that chunk with the narrower
// code instead (forParts): 8 lanes holding 4 trajectories cost what 8 trajectories do, 4-lane
// code about half (ode_demo's batch of 20: 2 full chunks and a half one, not 3; the solve and
// its VJP 9 % faster, docs/performance.md, section 28).
//
// Thread-safe: concurrent calls may share it; a variant is compiled once (a compile that throws
// is retried by the next call that needs it).
#pragma once

#include "jit/Jit.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace odec::jit {

template <class Code> class BatchVariants {
public:
  using Compile = std::function<std::unique_ptr<Code>(const CompileOptions &)>;

  /// expectedBatch: the batch of the calls to come, when known (0: unknown, the full width).
  BatchVariants(Compile compile, const CompileOptions &full, int64_t expectedBatch = 0)
      : compile_(std::move(compile)), full_(full) {
    forBatch(expectedBatch > 0 ? expectedBatch : INT64_MAX);
  }

  /// Runs a call of `batch` trajectories as part(code, first trajectory, count): one part, or
  /// the full chunks with the full width's code and then a last chunk that would be at most half
  /// full with the code forBatch picks for it. Each trajectory's arithmetic is the same in
  /// either (lanes are independent); sums over the batch (parameter gradients, a loss) add
  /// the parts' sums.
  template <class Part> void forParts(int64_t batch, const Part &part) const {
    const int64_t lanes = lanesPerChunk(full_), rest = batch % lanes;
    // Not into one-lane code, which vectorizes over the field's elements and keeps no tape.
    const bool split = batch > lanes && rest > 0 && 2 * rest <= lanes &&
                       lanesPerChunk(optionsForBatch(full_, rest)) > 1;
    const int64_t head = split ? batch - rest : batch;
    part(forBatch(head), int64_t(0), head);
    if (head < batch)
      part(forBatch(batch - head), head, batch - head);
  }

  /// The code for a call with this batch.
  const Code &forBatch(int64_t batch) const {
    CompileOptions options = full_;
    options.vectorWidth = optionsForBatch(full_, batch).vectorWidth;
    int slot = 0;
    while ((1 << slot) < options.vectorWidth)
      ++slot;
    Variant &v = variants_.at(size_t(slot));
    std::call_once(v.once, [&] { v.code = compile_(options); });
    return *v.code;
  }

private:
  struct Variant {
    std::once_flag once;
    std::unique_ptr<Code> code;
  };
  Compile compile_;
  CompileOptions full_;
  mutable std::array<Variant, 6> variants_; // by log2(vectorWidth): 1, 2, …, 32
};

/// A model's sizes, for the offsets of a part's rows in a call's buffers.
struct BatchLayout {
  int64_t stateDim = 0, paramCount = 0;
  int64_t exoPerStep = 0; // exo values per trajectory and step (stages × ModelIR::exoDim())
};

inline BatchLayout batchLayout(const ir::ModelIR &model, const ButcherTableau &tableau) {
  return {model.stateDim(), model.paramCount(), int64_t(tableau.stages) * model.exoDim()};
}

/// Adds a later part's parameter gradients (computed into `part`) to the first part's.
inline void addPartGradient(double *total, const std::vector<double> &part) {
  for (size_t p = 0; p < part.size(); ++p)
    total[p] += part[p];
}

/// A loss gradient per batch width, its calls in BatchVariants::forParts' parts (the loss and
/// the parameter gradients summed over them).
class LossGradientByBatch : public LossGradient {
public:
  LossGradientByBatch(BatchVariants<LossGradient>::Compile compile, const CompileOptions &full,
                      const BatchLayout &layout, int64_t expectedBatch = 0)
      : variants_(std::move(compile), full, expectedBatch), layout_(layout) {}

  double operator()(const LossGradArgs &args) const override {
    const int64_t D = layout_.stateDim, T = args.numTargets, steps = args.steps;
    double loss = 0;
    std::vector<double> partGrad;
    variants_.forParts(args.batch, [&](const LossGradient &code, int64_t first, int64_t count) {
      LossGradArgs part = args;
      part.batch = count;
      part.x0 += first * D;
      part.targets = args.targets ? args.targets + first * T * D : nullptr;
      part.traj += first * (steps + 1) * D;
      part.gradX0 += first * D;
      part.exo = args.exo ? args.exo + first * steps * layout_.exoPerStep : nullptr;
      if (first > 0) {
        partGrad.assign(size_t(layout_.paramCount), 0.0);
        part.gradParams = partGrad.data();
      }
      loss += code(part);
      if (first > 0)
        addPartGradient(args.gradParams, partGrad);
    });
    return loss;
  }

private:
  BatchVariants<LossGradient> variants_;
  BatchLayout layout_;
};

/// A vector–Jacobian product per batch width, its calls in BatchVariants::forParts' parts: each
/// part's rows of x0, the cotangent, traj, exo and gradX0, its own stretch of the tape (64-byte
/// aligned), and the parameter gradients summed over the parts.
class VjpByBatch : public Vjp {
public:
  VjpByBatch(BatchVariants<Vjp>::Compile compile, const CompileOptions &full,
             const BatchLayout &layout, int64_t expectedBatch = 0)
      : variants_(std::move(compile), full, expectedBatch), layout_(layout) {}

  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams, double *gradX0,
                  VjpMode mode, const double *exo, double *tape) const override {
    // That mode's cotangent holds the whole batch's stage cotangents after its state ones.
    if (mode == kVjpFromTrajectoryWithStages) {
      variants_.forBatch(batch)(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0,
                                mode, exo, tape);
      return;
    }
    const int64_t D = layout_.stateDim;
    const bool gradients = mode != kVjpTapeForward; // that mode computes none
    std::vector<double> partGrad;
    int64_t tapeAt = 0;
    variants_.forParts(batch, [&](const Vjp &code, int64_t first, int64_t count) {
      const int64_t rows = first * (steps + 1) * D;
      double *grad = gradParams;
      if (first > 0 && gradients) {
        partGrad.assign(size_t(layout_.paramCount), 0.0);
        grad = partGrad.data();
      }
      code(params, x0 + first * D, count, steps, h, cotangent ? cotangent + rows : nullptr,
           traj + rows, grad, gradX0 ? gradX0 + first * D : nullptr, mode,
           exo ? exo + first * steps * layout_.exoPerStep : nullptr,
           tape ? tape + tapeAt / int64_t(sizeof(double)) : nullptr);
      tapeAt += aligned(code.tapeBytes(count));
      if (grad != gradParams)
        addPartGradient(gradParams, partGrad);
    });
  }
  int64_t tapeBytes(int64_t batch) const override {
    int64_t bytes = 0;
    variants_.forParts(batch, [&](const Vjp &code, int64_t, int64_t count) {
      bytes += aligned(code.tapeBytes(count));
    });
    return bytes;
  }
  int64_t tapeSteps(int64_t batch) const override {
    int64_t steps = INT64_MAX;
    variants_.forParts(batch, [&](const Vjp &code, int64_t, int64_t count) {
      steps = std::min(steps, code.tapeSteps(count));
    });
    return steps;
  }

private:
  static int64_t aligned(int64_t bytes) { return (bytes + 63) / 64 * 64; }
  BatchVariants<Vjp> variants_;
  BatchLayout layout_;
};

} // namespace odec::jit
