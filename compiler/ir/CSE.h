// Common-subexpression elimination: structurally equal nodes become one node.
#pragma once

#include "ir/IR.h"

namespace odec::ir {

/// Rebuilds the outputs so that any two structurally identical subtrees are the same node.
Function cse(const Function &f);
std::vector<Expr> cse(const std::vector<Expr> &roots);

} // namespace odec::ir
