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

/// a·x + c, fused where the target has fused multiply-adds (llvm.fmuladd). Strict llvm.fma
/// would be a libm call per lane on x86-64-v2 (no FMA instructions): ten times slower code.
/// Nothing below needs the single rounding: n·C1 and 2^n·(e^r − 1) are exact products, and an
/// unfused polynomial step adds at most half an ulp of its own term (the bounds in
/// VectorMath.h hold at every level; tests/unit/jit/VectorMathTest.cpp checks each).
Value *mulAdd(llvm::IRBuilder<> &b, Value *a, Value *x, Value *c) {
  return b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {x->getType()}, {a, x, c});
}

/// c[0]·zⁿ + c[1]·zⁿ⁻¹ + … + c[n] by Horner's rule, each step one fused multiply-add.
Value *polynomial(llvm::IRBuilder<> &b, Value *z, std::initializer_list<double> c) {
  auto it = c.begin();
  Value *acc = constant(z, *it++);
  for (; it != c.end(); ++it)
    acc = mulAdd(b, acc, z, constant(z, *it));
  return acc;
}

bool isFloat(Value *x) { return x->getType()->getScalarType()->isFloatTy(); }

/// 2^n for integral n in the normal exponent range (double: −1022 ≤ n ≤ 1023, float:
/// −126 ≤ n ≤ 127), built in the exponent field. n + bias lands in the low mantissa bits of
/// n + (1.5·2^52 + bias) (1.5·2^23 in float), exactly; the shift moves it into the exponent
/// field and the magic number's own bits out of the word. No float-to-integer conversion:
/// packed double → int64 needs AVX-512DQ, and below it LLVM converts lane by lane (eight
/// scalar conversions per AVX2 register pair in tanh's loop).
Value *powerOfTwo(llvm::IRBuilder<> &b, Value *n) {
  llvm::Type *real = n->getType();
  const bool f = isFloat(n);
  llvm::Type *bits = f ? b.getInt32Ty() : b.getInt64Ty();
  if (auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(real))
    bits = llvm::FixedVectorType::get(bits, vt->getNumElements());
  const double shifter = f ? 0x1.8p23 + 127 : 0x1.8p52 + 1023;
  Value *biased = b.CreateBitCast(b.CreateFAdd(n, constant(n, shifter)), bits);
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
      next.push_back(mulAdd(b, c[i + 1], power, c[i]));
    if (c.size() % 2)
      next.push_back(c.back());
    c = next;
    if (c.size() > 1)
      power = b.CreateFMul(power, power);
  }
  return c[0];
}

/// r + r²·(1/2! + r/3! + … + r^(d−2)/d!), e^r − 1 by its Taylor polynomial of degree d, the
/// tail by Estrin's scheme. Fused multiply-adds cost less than the one division of Cephes'
/// rational form, which the divider serializes.
Value *expm1Taylor(llvm::IRBuilder<> &b, Value *r, int degree) {
  std::vector<Value *> c;
  double factorial = 2;
  for (int k = 2; k <= degree; factorial *= ++k)
    c.push_back(constant(r, 1.0 / factorial));
  return mulAdd(b, b.CreateFMul(r, r), estrin(b, r, c), r);
}

/// e^r − 1 for 0 ≤ r < ln 2 in double: r + r²·P(r), P of degree 10 fitted to (e^r − 1 − r)/r²
/// at Chebyshev nodes of [0, ln 2] (mpmath's chebyfit at 50 digits), by Estrin's scheme.
/// Relative error < 1.3e-18 with the coefficients rounded to double, against Taylor's 5.5e-18
/// at degree 16: four fused multiply-adds fewer, and tanh (its one user) is bound by them
/// (docs/performance.md, section 12).
Value *expm1FittedDouble(llvm::IRBuilder<> &b, Value *r) {
  std::vector<Value *> c;
  for (double v :
       {0.5, 0.16666666666666605, 0.04166666666670265, 0.008333333332525018, 0.0013888888981905408,
        0.0001984126360594814, 2.480184735670985e-05, 2.755037500589881e-06, 2.7675822427424673e-07,
        2.3809145859037096e-08, 2.8057924179166324e-09})
    c.push_back(constant(r, v));
  return mulAdd(b, b.CreateFMul(r, r), estrin(b, r, c), r);
}

/// The same in float, P of degree 5 (fitted likewise; coefficients rounded to float):
/// relative error < 2.5e-9, against Taylor's 7e-9 at degree 9, two fused multiply-adds fewer.
Value *expm1FittedFloat(llvm::IRBuilder<> &b, Value *r) {
  std::vector<Value *> c;
  for (double v : {0.5, 0.16666683554649353, 0.04166371747851372, 0.008351285941898823,
                   0.001339999958872795, 0.0002582843881100416})
    c.push_back(constant(r, v));
  return mulAdd(b, b.CreateFMul(r, r), estrin(b, r, c), r);
}

