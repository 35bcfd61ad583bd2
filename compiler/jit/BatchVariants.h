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
// Thread-safe: concurrent calls may share it; a variant is compiled once (a compile that throws
// is retried by the next call that needs it).
#pragma once

#include "jit/Jit.h"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

namespace odec::jit {

template <class Code> class BatchVariants {
public:
  using Compile = std::function<std::unique_ptr<Code>(const CompileOptions &)>;

  /// expectedBatch: the batch of the calls to come, when known (0: unknown, the full width).
  BatchVariants(Compile compile, const CompileOptions &full, int64_t expectedBatch = 0)
      : compile_(std::move(compile)), full_(full) {
    forBatch(expectedBatch > 0 ? expectedBatch : INT64_MAX);
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

/// A loss gradient per batch width: every call runs the variant for its batch.
class LossGradientByBatch : public LossGradient {
public:
  LossGradientByBatch(BatchVariants<LossGradient>::Compile compile, const CompileOptions &full,
                      int64_t expectedBatch = 0)
      : variants_(std::move(compile), full, expectedBatch) {}

  double operator()(const LossGradArgs &args) const override {
    return variants_.forBatch(args.batch)(args);
  }

private:
  BatchVariants<LossGradient> variants_;
};

/// A vector–Jacobian product per batch width, as LossGradientByBatch.
class VjpByBatch : public Vjp {
public:
  VjpByBatch(BatchVariants<Vjp>::Compile compile, const CompileOptions &full,
             int64_t expectedBatch = 0)
      : variants_(std::move(compile), full, expectedBatch) {}

  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams, double *gradX0,
                  VjpMode mode, const double *exo, double *tape) const override {
    variants_.forBatch(batch)(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0,
                              mode, exo, tape);
  }
  int64_t tapeBytes(int64_t batch) const override {
    return variants_.forBatch(batch).tapeBytes(batch);
  }
  int64_t tapeSteps(int64_t batch) const override {
    return variants_.forBatch(batch).tapeSteps(batch);
  }

private:
  BatchVariants<Vjp> variants_;
};

} // namespace odec::jit
