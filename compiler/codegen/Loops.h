// Counted loops in LLVM IR, the building block of all generated code: node loops over
// elements, the step loop, the batch-chunk loop.
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>

namespace odec::codegen {

/// for (i = 0; i < count; i += stride) body(i), with i an i64. The body may create blocks;
/// it must leave the builder at the end of the block that continues the iteration. A constant
/// count of at most one stride emits the body once, without a loop.
void emitLoop(llvm::IRBuilder<> &b, llvm::Value *count,
              const std::function<void(llvm::Value *)> &body, int64_t stride = 1);
void emitLoop(llvm::IRBuilder<> &b, int64_t count, const std::function<void(llvm::Value *)> &body);

} // namespace odec::codegen
