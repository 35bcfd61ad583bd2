#include "codegen/BatchChunks.h"

#include "codegen/Loops.h"

namespace odec::codegen {

using llvm::Value;

namespace {

/// Pointers to element d of each lane's row: base + rowStart + d.
Value *lanePointers(llvm::IRBuilder<> &b, TensorEmitter &te, Value *base, Value *rowStart,
                    Value *d) {
  Value *idx = b.CreateAdd(rowStart, b.CreateVectorSplat(unsigned(te.width()), d));
  return b.CreateGEP(b.getDoubleTy(), base, idx);
}

const llvm::Align kDoubleAlign(alignof(double));

} // namespace

Value *BatchChunk::rowStart(llvm::IRBuilder<> &b, Value *stride, Value *offset) const {
  auto w = unsigned(llvm::cast<llvm::FixedVectorType>(traj->getType())->getNumElements());
  return b.CreateAdd(b.CreateMul(traj, b.CreateVectorSplat(w, stride)),
                     b.CreateVectorSplat(w, offset));
}

void emitChunkLoop(llvm::IRBuilder<> &b, TensorEmitter &te, Value *batch,
                   const std::function<void(const BatchChunk &)> &body) {
  const unsigned w = unsigned(te.width());
  llvm::SmallVector<llvm::Constant *, 16> laneIds;
  for (unsigned l = 0; l < w; ++l)
    laneIds.push_back(b.getInt64(l));
  Value *lanes = llvm::ConstantVector::get(laneIds);
  emitLoop(
      b, batch,
      [&](Value *chunk) {
        Value *traj = b.CreateAdd(b.CreateVectorSplat(w, chunk), lanes);
        body({chunk, traj, b.CreateICmpSLT(traj, b.CreateVectorSplat(w, batch))});
      },
      w);
}

void gatherRows(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &dst, Value *base,
                Value *rowStart, Value *mask) {
  auto *vecTy = llvm::FixedVectorType::get(b.getDoubleTy(), unsigned(te.width()));
  emitLoop(b, dst.shape.size(), [&](Value *d) {
    te.store(dst, d,
             te.toReal(te.fromLanes(b.CreateMaskedGather(
                 vecTy, lanePointers(b, te, base, rowStart, d), kDoubleAlign, mask,
                 llvm::Constant::getNullValue(vecTy)))));
  });
}

void scatterRows(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &src, Value *base,
                 Value *rowStart, Value *mask) {
  emitLoop(b, src.shape.size(), [&](Value *d) {
    b.CreateMaskedScatter(te.toDouble(te.toLanes(te.load(src, d, true))),
                          lanePointers(b, te, base, rowStart, d), kDoubleAlign, mask);
  });
}

} // namespace odec::codegen
