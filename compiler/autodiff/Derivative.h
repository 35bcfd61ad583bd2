// Symbolic differentiation of the tensor IR: IR in, IR out.
//
// Derivatives are taken at tensor level with matrix calculus (a MatMul's adjoint is two
// MatMuls, never a loop over elements). Reverse mode walks the DAG of the outputs once, in
// reverse topological order, accumulating one adjoint per node (memoized on node identity),
// so a subterm shared by several outputs or used twice is differentiated once; forward mode
// walks it once in topological order, one tangent per node. The per-op rules live in
// autodiff/Rules.h.
//
// Results are ordinary IR built through ir/Builder.h, so they can be printed, compiled and
// differentiated again (a Hessian is the derivative of a gradient). They reuse the nodes of
// the expression being differentiated (tanh′ is written with the tanh node itself), and a
// derivative with respect to a variable that an output does not depend on is an exact zero
// Constant, which the builders then fold away wherever it is used.
//
// Arguments that violate the shape contracts below are compiler bugs: InternalError.
#pragma once

#include "ir/IR.h"

#include <vector>

namespace odec::ad {

/// Gradient of a Real-valued expression with respect to a Variable node: same shape as var.
ir::Expr gradient(const ir::Expr &scalar, const ir::Expr &var);

/// Jacobian of a Vector (or Real) expression f with respect to a Vector (or Real) Variable x:
/// Matrix{len f, len x} (dense). Built from len f reverse sweeps (one row each) when
/// len f <= len x, otherwise from len x forward sweeps (one column each): every sweep costs
/// about one evaluation of f, so the smaller count gives the smaller expression.
ir::Expr jacobian(const ir::Expr &f, const ir::Expr &var);

/// Reverse mode for several outputs at once: given cotangents (one per output, same shapes),
/// returns Σ_i ⟨cot_i, ∂out_i/∂w⟩ for each w in wrt (shaped like w). Shared subterms are
/// differentiated once. Every w must be a Variable node.
std::vector<ir::Expr> vjp(const std::vector<ir::Expr> &outputs,
                          const std::vector<ir::Expr> &cotangents,
                          const std::vector<ir::Expr> &wrt);

/// Forward mode: Σ_j ∂out/∂wrt_j · tangents_j for each output (shaped like the output).
/// Every wrt_j must be a Variable node; tangents_j has its shape.
std::vector<ir::Expr> jvp(const std::vector<ir::Expr> &outputs, const std::vector<ir::Expr> &wrt,
                          const std::vector<ir::Expr> &tangents);

} // namespace odec::ad
