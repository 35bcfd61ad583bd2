// The only way to make IR nodes. Every builder checks its shape preconditions (a violation
// is an InternalError: user input has been checked by sema before lowering) and applies
// local algebraic simplification, so differentiation and lowering can build naively:
//   constant folding of any op whose arguments are all constants,
//   x + 0 = x, 0 + x = x, x - 0 = x, x * 1 = x, x * 0 = 0 (zeros of the result shape),
//   x / 1 = x, -(-x) = x, (x')' = x, transpose of a scalar/constant, broadcast to the same
//   shape = x, sumTo the same shape = x, 0 * A = 0 and A * 0 = 0 for matmul, and the transpose
//   or any slice of a broadcast scalar is that scalar broadcast to the new shape.
#pragma once

#include "ir/IR.h"

#include <optional>

namespace odec::ir {

Expr constant(Shape shape, std::vector<double> values);
Expr scalar(double v);
Expr fill(Shape shape, double v); // zeros(...), ones(...)
Expr identity(int n);             // I, n x n

Expr variable(std::string name, VarRole role, int index, Shape shape);

/// Elementwise unary op (Neg, Exp, ..., Heaviside).
Expr unary(Op op, Expr a);
/// Elementwise binary op on equal shapes (Add ... Min). A scalar operand is broadcast to
/// the other's shape automatically; other shape differences are an InternalError.
Expr binary(Op op, Expr a, Expr b);

Expr matmul(Expr a, Expr b);
Expr transpose(Expr a);
Expr broadcast(Expr a, Shape to);
Expr sumTo(Expr a, Shape to);
Expr slice(Expr a, int row0, int col0, Shape result);
Expr concat(std::vector<Expr> parts, int axis);

// Conveniences.
inline Expr neg(Expr a) { return unary(Op::Neg, std::move(a)); }
inline Expr add(Expr a, Expr b) { return binary(Op::Add, std::move(a), std::move(b)); }
inline Expr sub(Expr a, Expr b) { return binary(Op::Sub, std::move(a), std::move(b)); }
inline Expr mul(Expr a, Expr b) { return binary(Op::Mul, std::move(a), std::move(b)); }
inline Expr div(Expr a, Expr b) { return binary(Op::Div, std::move(a), std::move(b)); }
Expr sum(Expr a); // sumTo scalar
Expr zerosLike(const Expr &a);

/// The result shape of Julia broadcasting `a .op b` (dimensions equal or 1), or nullopt.
std::optional<Shape> broadcastShape(const Shape &a, const Shape &b);
/// The result shape of `a * b` under Julia's rules for vectors, rows and matrices, or nullopt.
std::optional<Shape> matmulShape(const Shape &a, const Shape &b);

} // namespace odec::ir
