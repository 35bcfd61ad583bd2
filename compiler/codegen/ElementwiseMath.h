// The scalar semantics of IR's elementwise ops (ir::evalUnary / ir::evalBinary) as LLVM IR,
// on a real or on a <W x real> across the trajectories of a batch chunk (real = double or
// float, read from the arguments' type).
//
// exp and tanh (and sigmoid and softplus's exponential through them) are inline IR from
// codegen/VectorMath.h, vectorized across the lanes, with the error bounds documented there.
// Functions with an LLVM intrinsic (log, sin, cos, sqrt, fabs, pow, maxnum, minnum) use it
// (on vectors LLVM scalarizes log/sin/cos/pow into libm calls); log1p calls the C library
// once per lane through callLibm.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/IR/IRBuilder.h>

namespace odec::codegen {

/// op applied to args (one for unary ops, two for binary ones), all of the same type.
llvm::Value *emitElementwise(llvm::IRBuilder<> &b, ir::Op op, llvm::ArrayRef<llvm::Value *> args);

/// Calls the C library's function `name` on each lane of args: the double one, or for float
/// arguments its float twin `name`f (log1pf, ...).
llvm::Value *callLibm(llvm::IRBuilder<> &b, llvm::StringRef name,
                      llvm::ArrayRef<llvm::Value *> args);

} // namespace odec::codegen