/// e^r − 1 for |r| ≤ ln2/2 in float: r + r²·P(r) (Cephes expf.c), no division.
Value *expm1CephesFloat(llvm::IRBuilder<> &b, Value *r) {
  Value *p = polynomial(b, r,
                        {1.9875691500E-4, 1.3981999507E-3, 8.3334519073E-3, 4.1665795894E-2,
                         1.6666665459E-1, 5.0000001201E-1});
  return mulAdd(b, p, b.CreateFMul(r, r), r);
}

/// How exp's argument is reduced to x = n·ln 2 + r.
enum class Reduction {
  Nearest, // n = rint(x / ln 2), |r| ≤ ln2/2: the shortest polynomial
  Floor, // n = ⌊x / ln 2⌋, 0 ≤ r < ln 2: e^r − 1 ≥ 0, so 2^n·(e^r − 1) + (2^n − 1) adds
         // two non-negative terms (no cancellation in e^x − 1)
};

/// For x already clamped to where e^x is finite (NaN passes through): n and e^r − 1 with
/// x = n·ln 2 + r, so that e^x = 2^n · (1 + (e^r − 1)). ln 2 is split in two (C1 + C2, C1 of
/// few significant bits) so that n·C1 is exact. Polynomials: double Nearest Taylor's of
/// degree 13 (< 4.2e-18 relative, by Taylor's bound |r|^(d+1)/(d+1)!), Floor the fitted one
/// of degree 12 (< 1.3e-18); float Nearest Cephes' expf.c, Floor the fitted one of degree 7
/// (< 2.5e-9).
std::pair<Value *, Value *> expm1Reduced(llvm::IRBuilder<> &b, Value *x, Reduction reduction) {
  namespace I = llvm::Intrinsic;
  const bool f = isFloat(x), nearest = reduction == Reduction::Nearest;
  const double c1 = f ? 0.693359375 : 6.93145751953125E-1;
  const double c2 = f ? -2.12194440E-4 : 1.42860682030941723212E-6;
  Value *n = unary(b, nearest ? I::rint : I::floor,
                   b.CreateFMul(x, constant(x, 1.4426950408889634073599)));
  Value *r = mulAdd(b, n, constant(x, -c1), x);
  r = mulAdd(b, n, constant(x, -c2), r);
  if (f && nearest)
    return {expm1CephesFloat(b, r), n};
  if (!nearest)
    return {f ? expm1FittedFloat(b, r) : expm1FittedDouble(b, r), n};
  return {expm1Taylor(b, r, 13), n};
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
  Value *xc = b.CreateIntrinsic(
      I::minnum, {x->getType()},
      {b.CreateIntrinsic(I::maxnum, {x->getType()}, {x, constant(x, lo)}), constant(x, hi)});
  auto [em1, n] = expm1Reduced(b, xc, Reduction::Nearest);
  Value *er = b.CreateFAdd(constant(x, 1.0), em1);
  Value *half = unary(b, I::floor, b.CreateFMul(n, constant(x, 0.5)));
  Value *scaled =
      b.CreateFMul(b.CreateFMul(er, powerOfTwo(b, half)), powerOfTwo(b, b.CreateFSub(n, half)));
  // The clamp replaced NaN by a bound; give it back.
  return b.CreateSelect(isNaN(b, x), x, scaled);
}

// tanh(x) = sign(x)·t(|x|) with t(a) = m / (m + 2), m = e^{2a} − 1 = 2^n·(e^r − 1) + (2^n − 1)
// (Reduction::Floor): for n = 0 (2a < ln 2) m is e^r − 1 itself, accurate however small a is
// (down to the subnormals, where m = 2a and t = a), and for n ≥ 1 the fused multiply-add
// rounds once a sum of two non-negative terms (2^n·(e^r − 1) is exact, fused or not). One division,
// and no branch between small and large |x| (Cephes' tanh.c needs a rational approximation below
// 0.625 and two divisions). 2a is clamped to 40, where 2/(e^40 + 1) < 2^−57 is below half an ulp of
// 1 in either precision, so t saturates to exactly 1 and 2^n stays in the normal range. NaN needs
// no test of its own: e^r − 1 carries it through to the result.
Value *emitTanh(llvm::IRBuilder<> &b, Value *x) {
  namespace I = llvm::Intrinsic;
  Value *a = unary(b, I::fabs, x);
  // min(2|x|, 40) with NaN kept (the compare is false for NaN), which x86's min instruction
  // computes in one.
  Value *twoA = b.CreateFAdd(a, a), *bound = constant(x, 40.0);
  auto [em1, n] =
      expm1Reduced(b, b.CreateSelect(b.CreateFCmpOGT(twoA, bound), bound, twoA), Reduction::Floor);
  // n ≥ 0 here, or NaN: then scale is some number and e^r − 1 carries the NaN to the result.
  Value *scale = powerOfTwo(b, n);
  Value *m = mulAdd(b, scale, em1, b.CreateFSub(scale, constant(x, 1.0)));
  Value *t = b.CreateFDiv(m, b.CreateFAdd(m, constant(x, 2.0)));
  // t ≥ +0, so copysign restores the sign, that of −0 included.
  return b.CreateIntrinsic(I::copysign, {x->getType()}, {t, x});
}

} // namespace odec::codegen
