#include "ir/Builder.h"

#include "ir/Interpreter.h"
#include "support/InternalError.h"

#include <string>

namespace odec::ir {

namespace {

[[noreturn]] void shapeError(const char *op, const std::string &detail) {
  throw InternalError(std::string("ir::") + op + ": " + detail);
}

bool wellFormed(const Shape &s) {
  if (s.rows < 1 || s.cols < 1 || s.size() > kMaxElements)
    return false;
  switch (s.kind) {
  case Shape::Kind::Scalar: return s.rows == 1 && s.cols == 1;
  case Shape::Kind::Vector: return s.cols == 1;
  case Shape::Kind::RowVector: return s.rows == 1;
  case Shape::Kind::Matrix: return true;
  }
  return false;
}

void checkShape(const char *op, const Shape &s) {
  if (!wellFormed(s))
    shapeError(op, "malformed shape " + s.str() + " (" + std::to_string(s.rows) + "x" +
                       std::to_string(s.cols) + ")");
}

void checkArg(const char *op, const Expr &a) {
  if (!a)
    shapeError(op, "null argument");
}

/// Makes the node, then folds it to a Constant when every argument is one.
Expr make(Node::Init init) {
  bool allConstant = !init.args.empty();
  for (const Expr &a : init.args)
    allConstant = allConstant && a->isConstant();
  Expr n = Node::make(std::move(init));
  if (!allConstant)
    return n;
  auto noVariables = [](const Node &) -> std::vector<double> {
    throw InternalError("constant folding reached a variable");
  };
  return constant(n->shape, evaluate(n, noVariables));
}

Shape transposed(const Shape &s) {
  switch (s.kind) {
  case Shape::Kind::Scalar: return s;
  case Shape::Kind::Vector: return Shape::rowVector(s.rows);
  case Shape::Kind::RowVector: return Shape::vector(s.cols);
  case Shape::Kind::Matrix: return Shape::matrix(s.cols, s.rows);
  }
  return s;
}

} // namespace

Expr constant(Shape shape, std::vector<double> values) {
  checkShape("constant", shape);
  if (int64_t(values.size()) != shape.size())
    shapeError("constant", std::to_string(values.size()) + " values for shape " + shape.str());
  return Node::make({Op::Constant, shape, {}, std::move(values)});
}

Expr scalar(double v) { return constant(Shape::scalar(), {v}); }

Expr fill(Shape shape, double v) {
  checkShape("fill", shape);
  return constant(shape, std::vector<double>(size_t(shape.size()), v));
}

Expr identity(int n) {
  Shape s = Shape::matrix(n, n);
  checkShape("identity", s);
  std::vector<double> v(size_t(s.size()), 0.0);
  for (int i = 0; i < n; ++i)
    v[size_t(i) * n + i] = 1.0;
  return constant(s, std::move(v));
}

Expr variable(std::string name, VarRole role, int index, Shape shape) {
  checkShape("variable", shape);
  if (name.empty() || index < 0)
    shapeError("variable", "needs a name and a non-negative index");
  Node::Init init{Op::Variable, shape, {}};
  init.name = std::move(name);
  init.role = role;
  init.index = index;
  return Node::make(std::move(init));
}

Expr unary(Op op, Expr a) {
  checkArg("unary", a);
  if (opInfo(op).category != OpCategory::Unary)
    shapeError("unary", std::string("not a unary op: ") + opInfo(op).name);
  if (op == Op::Neg && a->is(Op::Neg)) // -(-x) = x
    return a->args[0];
  Shape s = a->shape;
  return make({op, s, {std::move(a)}});
}

Expr binary(Op op, Expr a, Expr b) {
  checkArg("binary", a);
  checkArg("binary", b);
  if (opInfo(op).category != OpCategory::Binary)
    shapeError("binary", std::string("not a binary op: ") + opInfo(op).name);
  if (a->shape.isScalar() && !b->shape.isScalar())
    a = broadcast(std::move(a), b->shape);
  else if (b->shape.isScalar() && !a->shape.isScalar())
    b = broadcast(std::move(b), a->shape);
  if (a->shape != b->shape)
    shapeError(opInfo(op).name, "operands " + a->shape.str() + " and " + b->shape.str());
  const Shape s = a->shape;
  switch (op) {
  case Op::Add:
    if (b->isConstantValue(0))
      return a; // x + 0 = x
    if (a->isConstantValue(0))
      return b; // 0 + x = x
    break;
  case Op::Sub:
    if (b->isConstantValue(0))
      return a; // x - 0 = x
    if (a->isConstantValue(0))
      return neg(b); // 0 - x = -x
    break;
  case Op::Mul:
    if (b->isConstantValue(1))
      return a; // x * 1 = x
    if (a->isConstantValue(1))
      return b; // 1 * x = x
    if (a->isConstantValue(0) || b->isConstantValue(0))
      return fill(s, 0.0); // x * 0 = 0
    break;
  case Op::Div:
    if (b->isConstantValue(1))
      return a; // x / 1 = x
    break;
  case Op::Pow:
    if (b->isConstantValue(1))
      return a; // x ^ 1 = x
    break;
  default: break;
  }
  return make({op, s, {std::move(a), std::move(b)}});
}

std::optional<Shape> matmulShape(const Shape &a, const Shape &b) {
  using K = Shape::Kind;
  if (a.isScalar())
    return b;
  if (b.isScalar())
    return a;
  if (a.cols != b.rows)
    return std::nullopt;
  if ((a.kind == K::Vector && b.kind == K::Vector) ||
      (a.kind == K::RowVector && b.kind == K::RowVector))
    return std::nullopt;
  if (a.kind == K::RowVector && b.kind == K::Vector) // x' * y is a number in Julia
    return Shape::scalar();
  if (a.kind == K::RowVector) // x' * B
    return Shape::rowVector(b.cols);
  if (b.kind == K::Vector) // A * x
    return Shape::vector(a.rows);
  return Shape::matrix(a.rows, b.cols); // outer products and matrix products
}

std::optional<Shape> broadcastShape(const Shape &a, const Shape &b) {
  using K = Shape::Kind;
  if (a == b)
    return a;
  if (a.isScalar())
    return b;
  if (b.isScalar())
    return a;
  auto dim = [](int x, int y) { return x == y || y == 1 ? x : (x == 1 ? y : -1); };
  int rows = dim(a.rows, b.rows), cols = dim(a.cols, b.cols);
  if (rows < 0 || cols < 0)
    return std::nullopt;
  // Julia keeps the lowest dimensionality that holds both: vectors stay vectors and
  // adjoint rows stay rows; anything else is a matrix.
  if (a.kind == K::Vector && b.kind == K::Vector)
    return Shape::vector(rows);
  if (a.kind == K::RowVector && b.kind == K::RowVector)
    return Shape::rowVector(cols);
  return Shape::matrix(rows, cols);
}

Expr matmul(Expr a, Expr b) {
  checkArg("matmul", a);
  checkArg("matmul", b);
  if (a->shape.isScalar() || b->shape.isScalar()) // Julia's `2 * x` scales
    return mul(std::move(a), std::move(b));
  std::optional<Shape> s = matmulShape(a->shape, b->shape);
  if (!s)
    shapeError("matmul", "operands " + a->shape.str() + " and " + b->shape.str());
  if (a->isConstantValue(0) || b->isConstantValue(0)) // 0 * A = A * 0 = 0
    return fill(*s, 0.0);
  return make({Op::MatMul, *s, {std::move(a), std::move(b)}});
}

Expr transpose(Expr a) {
  checkArg("transpose", a);
  if (a->shape.isScalar())
    return a;
  if (a->is(Op::Transpose)) // (x')' = x
    return a->args[0];
  Shape s = transposed(a->shape);
  if (a->is(Op::Broadcast) && a->args[0]->shape.isScalar()) // fill(v, m, n)' = fill(v, n, m)
    return broadcast(a->args[0], s);
  return make({Op::Transpose, s, {std::move(a)}});
}

Expr broadcast(Expr a, Shape to) {
  checkArg("broadcast", a);
  checkShape("broadcast", to);
  if (a->shape == to)
    return a;
  const Shape &s = a->shape;
  if ((s.rows != to.rows && s.rows != 1) || (s.cols != to.cols && s.cols != 1))
    shapeError("broadcast", "cannot broadcast " + s.str() + " to " + to.str());
  return make({Op::Broadcast, to, {std::move(a)}});
}

Expr sumTo(Expr a, Shape to) {
  checkArg("sumTo", a);
  checkShape("sumTo", to);
  if (a->shape == to)
    return a;
  const Shape &s = a->shape;
  if ((to.rows != s.rows && to.rows != 1) || (to.cols != s.cols && to.cols != 1))
    shapeError("sumTo", "cannot sum " + s.str() + " to " + to.str());
  return make({Op::SumTo, to, {std::move(a)}});
}

Expr sum(Expr a) { return sumTo(std::move(a), Shape::scalar()); }

Expr zerosLike(const Expr &a) {
  checkArg("zerosLike", a);
  return fill(a->shape, 0.0);
}

Expr slice(Expr a, int row0, int col0, Shape result) {
  checkArg("slice", a);
  checkShape("slice", result);
  const Shape &s = a->shape;
  if (row0 < 0 || col0 < 0 || row0 + result.rows > s.rows || col0 + result.cols > s.cols)
    shapeError("slice", result.str() + " at (" + std::to_string(row0) + ", " +
                            std::to_string(col0) + ") is outside " + s.str());
  if (result == s)
    return a;
  if (a->is(Op::Broadcast) && a->args[0]->shape.isScalar()) // any block of fill(v, ...) is fill(v, ...)
    return broadcast(a->args[0], result);
  Node::Init init{Op::Slice, result, {std::move(a)}};
  init.attr0 = row0;
  init.attr1 = col0;
  return make(std::move(init));
}

Expr concat(std::vector<Expr> parts, int axis) {
  using K = Shape::Kind;
  if (parts.empty() || (axis != 0 && axis != 1))
    shapeError("concat", "needs parts and axis 0 or 1");
  int rows = 0, cols = 0;
  bool allColumns = true, allRows = true; // every part a scalar/vector, resp. scalar/row
  for (const Expr &p : parts) {
    checkArg("concat", p);
    const Shape &s = p->shape;
    allColumns = allColumns && (s.kind == K::Scalar || s.kind == K::Vector);
    allRows = allRows && s.kind == K::RowVector;
    int along = axis == 0 ? s.rows : s.cols, across = axis == 0 ? s.cols : s.rows;
    int &total = axis == 0 ? rows : cols, &other = axis == 0 ? cols : rows;
    if (&p != &parts.front() && across != other)
      shapeError("concat", "part " + s.str() + " does not line up with the others");
    other = across;
    total += along;
  }
  // vcat of numbers and vectors is a vector and hcat of rows a row, as in Julia; the rest
  // are matrices (`[1 2]` is a 1x2 matrix).
  Shape s = axis == 0 && allColumns ? Shape::vector(rows)
            : axis == 1 && allRows  ? Shape::rowVector(cols)
                                    : Shape::matrix(rows, cols);
  checkShape("concat", s);
  Node::Init init{Op::Concat, s, std::move(parts)};
  init.attr0 = axis;
  return make(std::move(init));
}

} // namespace odec::ir
