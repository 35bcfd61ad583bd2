#include "codegen/ElementwiseMath.h"

#include "codegen/VectorMath.h"

#include "ir/OpTable.h"
#include "support/InternalError.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Module.h>

#include <cmath>
#include <optional>
#include <string>

namespace odec::codegen {

using llvm::Value;

namespace {

Value *intrinsic(llvm::IRBuilder<> &b, llvm::Intrinsic::ID id, llvm::ArrayRef<Value *> args) {
  return b.CreateIntrinsic(id, {args[0]->getType()}, args);
}

Value *constantLike(Value *x, double v) { return llvm::ConstantFP::get(x->getType(), v); }

constexpr int kMaxIntegerExponent = 15;

// The exponent of x^k when it is a constant whole number, all elements equal, |k| ≤ 15.
std::optional<int> smallIntegerExponent(const ir::Node &k) {
  if (!k.isConstant() || k.values.empty())
    return std::nullopt;
  const double v = k.values[0];
  if (!k.isConstantValue(v) || v != std::round(v) || std::abs(v) > kMaxIntegerExponent)
    return std::nullopt;
  return int(v);
}

// x^n by binary powering; n < 0 is 1 / x^|n| (so 0^-1 = inf, as pow gives).
Value *integerPower(llvm::IRBuilder<> &b, Value *x, int n) {
  Value *result = nullptr, *square = x;
  for (int bits = std::abs(n); bits; bits >>= 1) {
    if (bits & 1)
      result = result ? b.CreateFMul(result, square) : square;
    if (bits > 1)
      square = b.CreateFMul(square, square);
  }
  if (!result)
    return constantLike(x, 1.0); // pow(x, 0) = 1 for every x, NaN included
  return n < 0 ? b.CreateFDiv(constantLike(x, 1.0), result) : result;
}

} // namespace

Value *callLibm(llvm::IRBuilder<> &b, llvm::StringRef name, llvm::ArrayRef<Value *> args) {
  llvm::Module *m = b.GetInsertBlock()->getModule();
  llvm::Type *real = args[0]->getType()->getScalarType();
  const std::string symbol = (name + (real->isFloatTy() ? "f" : "")).str();
  llvm::SmallVector<llvm::Type *, 2> params(args.size(), real);
  llvm::FunctionCallee fn =
      m->getOrInsertFunction(symbol, llvm::FunctionType::get(real, params, false));
  if (auto *f = llvm::dyn_cast<llvm::Function>(fn.getCallee())) {
    // errno is never read, so the calls are pure and may be hoisted or dropped.
    f->setDoesNotThrow();
    f->setDoesNotAccessMemory();
  }
  auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(args[0]->getType());
  if (!vt)
    return b.CreateCall(fn, args);
  Value *out = llvm::UndefValue::get(vt);
  for (unsigned lane = 0; lane < vt->getNumElements(); ++lane) {
    llvm::SmallVector<Value *, 2> scalars;
    for (Value *a : args)
      scalars.push_back(b.CreateExtractElement(a, lane));
    out = b.CreateInsertElement(out, b.CreateCall(fn, scalars), lane);
  }
  return out;
}

namespace {

// The LLVM backend of the op table (ir/OpTable.h): each primitive on a real or on <W x real>.
struct LlvmMath {
  using V = Value *;
  llvm::IRBuilder<> &b;

  Value *c(Value *like, double v) { return constantLike(like, v); }
  Value *neg(Value *a) { return b.CreateFNeg(a); }
  Value *add(Value *x, Value *y) { return b.CreateFAdd(x, y); }
  Value *sub(Value *x, Value *y) { return b.CreateFSub(x, y); }
  Value *mul(Value *x, Value *y) { return b.CreateFMul(x, y); }
  Value *div(Value *x, Value *y) { return b.CreateFDiv(x, y); }
  Value *pow(Value *x, Value *y) { return intrinsic(b, llvm::Intrinsic::pow, {x, y}); }
  Value *max(Value *x, Value *y) { return intrinsic(b, llvm::Intrinsic::maxnum, {x, y}); }
  Value *min(Value *x, Value *y) { return intrinsic(b, llvm::Intrinsic::minnum, {x, y}); }
  Value *exp(Value *a) { return emitExp(b, a); }
  Value *log(Value *a) { return intrinsic(b, llvm::Intrinsic::log, {a}); }
  Value *log1p(Value *a) { return callLibm(b, "log1p", {a}); }
  Value *sin(Value *a) { return intrinsic(b, llvm::Intrinsic::sin, {a}); }
  Value *cos(Value *a) { return intrinsic(b, llvm::Intrinsic::cos, {a}); }
  Value *tanh(Value *a) { return emitTanh(b, a); }
  Value *sqrt(Value *a) { return intrinsic(b, llvm::Intrinsic::sqrt, {a}); }
  Value *abs(Value *a) { return intrinsic(b, llvm::Intrinsic::fabs, {a}); }
  // No intrinsic: libm's erf per lane, like log1p (exact to libm's accuracy, not vectorized).
  Value *erf(Value *a) { return callLibm(b, "erf", {a}); }
  Value *positive(Value *x, Value *then, Value *otherwise) {
    return b.CreateSelect(b.CreateFCmpOGT(x, constantLike(x, 0)), then, otherwise);
  }
  Value *negative(Value *x, Value *then, Value *otherwise) {
    return b.CreateSelect(b.CreateFCmpOLT(x, constantLike(x, 0)), then, otherwise);
  }
};

} // namespace

Value *emitElementwise(llvm::IRBuilder<> &b, ir::Op op, llvm::ArrayRef<Value *> args) {
  LlvmMath m{b};
  return ir::elementwiseValue(m, op, args[0], args.size() > 1 ? args[1] : args[0]);
}

Value *emitElementwise(llvm::IRBuilder<> &b, const ir::Node &n, llvm::ArrayRef<Value *> args) {
  if (n.op == ir::Op::Pow)
    if (std::optional<int> k = smallIntegerExponent(*n.args[1]))
      return integerPower(b, args[0], *k);
  return emitElementwise(b, n.op, args);
}

} // namespace odec::codegen
