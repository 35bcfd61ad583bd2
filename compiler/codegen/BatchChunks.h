// The loop over a batch in chunks of W trajectories, one per SIMD lane, and the masked row
// transfers between the caller's row-major buffers (always double: the ABI) and the chunk's
// SoA tensors (of the emitter's real type, converted on the way). The last chunk may be
// partial: its missing lanes are masked off, never read nor written.
#pragma once

#include "codegen/TensorEmitter.h"

#include <functional>

namespace odec::codegen {

/// The lanes of one chunk.
struct BatchChunk {
  llvm::Value *first; // i64: the chunk's first trajectory
  llvm::Value *traj;  // <W x i64>: the trajectory each lane computes
  llvm::Value *mask; // <W x i1>: lanes inside the batch
  /// <W x i64>: traj * stride + offset, the start of each lane's row in a buffer whose
  /// trajectories are `stride` elements apart.
  llvm::Value *rowStart(llvm::IRBuilder<> &b, llvm::Value *stride, llvm::Value *offset) const;
};

/// for (chunk = 0; chunk < batch; chunk += W) body(lanes of the chunk).
void emitChunkLoop(llvm::IRBuilder<> &b, TensorEmitter &te, llvm::Value *batch,
                   const std::function<void(const BatchChunk &)> &body);

/// dst[d] = base[rowStart + d] in each active lane (0 in the others), for d < dst's size.
void gatherRows(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, llvm::Value *base,
                llvm::Value *rowStart, llvm::Value *mask);
/// base[rowStart + d] = src[d] in each active lane, for d < src's size.
void scatterRows(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &src, llvm::Value *base,
                 llvm::Value *rowStart, llvm::Value *mask);

} // namespace odec::codegen
