#include "codegen/BatchChunks.h"

#include "codegen/Loops.h"

#include <functional>
#include <vector>

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

/// The P × P transpose of v (P vectors of P doubles, P a power of two): result[l][k] = v[k][l].
/// log2(P) rounds of swapping the off-diagonal s × s blocks of each 2s × 2s block, s = 1, 2, …:
/// 24 shuffles for P = 8.
std::vector<Value *> transpose(llvm::IRBuilder<> &b, std::vector<Value *> v) {
  const int P = int(v.size());
  for (int s = 1; s < P; s *= 2)
    for (int k = 0; k < P; ++k) {
      if (k & s)
        continue;
      std::vector<int> lo, hi; // lanes of v[k] | v[k + s]
      for (int l = 0; l < P; ++l) {
        lo.push_back((l & s) ? P + l - s : l);
        hi.push_back((l & s) ? P + l : l + s);
      }
      Value *x = v[size_t(k)], *y = v[size_t(k + s)];
      v[size_t(k)] = b.CreateShuffleVector(x, y, lo);
      v[size_t(k + s)] = b.CreateShuffleVector(x, y, hi);
    }
  return v;
}

/// Rows move in pieces of P elements and P lanes, P the doubles of one vector register (see
/// rowsByPieces): 8 on AVX-512, 4 on AVX2.
int pieceSize(const TensorEmitter &te) { return te.machine().doublesPerRegister(); }

/// Lanes [first, first + P) of v.
Value *lanes(llvm::IRBuilder<> &b, Value *v, int first, int P) {
  std::vector<int> idx;
  for (int l = 0; l < P; ++l)
    idx.push_back(first + l);
  return b.CreateShuffleVector(v, v, idx);
}

/// A full chunk's rows as P × P pieces, when rows and lanes divide into them: element d0 + k
/// of lanes lb … lb + P − 1 is one piece, moved as P contiguous row segments after a transpose
/// in registers. A gather or scatter of 8 lanes per element cost W2's Euler forward solver 11 %
/// of its time (docs/performance.md, section 12). Partial chunks (masked lanes) keep the
/// gather and scatter (`elementwise`). Emits `pieces(d0)`, the pieces of elements
/// d0 … d0 + P − 1, in a loop over d0.
void rowsByPieces(llvm::IRBuilder<> &b, TensorEmitter &te, int64_t size, Value *mask,
                  const std::function<void(Value *)> &pieces,
                  const std::function<void()> &elementwise) {
  const int W = te.width(), P = pieceSize(te);
  if (W % P != 0 || size % P != 0) {
    elementwise();
    return;
  }
  llvm::Function *f = b.GetInsertBlock()->getParent();
  auto *whole = llvm::BasicBlock::Create(b.getContext(), "rows.pieces", f);
  auto *partial = llvm::BasicBlock::Create(b.getContext(), "rows.lanes", f);
  auto *done = llvm::BasicBlock::Create(b.getContext(), "rows.done", f);
  b.CreateCondBr(b.CreateAndReduce(mask), whole, partial);
  b.SetInsertPoint(whole);
  emitLoop(b, te.index(size), pieces, P, /*straightLine=*/false);
  b.CreateBr(done);
  b.SetInsertPoint(partial);
  elementwise();
  b.CreateBr(done);
  b.SetInsertPoint(done);
}

/// &base[rowStart[lane] + d0] as a pointer to P doubles.
Value *pieceRow(llvm::IRBuilder<> &b, Value *base, Value *rowStart, int lane, Value *d0, int P) {
  Value *p = b.CreateGEP(b.getDoubleTy(), base,
                         b.CreateAdd(b.CreateExtractElement(rowStart, uint64_t(lane)), d0));
  return b.CreateBitCast(
      p, llvm::PointerType::getUnqual(llvm::FixedVectorType::get(b.getDoubleTy(), unsigned(P))));
}

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
  const int P = pieceSize(te);
  auto *pieceTy = llvm::FixedVectorType::get(b.getDoubleTy(), unsigned(P));
  rowsByPieces(
      b, te, dst.shape.size(), mask,
      [&](Value *d0) {
        // parts[k]: element d0 + k of each P lanes, from their rows' P elements transposed.
        std::vector<std::vector<Value *>> parts(static_cast<size_t>(P));
        for (int lb = 0; lb < te.width(); lb += P) {
          std::vector<Value *> rows;
          for (int l = 0; l < P; ++l)
            rows.push_back(b.CreateAlignedLoad(
                pieceTy, pieceRow(b, base, rowStart, lb + l, d0, P), kDoubleAlign));
          const std::vector<Value *> elements = transpose(b, rows);
          for (int k = 0; k < P; ++k)
            parts[size_t(k)].push_back(elements[size_t(k)]);
        }
        for (int k = 0; k < P; ++k)
          te.store(dst, b.CreateAdd(d0, te.index(k)),
                   te.toReal(te.fromLanes(te.concatenate(parts[size_t(k)]))));
      },
      [&] {
        emitLoop(b, dst.shape.size(), [&](Value *d) {
          te.store(dst, d,
                   te.toReal(te.fromLanes(b.CreateMaskedGather(
                       vecTy, lanePointers(b, te, base, rowStart, d), kDoubleAlign, mask,
                       llvm::Constant::getNullValue(vecTy)))));
        });
      });
}

void scatterRows(llvm::IRBuilder<> &b, TensorEmitter &te, const Tensor &src, Value *base,
                 Value *rowStart, Value *mask) {
  const int P = pieceSize(te);
  rowsByPieces(
      b, te, src.shape.size(), mask,
      [&](Value *d0) {
        std::vector<Value *> all; // element d0 + k, every lane
        for (int k = 0; k < P; ++k)
          all.push_back(
              te.toDouble(te.toLanes(te.load(src, b.CreateAdd(d0, te.index(k)), true))));
        for (int lb = 0; lb < te.width(); lb += P) {
          std::vector<Value *> elements; // of lanes lb … lb + P − 1
          for (Value *v : all)
            elements.push_back(lanes(b, v, lb, P));
          const std::vector<Value *> rows = transpose(b, elements);
          for (int l = 0; l < P; ++l)
            b.CreateAlignedStore(rows[size_t(l)], pieceRow(b, base, rowStart, lb + l, d0, P),
                                 kDoubleAlign);
        }
      },
      [&] {
        emitLoop(b, src.shape.size(), [&](Value *d) {
          b.CreateMaskedScatter(te.toDouble(te.toLanes(te.load(src, d, true))),
                                lanePointers(b, te, base, rowStart, d), kDoubleAlign, mask);
        });
      });
}

} // namespace odec::codegen
