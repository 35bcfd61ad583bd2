// The scalar semantics of IR's elementwise ops (ir::evalUnary / ir::evalBinary) as LLVM IR,
// on a double or on a <W x double> across the trajectories of a batch chunk.
//
// Functions with an LLVM intrinsic (exp, log, sin, cos, sqrt, fabs, pow, maxnum, minnum) use
// it; the rest (tanh, log1p) call the C library once per lane. Everything that calls libm goes
// through callLibm, the one place a vectorized implementation (SLEEF-style) would replace.
#pragma once

#include "ir/IR.h"

#include <llvm/ADT/ArrayRef.h>
#include <llvm/ADT/StringRef.h>
#include <llvm/IR/IRBuilder.h>

namespace odec::codegen {

/// op applied to args (one for unary ops, two for binary ones), all of the same type.
llvm::Value *emitElementwise(llvm::IRBuilder<> &b, ir::Op op, llvm::ArrayRef<llvm::Value *> args);

/// Calls the C library's double function `name` on each lane of args.
llvm::Value *callLibm(llvm::IRBuilder<> &b, llvm::StringRef name,
                      llvm::ArrayRef<llvm::Value *> args);

} // namespace odec::codegen
