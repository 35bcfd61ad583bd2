// A slow, obviously-correct evaluator of IR, used as the reference for code generation
// and for constant folding. Not used on any hot path.
#pragma once

#include "ir/IR.h"

#include <functional>
#include <vector>

namespace odec::ir {

/// Values of Variable nodes: called with the Variable node, returns its rows*cols values
/// (row-major).
using VariableValues = std::function<std::vector<double>(const Node &var)>;

/// Evaluates e; shared nodes are evaluated once.
std::vector<double> evaluate(const Expr &e, const VariableValues &vars);
/// Evaluates every output of f, with inputs bound in order of f.inputs.
std::vector<std::vector<double>> evaluate(const Function &f,
                                          const std::vector<std::vector<double>> &inputs);

/// Scalar semantics of each elementwise op (shared by folding, the interpreter and tests).
double evalUnary(Op op, double x);
double evalBinary(Op op, double a, double b);

} // namespace odec::ir
