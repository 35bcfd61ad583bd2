// Point evaluation of any IR function as one LLVM function:
//
//   void name(const double *inputs, double *outputs)            (the ABI of jit::PointFn)
//
// inputs: the Function's inputs concatenated in order, each row-major; outputs likewise.
// Every value is uniform (there is no batch), so the whole function is the evaluator's
// prologue followed by copies into outputs. Variables of every role are inputs here.
#pragma once

#include "ir/IR.h"

#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>

#include <string>

namespace odec::codegen {

/// Total elements of the given expressions (the lengths of the inputs and outputs buffers).
int64_t totalElements(const std::vector<ir::Expr> &exprs);

/// Adds the point function to m. InternalError when an output uses a Variable that is not one
/// of f's inputs, or an input is not a Variable.
llvm::Function *emitPointFunction(llvm::Module &m, const ir::Function &f, const std::string &name);

} // namespace odec::codegen
