// The derivative rule of every IR op, forward and reverse. The sweeps in Derivative.cpp know
// nothing about individual ops. Elementwise ops' partial derivatives are their OpDefs' in
// ir/OpTable.h (beside their values); the structural ops' rules are here.
//
// Conventions shared by both directions:
//  - a null Expr is an exact zero (no contribution), so inactive paths build nothing;
//  - rules only build ordinary IR through ir/Builder.h, so derivatives differentiate again;
//  - rules reuse the node being differentiated (`y`) where its value appears in the
//    derivative (tanh′ = 1 − y², exp′ = y), so shared subterms stay shared.
#pragma once

#include "ir/IR.h"

#include <vector>

namespace odec::ad {

/// Tangent of y given the tangents of its arguments (one per argument, null = zero);
/// null when the result is zero. Shaped like y.
ir::Expr pushforward(const ir::Expr &y, const std::vector<ir::Expr> &argTangents);

/// Contributions of y's adjoint to the adjoints of its arguments, for the arguments marked
/// in `wanted` (one flag per argument); null for the others and for zero contributions.
/// Each contribution is shaped like its argument.
std::vector<ir::Expr> pullback(const ir::Expr &y, const ir::Expr &adjoint,
                               const std::vector<bool> &wanted);

/// e with the shape `to`, whose sizes must equal e's: the IR tells a Vector{n} from a
/// Matrix{n,1} and a Real from a Matrix{1,1}, and matrix calculus sometimes produces the
/// one where the other is needed.
ir::Expr conform(const ir::Expr &e, const Shape &to);

} // namespace odec::ad
