#include "sema/ConstEval.h"

#include "ir/Interpreter.h"
#include "sema/Builtins.h"
#include "sema/Indexing.h"

#include <cmath>
#include <limits>

namespace odec::sema {

std::vector<double> ConstValue::doubles() const {
  std::vector<double> out;
  out.reserve(elems.size());
  for (const Coefficient &c : elems)
    out.push_back(c.value);
  return out;
}

std::string sourceText(const SourceManager &sm, SourceRange r) {
  std::string_view text = sm.text(r.begin.file);
  std::string_view s = text.substr(r.begin.offset, r.length);
  return std::string(s.substr(0, s.find('\n')));
}

Coefficient numberValue(const ast::NumberExpr &n) {
  // Decimal text d1d2.d3d4e±k is the rational d1d2d3d4 * 10^(k - 2): exact when it fits.
  std::string digits;
  int exponent = 0;
  size_t i = 0;
  const std::string &t = n.text;
  bool afterPoint = false;
  for (; i < t.size() && t[i] != 'e' && t[i] != 'E'; ++i) {
    if (t[i] == '_')
      continue;
    if (t[i] == '.') {
      afterPoint = true;
      continue;
    }
    if (t[i] < '0' || t[i] > '9')
      return Coefficient::real(n.value);
    digits += t[i];
    exponent -= afterPoint;
  }
  if (i < t.size()) {
    std::string rest = t.substr(i + 1);
    try {
      exponent += std::stoi(rest);
    } catch (const std::exception &) {
      return Coefficient::real(n.value);
    }
  }
  while (digits.size() > 1 && digits.front() == '0')
    digits.erase(digits.begin());
  if (digits.empty() || digits.size() > 18 || std::abs(exponent) > 18)
    return Coefficient::real(n.value);
  try {
    Rational r(std::stoll(digits));
    Rational ten(10);
    for (int k = 0; k < std::abs(exponent); ++k)
      r = exponent > 0 ? r * ten : r / ten;
    return Coefficient::rational(r);
  } catch (const RationalOverflow &) {
    return Coefficient::real(n.value);
  }
}

namespace {

enum class Arith { Add, Sub, Mul, Div, Pow };

/// Exact when both operands are and the result fits; a double otherwise.
Coefficient arith(Arith op, const Coefficient &a, const Coefficient &b) {
  if (a.exact && b.exact) {
    try {
      const Rational &x = *a.exact, &y = *b.exact;
      switch (op) {
      case Arith::Add:
        return Coefficient::rational(x + y);
      case Arith::Sub:
        return Coefficient::rational(x - y);
      case Arith::Mul:
        return Coefficient::rational(x * y);
      case Arith::Div:
        return Coefficient::rational(x / y);
      case Arith::Pow:
        if (y.isInteger() && y.num() >= -64 && y.num() <= 64 && !(x.isZero() && y.num() < 0)) {
          Rational r(1);
          for (int64_t k = 0; k < std::abs(y.num()); ++k)
            r *= x;
          return Coefficient::rational(y.num() < 0 ? Rational(1) / r : r);
        }
        break;
      }
    } catch (const RationalOverflow &) {
    } catch (const std::domain_error &) { // division by zero: the double below is inf or nan
    }
  }
  switch (op) {
  case Arith::Add:
    return Coefficient::real(a.value + b.value);
  case Arith::Sub:
    return Coefficient::real(a.value - b.value);
  case Arith::Mul:
    return Coefficient::real(a.value * b.value);
  case Arith::Div:
    return Coefficient::real(a.value / b.value);
  case Arith::Pow:
    return Coefficient::real(std::pow(a.value, b.value));
  }
  return {};
}

/// sqrt of a rational is exact when numerator and denominator are perfect squares.
Coefficient exactSqrt(const Coefficient &a) {
  if (a.exact && a.exact->num() >= 0) {
    auto isqrt = [](int64_t v) -> std::optional<int64_t> {
      auto r = int64_t(std::llround(std::sqrt(double(v))));
      for (int64_t c = std::max<int64_t>(r - 1, 0); c <= r + 1; ++c)
        if (c * c == v)
          return c;
      return std::nullopt;
    };
    auto n = isqrt(a.exact->num()), d = isqrt(a.exact->den());
    if (n && d)
      return Coefficient::rational(Rational(*n, *d));
  }
  return Coefficient::real(std::sqrt(a.value));
}

Coefficient elementwise(ir::Op f, const Coefficient &a) {
  if (a.exact) {
    const Rational &x = *a.exact;
    Rational zero(0);
    if (f == ir::Op::Abs)
      return Coefficient::rational(x < zero ? -x : x);
    if (f == ir::Op::Relu)
      return Coefficient::rational(zero < x ? x : zero);
    if (f == ir::Op::Sqrt)
      return exactSqrt(a);
  }
  return Coefficient::real(ir::evalUnary(f, a.value));
}

Coefficient elementwise(ir::Op f, const Coefficient &a, const Coefficient &b) {
  if (a.exact && b.exact && (f == ir::Op::Max || f == ir::Op::Min)) {
    bool less = *a.exact < *b.exact;
    return (f == ir::Op::Max) == less ? b : a;
  }
  return Coefficient::real(ir::evalBinary(f, a.value, b.value));
}

/// Element (i, j) of `v` seen through broadcasting (size-1 dimensions repeat).
const Coefficient &at(const ConstValue &v, int i, int j) {
  int r = v.shape.rows == 1 ? 0 : i, c = v.shape.cols == 1 ? 0 : j;
  return v.elems[size_t(r) * v.shape.cols + c];
}

template <class F>
ConstValue broadcastMap(Shape out, const ConstValue &a, const ConstValue &b, F f) {
  ConstValue r{out, {}};
  for (int i = 0; i < out.rows; ++i)
    for (int j = 0; j < out.cols; ++j)
      r.elems.push_back(f(at(a, i, j), at(b, i, j)));
  return r;
}

ConstValue transposed(const ConstValue &a, Shape out) {
  ConstValue r{out, {}};
  for (int i = 0; i < out.rows; ++i)
    for (int j = 0; j < out.cols; ++j)
      r.elems.push_back(a.elems[size_t(j) * a.shape.cols + i]);
  return r;
}

ConstValue fill(Shape s, Coefficient v) {
  return {s, std::vector<Coefficient>(size_t(s.size()), v)};
}

/// Stacks values vertically (axis 0) or horizontally (axis 1) into `out`.
ConstValue concatenate(const std::vector<ConstValue> &parts, int axis, Shape out) {
  ConstValue r = fill(out, Coefficient::rational(0));
  int offset = 0;
  for (const ConstValue &p : parts) {
    for (int i = 0; i < p.shape.rows; ++i)
      for (int j = 0; j < p.shape.cols; ++j) {
        int row = axis == 0 ? offset + i : i, col = axis == 1 ? offset + j : j;
        r.elems[size_t(row) * out.cols + col] = p.elems[size_t(i) * p.shape.cols + j];
      }
    offset += axis == 0 ? p.shape.rows : p.shape.cols;
  }
  return r;
}

Coefficient sumOf(const std::vector<Coefficient> &xs) {
  Coefficient s = Coefficient::rational(0);
  for (const Coefficient &x : xs)
    s = arith(Arith::Add, s, x);
  return s;
}

class Evaluator {
public:
  Evaluator(const ConstLookup &consts, DiagnosticEngine *diags) : consts_(consts), diags_(diags) {}

