// LLVM's pre-RA machine scheduler takes time quadratic in a basic block's length
// (ScheduleDAGMILive::collectVRegUses walks every use of every virtual register for each
// instruction it schedules). odec's solvers are straight-line wherever a model is: a chain of
// 500 bindings, inlined into RK4's four stages, is one block of tens of thousands of
// instructions, and the scheduler took 23 % of its 2.9 s compile and grew fastest (1 000
// bindings: 50 s of 55 s; docs/performance.md section 16). Reordering within a block that long
// buys little, so it is skipped there.
#pragma once

#include <cstddef>

namespace llvm {
class Module;
}

namespace odec::jit {

/// Blocks longer than this (LLVM IR instructions) compile without the pre-RA scheduler. The
/// largest block of W1–W3's fused solvers has fewer than 2 000.
constexpr size_t kMaxScheduledBlock = 6000;

/// While alive, and when `m`'s longest block is longer than kMaxScheduledBlock, LLVM's pre-RA
/// machine scheduler is off (`-enable-misched=false`) for the compiles of this process. The
/// switch is process-wide: a small module compiled at the same moment on another thread also
/// goes unscheduled, which costs it speed, never correctness.
class LongBlockScheduling {
public:
  explicit LongBlockScheduling(const llvm::Module &m);
  ~LongBlockScheduling();
  LongBlockScheduling(const LongBlockScheduling &) = delete;
  LongBlockScheduling &operator=(const LongBlockScheduling &) = delete;

  bool schedulerOff() const { return off_; }

private:
  bool off_ = false;
};

} // namespace odec::jit
