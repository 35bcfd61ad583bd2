// IR's elementwise ops as LLVM IR, on a real or on a <W x real> across the trajectories of a
// batch chunk (real = double or float, read from the arguments' type): the op table's formulas
// (ir/OpTable.h) on LLVM primitives.
//
// exp and tanh (and sigmoid, softplus, silu, elu through them) are inline IR from
// codegen/VectorMath.h, vectorized across the lanes, with the error bounds documented there.
// Functions with an LLVM intrinsic (log, sin, cos, sqrt, fabs, pow, maxnum, minnum) use it
// (on vectors LLVM scalarizes log/sin/cos/pow into libm calls); log1p and erf (so gelu) call
// the C library once per lane through callLibm.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/IR/IRBuilder.h>

namespace odec::codegen {

/// op applied to args (one for unary ops, two for binary ones), all of the same type.
llvm::Value *emitElementwise(llvm::IRBuilder<> &b, ir::Op op, llvm::ArrayRef<llvm::Value *> args);

/// Node n's op applied to args (the values of n's arguments), as emitElementwise, except that
/// x^k with a whole-number constant exponent |k| ≤ 15 (y.^3) is a few multiplications instead
/// of a call of libm's pow per element (a fifth of the time of training torchdiffeq's
/// ode_demo field). They round ⌊log2 |k|⌋ + popcount(|k|) − 1 times and the roundings of the
/// squares compound, so x^k is within |k|/2 + 1 ulp of pow's (tested; 7 ulp at worst for
/// k = 15), and exact at pow's special values (0, ±inf, k = 0).
llvm::Value *emitElementwise(llvm::IRBuilder<> &b, const ir::Node &n,
                             llvm::ArrayRef<llvm::Value *> args);

/// Calls the C library's function `name` on each lane of args: the double one, or for float
/// arguments its float twin `name`f (log1pf, ...).
llvm::Value *callLibm(llvm::IRBuilder<> &b, llvm::StringRef name,
                      llvm::ArrayRef<llvm::Value *> args);

} // namespace odec::codegen