  std::optional<ConstValue> eval(const ast::Expr &e) {
    std::optional<ConstValue> v = evalNode(e);
    if (!v)
      return v;
    for (const Coefficient &c : v->elems)
      if (!std::isfinite(c.value)) {
        fail(e.range, "constant '" + text(e.range) + "' is not finite (evaluates to " +
                          (std::isnan(c.value) ? "nan"
                           : c.value > 0       ? "inf"
                                               : "-inf") +
                          ")");
        return std::nullopt;
      }
    return v;
  }

private:
  std::string text(SourceRange r) const { return diags_ ? sourceText(diags_->sources(), r) : ""; }

  void fail(SourceRange r, std::string msg) {
    if (!diags_)
      throw InternalError("constant evaluation of a checked expression failed: " + msg);
    diags_->error(r, std::move(msg));
  }

  Shape shapeOf(const ast::Expr &e) {
    internalCheck(e.shape.has_value(), "constant evaluation of an expression sema did not check");
    return *e.shape;
  }

  std::optional<ConstValue> evalNode(const ast::Expr &e) {
    Shape shape = shapeOf(e);
    switch (e.kind) {
    case ast::ExprKind::Number:
      return ConstValue{shape, {numberValue(static_cast<const ast::NumberExpr &>(e))}};
    case ast::ExprKind::Ident: {
      const auto &id = static_cast<const ast::IdentExpr &>(e);
      if (!id.resolved && id.name == "I")
        return identity(shape);
      if (const ConstValue *v = id.resolved ? consts_(*id.resolved) : nullptr)
        return *v;
      fail(e.range, "'" + id.name + "' is not a constant");
      return std::nullopt;
    }
    case ast::ExprKind::Unary: {
      const auto &u = static_cast<const ast::UnaryExpr &>(e);
      auto a = eval(*u.operand);
      if (!a || u.op == ast::UnaryOp::Plus)
        return a;
      for (Coefficient &c : a->elems)
        c = arith(Arith::Sub, Coefficient::rational(0), c);
      return a;
    }
    case ast::ExprKind::Binary:
      return binary(static_cast<const ast::BinaryExpr &>(e), shape);
    case ast::ExprKind::Transpose: {
      auto a = eval(*static_cast<const ast::TransposeExpr &>(e).operand);
      return a ? std::optional(transposed(*a, shape)) : std::nullopt;
    }
    case ast::ExprKind::Call:
      return call(static_cast<const ast::CallExpr &>(e), shape);
    case ast::ExprKind::Index:
      return index(static_cast<const ast::IndexExpr &>(e));
    case ast::ExprKind::Array:
      return array(static_cast<const ast::ArrayExpr &>(e), shape);
    case ast::ExprKind::Range:
      break;
    }
    throw InternalError("constant evaluation: a range outside an index");
  }

