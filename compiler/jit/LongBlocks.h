// Some of LLVM's machine passes take time superlinear in a basic block's length. The pre-RA
// machine scheduler is quadratic (ScheduleDAGMILive::collectVRegUses walks every use of every
// virtual register for each instruction it schedules); machine copy propagation grows as
// fast on blocks of tens of thousands of instructions (a 2 000-binding chain's adjoint, one
// block of 70 000 instructions: 2.6 s of its 8.5 s code generation, against 0.03 s at 1 000
// bindings). odec's solvers are straight-line wherever a model is: a chain of 500 bindings,
// inlined into RK4's four stages, is one block of tens of thousands of instructions (1 000
// bindings: the scheduler took 50 s of a 55 s compile; docs/performance.md section 16).
// Reordering within a block that long, or removing the few copies it has left, buys little,
// so both are skipped there, and so is machine LICM: under the JIT's large code model it
// hoisted constant-pool addresses out of a stage loop into live ranges with a use in every
// binding (56 s of a 77 s compile at 4 000 bindings, in the register allocator). Even so, the
// greedy register allocator's local splitting is quadratic in the uses of a live range within
// one block, and in a huge field some values are used by every binding (`x[1]` in
// `a_i = tanh(a_{i-1}) + 0.5 * x[1]`): such blocks are cut into pieces of kLongBlockPiece
// instructions before code generation (4 000 such bindings, gradient for a chunk of lanes:
// 282 s, most of it in the allocator, before the cut; 73 s after). The allocator, instruction
// selection and the assembly printer still grew faster than the function (×3.5 per doubling):
// each piece is therefore made a function of its own, the values crossing pieces passed
// through a workspace in the caller's frame, so that no pass sees more than a piece whatever
// the model's size (the same gradient: 15 s; ×2.1 per doubling).
#pragma once

#include <cstddef>

namespace llvm {
class Module;
}

namespace odec::jit {

/// Blocks longer than this (LLVM IR instructions) compile without the pre-RA scheduler and
/// machine copy propagation. The largest block of W1–W3's fused solvers has fewer than 2 000.
constexpr size_t kMaxScheduledBlock = 6000;

/// The length, in instructions, of the pieces a block longer than kMaxScheduledBlock is cut
/// into (each piece ends in an unconditional branch to the next).
constexpr size_t kLongBlockPiece = 2000;

/// The most values computed outside a piece that it reads. Each is loaded at the piece's start
/// once the piece is a function of its own, and LLVM's instruction scheduler compares every
/// pair of loads that hang from one memory state (ScheduleDAGSDNodes::ClusterNeighboringLoads):
/// 2 000 such loads cost it more than the rest of the piece's code generation.
constexpr size_t kMaxPieceReads = 256;

/// For the code generation of `m`, which follows while this is alive. When `m`'s longest block
/// is longer than kMaxScheduledBlock, every such block is cut into pieces (kLongBlockPiece,
/// kMaxPieceReads), each piece is outlined into a function of `m` (internal, `noinline`,
/// called where the piece was, its inputs and outputs stored in and loaded from a workspace
/// alloca of the caller; the result computes the same values, bit for bit), and LLVM's pre-RA machine scheduler, machine copy propagation, machine LICM and
/// CodeGenPrepare's merging of blocks (which would undo the cut) are off
/// (`-enable-misched=false`, `-disable-copyprop`, `-disable-machine-licm`,
/// `-disable-cgp-branch-opts`) for the compiles of this process. The switch is process-wide:
/// a small module compiled at the same moment on another thread also goes without them, which
/// costs it speed, never correctness.
class LongBlockCodegen {
public:
  explicit LongBlockCodegen(llvm::Module &m);
  ~LongBlockCodegen();
  LongBlockCodegen(const LongBlockCodegen &) = delete;
  LongBlockCodegen &operator=(const LongBlockCodegen &) = delete;

  /// Whether the passes are off for this module.
  bool passesOff() const { return off_; }

private:
  bool off_ = false;
};

} // namespace odec::jit
