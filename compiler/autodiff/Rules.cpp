#include "autodiff/Rules.h"

#include "ir/Builder.h"
#include "ir/OpTable.h"
#include "support/InternalError.h"

#include <array>

namespace odec::ad {

using ir::Expr;
using ir::Node;
using ir::Op;

Expr conform(const Expr &e, const Shape &to) {
  if (e->shape == to)
    return e;
  internalCheck(e->shape.rows == to.rows && e->shape.cols == to.cols,
                "autodiff: conform between shapes of different sizes");
  return ir::slice(e, 0, 0, to); // the whole block: a change of kind only
}

namespace {

Expr addOrNull(const Expr &a, const Expr &b) {
  if (!a)
    return b;
  if (!b)
    return a;
  return ir::add(a, b);
}

/// s ∘ d: a sensitivity (tangent or adjoint) times an elementwise partial derivative.
Expr scaled(const Expr &s, const Expr &d) {
  if (!d)
    return nullptr;
  if (d->isConstantValue(-1))
    return ir::neg(s);
  return ir::mul(s, d);
}

bool isElementwise(Op op) {
  ir::OpCategory k = ir::opInfo(op).category;
  return k == ir::OpCategory::Unary || k == ir::OpCategory::Binary;
}

/// g placed at (row0, col0) in zeros of shape `whole`: the adjoint of Slice, built from
/// Concat so that it stays ordinary (and differentiable) IR.
Expr placeInZeros(const Expr &g, int row0, int col0, const Shape &whole) {
  // Pieces of a Vector (RowVector) are Vectors (RowVectors), so concat keeps the kind.
  auto block = [&](int rows, int cols) {
    if (cols == 1 && whole.kind == Shape::Kind::Vector)
      return Shape::vector(rows);
    if (rows == 1 && whole.kind == Shape::Kind::RowVector)
      return Shape::rowVector(cols);
    return Shape::matrix(rows, cols);
  };
  // mid with `before` zeros ahead of it and `after` zeros behind it along axis.
  auto pad = [&](Expr mid, int before, int after, int axis) {
    if (before == 0 && after == 0)
      return mid;
    auto zeros = [&](int count) {
      return ir::fill(axis == 0 ? block(count, mid->shape.cols) : block(mid->shape.rows, count), 0);
    };
    std::vector<Expr> parts;
    if (before > 0)
      parts.push_back(zeros(before));
    parts.push_back(mid);
    if (after > 0)
      parts.push_back(zeros(after));
    return ir::concat(std::move(parts), axis);
  };
  const int rows = g->shape.rows, cols = g->shape.cols;
  if (rows == whole.rows && cols == whole.cols)
    return conform(g, whole);
  Expr row = pad(conform(g, block(rows, cols)), col0, whole.cols - col0 - cols, 1);
  return conform(pad(row, row0, whole.rows - row0 - rows, 0), whole);
}

} // namespace

Expr pushforward(const Expr &y, const std::vector<Expr> &t) {
  const Node &n = *y;
  bool any = false;
  for (const Expr &ti : t)
    any = any || ti;
  if (!any || n.op == Op::Constant || n.op == Op::Variable)
    return nullptr; // a Variable's tangent is the sweep's seed

  if (isElementwise(n.op)) {
    auto d = ir::elementwisePartials(y, {bool(t[0]), t.size() > 1 && t[1]});
    Expr sum;
    for (size_t i = 0; i < t.size(); ++i)
      if (t[i])
        sum = addOrNull(sum, scaled(t[i], d[i])); // arguments are shaped like y
    return sum;
  }

  const Expr &a = n.args[0];
  switch (n.op) {
  case Op::MatMul: { // d(A B) = dA B + A dB
    const Expr &b = n.args[1];
    return addOrNull(t[0] ? conform(ir::matmul(t[0], b), n.shape) : nullptr,
                     t[1] ? conform(ir::matmul(a, t[1]), n.shape) : nullptr);
  }
  // The remaining ops are linear: the tangent is the op applied to the tangents.
  case Op::Transpose: return conform(ir::transpose(t[0]), n.shape);
  case Op::Broadcast: return ir::broadcast(t[0], n.shape);
  case Op::SumTo: return ir::sumTo(t[0], n.shape);
  case Op::Slice: return ir::slice(t[0], n.attr0, n.attr1, n.shape);
  case Op::Concat: {
    std::vector<Expr> parts;
    for (size_t i = 0; i < t.size(); ++i)
      parts.push_back(t[i] ? t[i] : ir::zerosLike(n.args[i]));
    return conform(ir::concat(std::move(parts), n.attr0), n.shape);
  }
  default: throw InternalError("autodiff: no forward rule for op");
  }
}

std::vector<Expr> pullback(const Expr &y, const Expr &g, const std::vector<bool> &wanted) {
  const Node &n = *y;
  std::vector<Expr> out(n.args.size());
  if (n.op == Op::Constant || n.op == Op::Variable)
    return out;
  // Sets argument i's contribution to rule(), shaped like the argument, if it is wanted.
  auto give = [&](size_t i, auto rule) {
    if (wanted[i])
      out[i] = conform(rule(), n.args[i]->shape);
  };

  if (isElementwise(n.op)) {
    auto d = ir::elementwisePartials(y, {wanted[0], wanted.size() > 1 && wanted[1]});
    for (size_t i = 0; i < out.size(); ++i)
      if (wanted[i] && d[i])
        out[i] = scaled(g, d[i]);
    return out;
  }

  const Expr &a = n.args[0];
  switch (n.op) {
  case Op::MatMul: { // d(A B): Ā += Ḡ Bᵀ, B̄ += Aᵀ Ḡ  (Ḡ is a Real for x' * y: a scaling)
    const Expr &b = n.args[1];
    give(0, [&] { return ir::matmul(g, ir::transpose(b)); });
    give(1, [&] { return ir::matmul(ir::transpose(a), g); });
    break;
  }
  case Op::Transpose: // d(Aᵀ): Ā += Ḡᵀ
    give(0, [&] { return ir::transpose(g); });
    break;
  case Op::Broadcast: // Broadcast and SumTo are each other's adjoints: Ā += sumTo(Ḡ, shape A)
    give(0, [&] { return ir::sumTo(g, a->shape); });
    break;
  case Op::SumTo: // Ā += broadcast(Ḡ, shape A)
    give(0, [&] { return ir::broadcast(g, a->shape); });
    break;
  case Op::Slice: // d(A[block]): Ā += Ḡ placed at the block's corner in zeros of A's shape
    give(0, [&] { return placeInZeros(g, n.attr0, n.attr1, a->shape); });
    break;
  case Op::Concat: { // d([A₁; A₂; …]): Āᵢ += the block of Ḡ where Aᵢ sits
    const bool vertical = n.attr0 == 0;
    int offset = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      const Shape &s = n.args[i]->shape;
      give(i, [&] { return ir::slice(g, vertical ? offset : 0, vertical ? 0 : offset, s); });
      offset += vertical ? s.rows : s.cols;
    }
    break;
  }
  default: throw InternalError("autodiff: no reverse rule for op");
  }
  return out;
}

} // namespace odec::ad
