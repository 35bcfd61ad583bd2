#include "codegen/LaneSumProduct.h"

#include "codegen/Loops.h"
#include "support/InternalError.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace odec::codegen {

using llvm::Value;

namespace {

/// The block of out computed at once, rows × columns: powers of two dividing out's, at most
/// `blockSums` running sums (MachineModel::laneSumBlock: with a block's parts of a and b loaded
/// beside them, as many as the vector registers hold without spilling) and, of those, the
/// squarest (fewest loads per multiply-add). At most `maxCols` columns: a row's sums are then
/// lanes of one vector of transposingSums' results.
std::pair<int64_t, int64_t> blockShape(int64_t rows, int64_t cols, int64_t maxCols,
                                       int64_t blockSums) {
  std::pair<int64_t, int64_t> best{1, 1};
  for (int64_t r = 1; r <= blockSums; r *= 2)
    for (int64_t c = 1; c <= maxCols && r * c <= blockSums; c *= 2) {
      if (rows % r != 0 || cols % c != 0)
        continue;
      const int64_t area = r * c, bestArea = best.first * best.second;
      if (area > bestArea || (area == bestArea && r + c < best.first + best.second))
        best = {r, c};
    }
  return best;
}

unsigned lanesOf(Value *v) {
  return llvm::cast<llvm::FixedVectorType>(v->getType())->getNumElements();
}

/// The lane sums of `sums` (vectors of one type, a power-of-two lane count), in order: sum k
/// is lane k % n of result k / n, n the results' lane count.
std::vector<Value *> transposingSums(llvm::IRBuilder<> &b, std::vector<Value *> sums) {
  // Each vector holds one group of lanes per sum, in order. Two vectors become one: the first
  // halves of all their groups plus the second halves. Each add then serves several sums,
  // where summing one vector at a time would spend log2(n) shuffles and adds on each.
  unsigned n = lanesOf(sums[0]);
  for (unsigned group = n; group > 1; group /= 2) {
    auto halves = [&](unsigned count, unsigned offset) { // of `count` lanes' groups
      std::vector<int> lanes;
      for (unsigned g = 0; g < count; g += group)
        for (unsigned l = 0; l < group / 2; ++l)
          lanes.push_back(int(g + l + offset));
      return lanes;
    };
    if (sums.size() == 1) { // one vector left: folded onto itself, half as many lanes
      Value *v = sums[0];
      sums[0] = b.CreateFAdd(b.CreateShuffleVector(v, v, halves(n, 0)),
                             b.CreateShuffleVector(v, v, halves(n, group / 2)));
      n /= 2;
      continue;
    }
    if (sums.size() % 2 != 0)
      sums.push_back(llvm::Constant::getNullValue(sums[0]->getType()));
    std::vector<Value *> next;
    for (size_t k = 0; k < sums.size(); k += 2) {
      // Lanes of the pair's concatenation: the first vector's, then the second's.
      Value *lo = b.CreateShuffleVector(sums[k], sums[k + 1], halves(2 * n, 0));
      Value *hi = b.CreateShuffleVector(sums[k], sums[k + 1], halves(2 * n, group / 2));
      next.push_back(b.CreateFAdd(lo, hi));
    }
    sums = next;
  }
  return sums;
}

} // namespace