  static ConstValue identity(Shape s) {
    ConstValue r = fill(s, Coefficient::rational(0));
    for (int i = 0; i < s.rows; ++i)
      r.elems[size_t(i) * s.cols + i] = Coefficient::rational(1);
    return r;
  }

  std::optional<ConstValue> binary(const ast::BinaryExpr &b, Shape shape) {
    auto l = eval(*b.lhs);
    auto r = l ? eval(*b.rhs) : std::nullopt;
    if (!r)
      return std::nullopt;
    auto map = [&](Arith op) {
      return broadcastMap(shape, *l, *r, [op](auto &x, auto &y) { return arith(op, x, y); });
    };
    using Op = ast::BinaryOp;
    switch (b.op) {
    case Op::Add:
    case Op::DotAdd:
      return map(Arith::Add);
    case Op::Sub:
    case Op::DotSub:
      return map(Arith::Sub);
    case Op::DotMul:
      return map(Arith::Mul);
    case Op::Div:
    case Op::DotDiv:
      return map(Arith::Div);
    case Op::Pow:
    case Op::DotPow:
      return map(Arith::Pow);
    case Op::Mul:
      if (l->shape.isScalar() || r->shape.isScalar())
        return map(Arith::Mul);
      return product(*l, *r, shape);
    case Op::RationalDiv: {
      const Coefficient &x = l->elems[0], &y = r->elems[0];
      if (!x.exact || !x.exact->isInteger() || !y.exact || !y.exact->isInteger()) {
        fail(b.opRange, "'//' needs integer operands, got " + text(b.lhs->range) + " and " +
                            text(b.rhs->range));
        return std::nullopt;
      }
      if (y.exact->isZero()) {
        fail(b.range, "division by zero in '" + text(b.range) + "'");
        return std::nullopt;
      }
      return map(Arith::Div);
    }
    case Op::In:
      break;
    }
    throw InternalError("constant evaluation: 'in' outside a require constraint");
  }

  static ConstValue product(const ConstValue &a, const ConstValue &b, Shape out) {
    ConstValue r{out, {}};
    int n = a.shape.cols;
    for (int i = 0; i < a.shape.rows; ++i)
      for (int j = 0; j < b.shape.cols; ++j) {
        std::vector<Coefficient> terms;
        for (int k = 0; k < n; ++k)
          terms.push_back(
              arith(Arith::Mul, a.elems[size_t(i) * n + k], b.elems[size_t(k) * b.shape.cols + j]));
        r.elems.push_back(sumOf(terms));
      }
    return r;
  }

