// exp and tanh as straight-line LLVM IR on a real or a <W x real> (double or float, read from
// the value's type), so that the fused solvers keep every lane in SIMD registers instead of
// calling libm once per lane (which scalarizes the whole chunk: the main cost of an MLP field
// before this module existed).
//
// Both are branch-free (selects, no calls) and handle every input: ±inf, NaN (propagated),
// overflow to +inf, underflow through the subnormals to 0, and signed zero.
//
// Accuracy, measured by tests/unit/jit/VectorMathTest.cpp over a dense sweep (see that test for
// the grids), exp against glibc's exp, tanh against glibc's long double tanhl (glibc's double
// tanh is itself up to 2.1 ulp off):
//   emitExp:  x in [−708, 709.7] (normal results): ≤ 2 ulp asserted (measured max 1 ulp,
//             1.5e-16 relative); subnormal results within 2·2^−1074 absolute;
//   emitTanh: every x: ≤ 2 ulp asserted (measured max 2 ulp, 2.2e-16 relative).
// On float (or <W x float>) values, in float ulps against glibc's expf/tanhf:
//   emitExp:  x in [−87.3, 88.72] (normal results): ≤ 2 ulp asserted (measured max 1 ulp,
//             1.2e-7 relative); subnormal results within 2·2^−149 absolute;
//   emitTanh: every x: ≤ 3 ulp asserted (measured max 3 ulp, 2.6e-7 relative).
// exp reduces its argument to x = n·ln 2 + r, |r| ≤ ln2/2, and evaluates e^r by a polynomial:
// in double the degree-13 Taylor polynomial (Estrin's scheme, no division), in float Cephes'
// expf.c (S. L. Moshier, Cephes Math Library; minimax-fitted for that range). tanh is
// m/(m + 2) with m = e^{2|x|} − 1 from the same reduction with 0 ≤ r < ln 2 (so that m has
// no cancellation) and, in double, a polynomial of degree 12 fitted at Chebyshev nodes (in
// float Taylor's of degree 9): one division, no other branch. The 2 ulp come from m, m + 2
// and the quotient each being rounded.
#pragma once

#include <llvm/IR/IRBuilder.h>

namespace odec::codegen {

/// e^x, lane-wise.
llvm::Value *emitExp(llvm::IRBuilder<> &b, llvm::Value *x);

/// tanh(x), lane-wise.
llvm::Value *emitTanh(llvm::IRBuilder<> &b, llvm::Value *x);

} // namespace odec::codegen