void addLaneSummedProduct(TensorEmitter &te, const Tensor &out, const Tensor &a,
                          const Tensor &bt, Value *lanes, bool aTransposed) {
  const int W = te.width();
  const Shape aShape = aTransposed ? Shape::matrix(a.shape.cols, a.shape.rows) : a.shape;
  internalCheck(aShape.rows == out.shape.rows && aShape.cols == bt.shape.rows &&
                    bt.shape.cols == out.shape.cols && !out.varying && a.varying &&
                    bt.varying && W > 1 && (W & (W - 1)) == 0,
                "addLaneSummedProduct: shapes or lanes do not match");
  llvm::IRBuilder<> &b = te.builder();
  llvm::Type *real = te.elementType(false), *lanesTy = te.elementType(true);
  // A part: the lanes of one vector register, which one running sum holds.
  const int realBytes = te.realBytes();
  const int partLanes = std::min(W, te.machine().vectorBytes / realBytes),
            parts = W / partLanes;
  auto *partTy = llvm::FixedVectorType::get(real, unsigned(partLanes));
  const int64_t rows = out.shape.rows, inner = aShape.cols, cols = out.shape.cols;
  const auto [blockRows, blockCols] = blockShape(rows, cols, partLanes, te.machine().laneSumBlock());

  // The running sums live in allocas of the entry block, which mem2reg turns into registers.
  // The loops over blocks stay rolled: a copy per iteration would only cost JIT time. A short
  // inner loop (RK4's 4 slots) is straight-line: rolled, W2's fwd+adj ran 2 % slower.
  llvm::Function *f = b.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&f->getEntryBlock(), f->getEntryBlock().begin());
  std::vector<Value *> running;
  for (int64_t k = 0; k < blockRows * blockCols; ++k)
    running.push_back(entry.CreateAlloca(partTy, nullptr, "lanesum"));

  // Part q of element e's lanes.
  auto part = [&](const Tensor &t, Value *e, int q) -> Value * {
    Value *p = b.CreateBitCast(b.CreateInBoundsGEP(lanesTy, t.ptr, e), real->getPointerTo());
    p = b.CreateInBoundsGEP(real, p, te.index(int64_t(q) * partLanes));
    return b.CreateAlignedLoad(partTy, b.CreateBitCast(p, partTy->getPointerTo()),
                               llvm::Align(uint64_t(realBytes)));
  };
  std::vector<Value *> mask; // part q of lanes
  for (int q = 0; lanes && q < parts; ++q) {
    std::vector<int> indices;
    for (int l = 0; l < partLanes; ++l)
      indices.push_back(q * partLanes + l);
    mask.push_back(b.CreateShuffleVector(lanes, lanes, indices));
  }
  auto maskedPart = [&](const Tensor &t, Value *e, int q) {
    Value *v = part(t, e, q);
    return lanes ? b.CreateSelect(mask[size_t(q)], v, llvm::Constant::getNullValue(partTy)) : v;
  };
  auto flat = [&](Value *r, int64_t rowLength, Value *c) {
    return b.CreateAdd(b.CreateMul(r, te.index(rowLength)), c);
  };
  auto plus = [&](Value *v, int64_t k) { return b.CreateAdd(v, te.index(k)); };

  emitLoop(b, te.index(rows), [&](Value *r0) {
    emitLoop(b, te.index(cols), [&](Value *c0) {
      for (Value *s : running)
        b.CreateStore(llvm::Constant::getNullValue(partTy), s);
      emitLoop(b, te.index(inner), [&](Value *j) {
        for (int q = 0; q < parts; ++q) {
          std::vector<Value *> as, bs;
          for (int64_t i = 0; i < blockRows; ++i)
            as.push_back(maskedPart(a, aTransposed ? flat(j, rows, plus(r0, i))
                                                   : flat(plus(r0, i), inner, j),
                                    q));
          for (int64_t c = 0; c < blockCols; ++c)
            bs.push_back(maskedPart(bt, flat(j, cols, plus(c0, c)), q));
          for (int64_t i = 0; i < blockRows; ++i)
            for (int64_t c = 0; c < blockCols; ++c) {
              Value *s = running[size_t(i * blockCols + c)];
              b.CreateStore(b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {partTy},
                                              {as[size_t(i)], bs[size_t(c)],
                                               b.CreateLoad(partTy, s)}),
                            s);
            }
        }
      });
      std::vector<Value *> sums;
      for (Value *s : running)
        sums.push_back(b.CreateLoad(partTy, s));
      sums = transposingSums(b, sums);
      const unsigned n = lanesOf(sums[0]);
      const llvm::Align align{uint64_t(realBytes)};
      auto addTo = [&](Value *r, Value *c, Value *v) { // out[r, c …] += v's lanes
        Value *dst = b.CreateInBoundsGEP(real, out.ptr, flat(r, cols, c));
        llvm::Type *ty = v->getType();
        dst = b.CreateBitCast(dst, ty->getPointerTo());
        b.CreateAlignedStore(b.CreateFAdd(b.CreateAlignedLoad(ty, dst, align), v), dst, align);
      };
      if (blockCols == cols && int64_t(n) * int64_t(sums.size()) == blockRows * blockCols) {
        // Whole rows: the block is contiguous in out, in the sums' order.
        for (size_t k = 0; k < sums.size(); ++k)
          addTo(r0, te.index(int64_t(k) * n), sums[k]);
      } else {
        // Row i's sums are lanes of one result: n ≥ min(sums, partLanes) ≥ blockCols, all
        // powers of two.
        for (int64_t i = 0; i < blockRows; ++i) {
          const unsigned first = unsigned(i * blockCols);
          Value *v = sums[first / n];
          std::vector<int> lanes;
          for (int64_t c = 0; c < blockCols; ++c)
            lanes.push_back(int(first % n + unsigned(c)));
          addTo(plus(r0, i), c0,
                blockCols == 1 ? b.CreateExtractElement(v, uint64_t(lanes[0]))
                               : b.CreateShuffleVector(v, v, lanes));
        }
      }
    }, blockCols, false);
  }, blockRows, false);
}

} // namespace odec::codegen