  std::optional<ConstValue> call(const ast::CallExpr &c, Shape shape) {
    const BuiltinInfo *info = findBuiltin(c.callee);
    internalCheck(info != nullptr, "constant evaluation: call of an unknown function");
    // Sizes (zeros, ones, I) are already in the annotated shape.
    switch (info->id) {
    case Builtin::Zeros:
      return fill(shape, Coefficient::rational(0));
    case Builtin::Ones:
      return fill(shape, Coefficient::rational(1));
    case Builtin::Identity:
      return identity(shape);
    default:
      break;
    }
    std::vector<ConstValue> args;
    for (const ast::ExprPtr &a : c.args) {
      auto v = eval(*a);
      if (!v)
        return std::nullopt;
      args.push_back(std::move(*v));
    }
    switch (info->id) {
    case Builtin::Elementwise:
      if (ir::opInfo(info->op).category == ir::OpCategory::Unary) {
        for (Coefficient &x : args[0].elems)
          x = elementwise(info->op, x);
        return args[0];
      }
      if (args.size() == 1) // the op's default second argument
        args.push_back(ConstValue{Shape::scalar(),
                                  {Coefficient::real(ir::opInfo(info->op).secondDefault)}});
      return broadcastMap(shape, args[0], args[1],
                          [&](auto &x, auto &y) { return elementwise(info->op, x, y); });
    case Builtin::Sum:
      return ConstValue{shape, {sumOf(args[0].elems)}};
    case Builtin::Softmax: {
      // In doubles, shifted by the maximum as the lowering computes it.
      double top = -std::numeric_limits<double>::infinity(), total = 0;
      for (const Coefficient &x : args[0].elems)
        top = std::max(top, x.value);
      std::vector<Coefficient> out;
      for (const Coefficient &x : args[0].elems) {
        out.push_back(Coefficient::real(std::exp(x.value - top)));
        total += out.back().value;
      }
      for (Coefficient &y : out)
        y = Coefficient::real(y.value / total);
      return ConstValue{shape, std::move(out)};
    }
    case Builtin::Dot:
    case Builtin::Norm: {
      const ConstValue &y = info->id == Builtin::Dot ? args[1] : args[0];
      std::vector<Coefficient> terms;
      for (size_t k = 0; k < args[0].elems.size(); ++k)
        terms.push_back(arith(Arith::Mul, args[0].elems[k], y.elems[k]));
      Coefficient s = sumOf(terms);
      return ConstValue{shape, {info->id == Builtin::Dot ? s : exactSqrt(s)}};
    }
    case Builtin::Transpose:
      return transposed(args[0], shape);
    case Builtin::Vcat:
      return concatenate(args, 0, shape);
    case Builtin::Gradient:
    case Builtin::Jacobian:
      fail(c.range, c.callee + "(...) is not a constant");
      return std::nullopt;
    case Builtin::Zeros:
    case Builtin::Ones:
    case Builtin::Identity:
      break; // evaluated before the arguments
    }
    return std::nullopt;
  }

  std::optional<ConstValue> index(const ast::IndexExpr &e) {
    auto base = eval(*e.base);
    auto slice = base ? resolveIndex(e, consts_, diags_) : std::nullopt;
    if (!slice)
      return std::nullopt;
    ConstValue block{slice->block, {}};
    for (int i = 0; i < slice->block.rows; ++i)
      for (int j = 0; j < slice->block.cols; ++j)
        block.elems.push_back(
            base->elems[size_t(slice->row0 + i) * base->shape.cols + slice->col0 + j]);
    return slice->transposed ? transposed(block, slice->result()) : block;
  }

  std::optional<ConstValue> array(const ast::ArrayExpr &a, Shape shape) {
    // Each row is an hcat of its elements; the rows are then stacked (a comma list is one
    // element per row).
    std::vector<ConstValue> rows;
    for (const auto &row : a.rows) {
      std::vector<ConstValue> elems;
      int cols = 0;
      for (const ast::ExprPtr &x : row) {
        auto v = eval(*x);
        if (!v)
          return std::nullopt;
        cols += v->shape.cols;
        elems.push_back(std::move(*v));
      }
      Shape rowShape =
          elems.size() == 1 ? elems[0].shape : Shape::matrix(elems[0].shape.rows, cols);
      rows.push_back(elems.size() == 1 ? elems[0] : concatenate(elems, 1, rowShape));
    }
    return concatenate(rows, 0, shape);
  }

  const ConstLookup &consts_;
  DiagnosticEngine *diags_;
};

} // namespace

std::optional<ConstValue> evaluateConstant(const ast::Expr &e, const ConstLookup &consts,
                                           DiagnosticEngine *diags) {
  return Evaluator(consts, diags).eval(e);
}

std::optional<int64_t> evaluateInteger(const ast::Expr &e, const ConstLookup &consts,
                                       DiagnosticEngine *diags, std::string_view what) {
  auto v = evaluateConstant(e, consts, diags);
  if (!v)
    return std::nullopt;
  if (v->shape.isScalar() && v->elems[0].exact && v->elems[0].exact->isInteger())
    return v->elems[0].exact->num();
  std::string msg =
      std::string(what) + " must be an integer constant, got " +
      (v->shape.isScalar() ? (diags ? sourceText(diags->sources(), e.range) : "") : v->shape.str());
  if (!diags)
    throw InternalError(msg);
  diags->error(e.range, msg);
  return std::nullopt;
}

} // namespace odec::sema
