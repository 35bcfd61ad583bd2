#include "codegen/ElementwiseMath.h"

#include "codegen/VectorMath.h"

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

Value *emitElementwise(llvm::IRBuilder<> &b, ir::Op op, llvm::ArrayRef<Value *> args) {
  using ir::Op;
  namespace I = llvm::Intrinsic;
  Value *x = args[0];
  Value *zero = constantLike(x, 0.0), *one = constantLike(x, 1.0);
  switch (op) {
  case Op::Neg: return b.CreateFNeg(x);
  case Op::Exp: return emitExp(b, x);
  case Op::Log: return intrinsic(b, I::log, {x});
  case Op::Sin: return intrinsic(b, I::sin, {x});
  case Op::Cos: return intrinsic(b, I::cos, {x});
  case Op::Sqrt: return intrinsic(b, I::sqrt, {x});
  case Op::Abs: return intrinsic(b, I::fabs, {x});
  case Op::Tanh: return emitTanh(b, x);
  // 1 / (1 + e^-x)
  case Op::Sigmoid:
    return b.CreateFDiv(one, b.CreateFAdd(one, emitExp(b, b.CreateFNeg(x))));
  case Op::Relu: return b.CreateSelect(b.CreateFCmpOGT(x, zero), x, zero);
  // max(x, 0) + log1p(e^-|x|): log(1 + e^x) without overflow.
  case Op::Softplus: {
    Value *tail =
        callLibm(b, "log1p", {emitExp(b, b.CreateFNeg(intrinsic(b, I::fabs, {x})))});
    return b.CreateFAdd(intrinsic(b, I::maxnum, {x, zero}), tail);
  }
  case Op::Sign:
    return b.CreateSelect(b.CreateFCmpOGT(x, zero), one,
                          b.CreateSelect(b.CreateFCmpOLT(x, zero), constantLike(x, -1.0), zero));
  case Op::Heaviside: return b.CreateSelect(b.CreateFCmpOGT(x, zero), one, zero);
  case Op::Add: return b.CreateFAdd(x, args[1]);
  case Op::Sub: return b.CreateFSub(x, args[1]);
  case Op::Mul: return b.CreateFMul(x, args[1]);
  case Op::Div: return b.CreateFDiv(x, args[1]);
  case Op::Pow:
    return intrinsic(b, I::pow, {x, args[1]});
  case Op::Max: return intrinsic(b, I::maxnum, {x, args[1]});
  case Op::Min: return intrinsic(b, I::minnum, {x, args[1]});
  default:
    throw InternalError(std::string("codegen: not an elementwise op: ") + ir::opInfo(op).name);
  }
}

Value *emitElementwise(llvm::IRBuilder<> &b, const ir::Node &n, llvm::ArrayRef<Value *> args) {
  if (n.op == ir::Op::Pow)
    if (std::optional<int> k = smallIntegerExponent(*n.args[1]))
      return integerPower(b, args[0], *k);
  return emitElementwise(b, n.op, args);
}

} // namespace odec::codegen
