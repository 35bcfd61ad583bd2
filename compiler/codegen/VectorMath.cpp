#include "codegen/VectorMath.h"

#include <llvm/IR/Intrinsics.h>

#include <initializer_list>
#include <utility>
#include <vector>

namespace odec::codegen {

using llvm::Value;

namespace {

Value *constant(Value *like, double v) { return llvm::ConstantFP::get(like->getType(), v); }

Value *unary(llvm::IRBuilder<> &b, llvm::Intrinsic::ID id, Value *x) {
  return b.CreateIntrinsic(id, {x->getType()}, {x});
}

/// c[0]·zⁿ + c[1]·zⁿ⁻¹ + … + c[n] by Horner's rule, each step one fused multiply-add.
Value *polynomial(llvm::IRBuilder<> &b, Value *z, std::initializer_list<double> c) {
  auto it = c.begin();
  Value *acc = constant(z, *it++);
  for (; it != c.end(); ++it)
    acc = b.CreateIntrinsic(llvm::Intrinsic::fma, {z->getType()}, {acc, z, constant(z, *it)});
  return acc;
}

bool isFloat(Value *x) { return x->getType()->getScalarType()->isFloatTy(); }

/// 2^n for integral n in the normal exponent range (double: −1022 ≤ n ≤ 1023, float:
/// −126 ≤ n ≤ 127), built in the exponent field.
Value *powerOfTwo(llvm::IRBuilder<> &b, Value *n) {
  llvm::Type *real = n->getType();
  const bool f = isFloat(n);
  llvm::Type *bits = f ? b.getInt32Ty() : b.getInt64Ty();
  if (auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(real))
    bits = llvm::FixedVectorType::get(bits, vt->getNumElements());
  Value *biased = b.CreateAdd(b.CreateFPToSI(n, bits), llvm::ConstantInt::get(bits, f ? 127 : 1023));
  return b.CreateBitCast(b.CreateShl(biased, llvm::ConstantInt::get(bits, f ? 23 : 52)), real);
}

/// c[0] + c[1]·z + … + c[n]·zⁿ by Estrin's scheme: pairs c[2i] + c[2i+1]·z, then pairs of
/// those with z², with z⁴, …: the same number of fused multiply-adds as Horner's rule, but a
/// dependency chain of about log₂ n of them instead of n (what a single trajectory waits on).
Value *estrin(llvm::IRBuilder<> &b, Value *z, std::vector<Value *> c) {
  Value *power = z;
  while (c.size() > 1) {
    std::vector<Value *> next;
    for (size_t i = 0; i + 1 < c.size(); i += 2)
      next.push_back(b.CreateIntrinsic(llvm::Intrinsic::fma, {z->getType()}, {c[i + 1], power, c[i]}));
    if (c.size() % 2)
      next.push_back(c.back());
    c = next;
    if (c.size() > 1)
      power = b.CreateFMul(power, power);
  }
  return c[0];
}

/// e^r for |r| ≤ ln2/2 in double: its Taylor polynomial of degree 13 (truncation error below
/// (ln2/2)^14/14! < 4.2e-18 relative) as 1 + (r + r²·S(r)), S by Estrin's scheme; r + r²S
/// is at most 0.42, so S's and that sum's roundings weigh little beside the last addition's.
/// Fourteen fused multiply-adds cost less than the one division of Cephes' rational form,
/// which the divider serializes.
Value *expReducedDouble(llvm::IRBuilder<> &b, Value *r) {
  std::vector<Value *> c;
  for (double v : {0.5, 0.16666666666666666, 0.041666666666666664, 0.008333333333333333, 0.001388888888888889, 0.0001984126984126984, 2.48015873015873e-05, 2.7557319223985893e-06, 2.755731922398589e-07, 2.505210838544172e-08, 2.08767569878681e-09, 1.6059043836821613e-10})
    c.push_back(constant(r, v));
  Value *tail = b.CreateIntrinsic(llvm::Intrinsic::fma, {r->getType()},
                                  {b.CreateFMul(r, r), estrin(b, r, c), r});
  return b.CreateFAdd(constant(r, 1.0), tail);
}

/// e^r for |r| ≤ ln2/2 in float: 1 + r + r²·P(r) (Cephes expf.c), no division.
Value *expReducedFloat(llvm::IRBuilder<> &b, Value *r) {
  Value *p = polynomial(b, r, {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3,
                               4.1665795894E-2, 1.6666665459E-1, 5.0000001201E-1});
  Value *sum = b.CreateIntrinsic(llvm::Intrinsic::fma, {r->getType()}, {p, b.CreateFMul(r, r), r});
  return b.CreateFAdd(sum, constant(r, 1.0));
}

/// e^x for x already clamped to where the result is finite (NaN not handled): 2^n · e^r with
/// n = rint(x / ln 2) and r = x − n·ln 2 (|r| ≤ ln2 / 2), ln 2 split in two (C1 + C2, C1
/// with few significant bits) so that n·C1 is exact. Returns e^r and n.
std::pair<Value *, Value *> expReduced(llvm::IRBuilder<> &b, Value *x) {
  namespace I = llvm::Intrinsic;
  const bool f = isFloat(x);
  const double c1 = f ? 0.693359375 : 6.93145751953125E-1;
  const double c2 = f ? -2.12194440E-4 : 1.42860682030941723212E-6;
  Value *n = unary(b, I::rint, b.CreateFMul(x, constant(x, 1.4426950408889634073599)));
  Value *r = b.CreateIntrinsic(I::fma, {x->getType()}, {n, constant(x, -c1), x});
  r = b.CreateIntrinsic(I::fma, {x->getType()}, {n, constant(x, -c2), r});
  return {f ? expReducedFloat(b, r) : expReducedDouble(b, r), n};
}

Value *isNaN(llvm::IRBuilder<> &b, Value *x) { return b.CreateFCmpUNO(x, x); }

} // namespace

// x is clamped first to where e^x is still finite and nonzero (double [−746, 710], float
// [−104, 89]); 2^n is applied as two factors 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), each in the normal range,
// so overflow gives inf and results in the subnormal range are rounded once, by the last
// multiplication.
Value *emitExp(llvm::IRBuilder<> &b, Value *x) {
  namespace I = llvm::Intrinsic;
  const bool f = isFloat(x);
  const double lo = f ? -104.0 : -746.0, hi = f ? 89.0 : 710.0;
  Value *xc = b.CreateIntrinsic(I::minnum, {x->getType()},
                                {b.CreateIntrinsic(I::maxnum, {x->getType()}, {x, constant(x, lo)}),
                                 constant(x, hi)});
  auto [er, n] = expReduced(b, xc);
  Value *half = unary(b, I::floor, b.CreateFMul(n, constant(x, 0.5)));
  Value *scaled = b.CreateFMul(b.CreateFMul(er, powerOfTwo(b, half)),
                               powerOfTwo(b, b.CreateFSub(n, half)));
  // The clamp replaced NaN by a bound; give it back.
  return b.CreateSelect(isNaN(b, x), x, scaled);
}

// tanh(x) = sign(x)·t(|x|). For |x| < 0.625, t = |x| + |x|·z·R(z) with z = x², R = P(z)/Q(z)
// in double (Cephes tanh.c) and a polynomial in float (Cephes tanhf.c); above,
// t = 1 − 2/(e^{2|x|} + 1), whose cancellation is harmless there (t ≥ 0.55). Both branches
// are computed (no branches in vector code); in double they share one division, by selecting
// its numerator and denominator first. 2|x| is clamped to 40, where 2/(e^40 + 1) < 2^−57 is
// below half an ulp of 1 in either precision, so t saturates to exactly 1 and e^{2|x|} stays
// in the normal range (one power-of-two factor suffices). NaN is not tested for: it survives
// every step (NaN·2^n, NaN/NaN) and comes out as a NaN.
Value *emitTanh(llvm::IRBuilder<> &b, Value *x) {
  namespace I = llvm::Intrinsic;
  Value *a = unary(b, I::fabs, x);
  Value *z = b.CreateFMul(x, x);
  Value *isSmall = b.CreateFCmpOLT(a, constant(x, 0.625));
  // min(2|x|, 40) with NaN kept (the compare is false for NaN), which x86's min instruction
  // computes in one; NaN then propagates through every operation below to the result.
  Value *twoA = b.CreateFAdd(a, a), *bound = constant(x, 40.0);
  auto [er, n] = expReduced(b, b.CreateSelect(b.CreateFCmpOGT(twoA, bound), bound, twoA));
  Value *denLarge = b.CreateFAdd(b.CreateFMul(er, powerOfTwo(b, n)), constant(x, 1.0));
  Value *ratio, *quotient; // R(z) and, in double, 2/(e^{2|x|} + 1): one of the two is used
  if (isFloat(x)) {
    ratio = polynomial(b, z, {-5.70498872745E-3, 2.06390887954E-2, -5.37397155531E-2,
                              1.33314422036E-1, -3.33332819422E-1});
    quotient = b.CreateFDiv(constant(x, 2.0), denLarge);
  } else {
    Value *num = b.CreateSelect(
        isSmall,
        polynomial(b, z, {-9.64399179425052238628E-1, -9.92877231001918586564E1,
                          -1.61468768441708447952E3}),
        constant(x, 2.0));
    Value *den = b.CreateSelect(isSmall,
                                polynomial(b, z, {1.0, 1.12811678491632931402E2,
                                                  2.23548839060100448583E3,
                                                  4.84406305325125486048E3}),
                                denLarge);
    ratio = quotient = b.CreateFDiv(num, den);
  }
  Value *small = b.CreateIntrinsic(I::fma, {x->getType()}, {b.CreateFMul(a, z), ratio, a});
  Value *large = b.CreateFSub(constant(x, 1.0), quotient);
  // On |x| both branches are ≥ +0, so copysign restores the sign, that of −0 included.
  return b.CreateIntrinsic(I::copysign, {x->getType()}, {b.CreateSelect(isSmall, small, large), x});
}

} // namespace odec::codegen
