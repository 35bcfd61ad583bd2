// Counted loops in LLVM IR, the building block of all generated code: node loops over
// elements, the step loop, the batch-chunk loop.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>

namespace odec::codegen {

/// Constant trip counts up to this many iterations are emitted as straight-line code: the
/// loops over a small state's elements, which LLVM's loop unroller would otherwise have to
/// find and fully unroll (a large share of JIT time), cost nothing to expand here.
constexpr int64_t kStraightLineIterations = 4;
/// Loops with a constant trip count below this stay rolled (marked llvm.loop.unroll.disable):
/// unrolling them multiplies code, and with it instruction selection time, for little run
/// time; the longer loops (reductions over a wide hidden layer) are left to LLVM's partial
/// unroller, which pays off there. Measured in docs/performance.md.
constexpr int64_t kUnrollableIterations = 32;

/// for (i = 0; i < count; i += stride) body(i), with i an i64. The body may create blocks;
/// it must leave the builder at the end of the block that continues the iteration. A constant
/// count of at most kStraightLineIterations strides emits the body once per iteration with a
/// constant i, without a loop, unless straightLine is false (a body too big to repeat).
void emitLoop(llvm::IRBuilder<> &b, llvm::Value *count,
              const std::function<void(llvm::Value *)> &body, int64_t stride = 1,
              bool straightLine = true);
void emitLoop(llvm::IRBuilder<> &b, int64_t count, const std::function<void(llvm::Value *)> &body);

} // namespace odec::codegen
