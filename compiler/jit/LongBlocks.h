// Two of LLVM's machine passes take time superlinear in a basic block's length. The pre-RA
// machine scheduler is quadratic (ScheduleDAGMILive::collectVRegUses walks every use of every
// virtual register for each instruction it schedules); machine copy propagation grows as
// fast on blocks of tens of thousands of instructions (a 2 000-binding chain's adjoint, one
// block of 70 000 instructions: 2.6 s of its 8.5 s code generation, against 0.03 s at 1 000
// bindings). odec's solvers are straight-line wherever a model is: a chain of 500 bindings,
// inlined into RK4's four stages, is one block of tens of thousands of instructions (1 000
// bindings: the scheduler took 50 s of a 55 s compile; docs/performance.md section 16).
// Reordering within a block that long, or removing the few copies it has left, buys little,
// so both are skipped there.
#pragma once

#include <cstddef>

namespace llvm {
class Module;
}

namespace odec::jit {

/// Blocks longer than this (LLVM IR instructions) compile without the pre-RA scheduler and
/// machine copy propagation. The largest block of W1–W3's fused solvers has fewer than 2 000.
constexpr size_t kMaxScheduledBlock = 6000;

/// While alive, and when `m`'s longest block is longer than kMaxScheduledBlock, LLVM's pre-RA
/// machine scheduler and machine copy propagation are off (`-enable-misched=false`,
/// `-disable-copyprop`) for the compiles of this process. The switch is process-wide: a small
/// module compiled at the same moment on another thread also goes without them, which costs
/// it speed, never correctness.
class LongBlockCodegen {
public:
  explicit LongBlockCodegen(const llvm::Module &m);
  ~LongBlockCodegen();
  LongBlockCodegen(const LongBlockCodegen &) = delete;
  LongBlockCodegen &operator=(const LongBlockCodegen &) = delete;

  /// Whether the passes are off for this module.
  bool passesOff() const { return off_; }

private:
  bool off_ = false;
};

} // namespace odec::jit
