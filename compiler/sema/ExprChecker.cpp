#include "sema/ExprChecker.h"

#include "sema/Builtins.h"
#include "sema/Indexing.h"
#include "sema/ShapeRules.h"
#include "sema/Suggest.h"

namespace odec::sema {

using K = Shape::Kind;

void annotate(const ast::Expr &e, Shape s) { const_cast<ast::Expr &>(e).shape = s; }
void annotate(const ast::IdentExpr &e, const ast::Decl *d) {
  const_cast<ast::IdentExpr &>(e).resolved = d;
}

ExprChecker::ExprChecker(Scope &scope, DiagnosticEngine &diags) : scope_(scope), diags_(diags) {}

ConstLookup ExprChecker::constLookup() const {
  return [this](const ast::Decl &d) { return scope_.constValue(d); };
}

std::string ExprChecker::text(const ast::Expr &e) const {
  return sourceText(diags_.sources(), e.range);
}

std::optional<Shape> ExprChecker::check(const ast::Expr &e) {
  std::optional<Shape> s = checkNode(e);
  if (s)
    annotate(e, *s);
  return s;
}

std::optional<ConstValue> ExprChecker::evaluate(const ast::Expr &e) {
  if (!check(e))
    return std::nullopt;
  return evaluateConstant(e, constLookup(), &diags_);
}

std::optional<int64_t> ExprChecker::integer(const ast::Expr &e, std::string_view what) {
  if (!check(e))
    return std::nullopt;
  return evaluateInteger(e, constLookup(), &diags_, what);
}

std::optional<Shape> ExprChecker::sized(Shape::Kind kind, int64_t rows, int64_t cols, SourceRange r,
                                        const std::string &what) {
  if (rows < 1 || cols < 1) {
    diags_.error(r, what + " has no elements; sizes must be positive");
    return std::nullopt;
  }
  // Each factor is checked first so the product cannot overflow.
  if (rows > kMaxElements || cols > kMaxElements || rows * cols > kMaxElements) {
    diags_.error(r,
                 what + " is too large: more than " + std::to_string(kMaxElements) + " elements");
    return std::nullopt;
  }
  return Shape{kind, int(rows), int(cols)};
}

std::optional<Shape> ExprChecker::checkNode(const ast::Expr &e) {
  switch (e.kind) {
  case ast::ExprKind::Number:
    return Shape::scalar();
  case ast::ExprKind::Ident:
    return ident(static_cast<const ast::IdentExpr &>(e));
  case ast::ExprKind::Unary:
    return check(*static_cast<const ast::UnaryExpr &>(e).operand);
  case ast::ExprKind::Binary:
    return binary(static_cast<const ast::BinaryExpr &>(e));
  case ast::ExprKind::Transpose: {
    auto s = check(*static_cast<const ast::TransposeExpr &>(e).operand);
    return s ? std::optional(transposeShape(*s)) : std::nullopt;
  }
  case ast::ExprKind::Call:
    return call(static_cast<const ast::CallExpr &>(e));
  case ast::ExprKind::Index:
    return index(static_cast<const ast::IndexExpr &>(e));
  case ast::ExprKind::Array:
    return array(static_cast<const ast::ArrayExpr &>(e));
  case ast::ExprKind::Range:
    diags_.error(e.range, "a range is only allowed inside an index");
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Shape> ExprChecker::ident(const ast::IdentExpr &e) {
  Binding b;
  switch (scope_.lookup(e, b)) {
  case Scope::Lookup::Found:
    annotate(e, b.decl);
    return b.shape;
  case Scope::Lookup::Failed:
    return std::nullopt;
  case Scope::Lookup::NotFound:
    break;
  }
  if (e.name == "I")
    diags_.error(e.range, "cannot infer the size of I here; write I(n)");
  else
    diags_.error(e.range, "undefined name '" + e.name + "'" + didYouMean(e.name, scope_.names()));
  return std::nullopt;
}

bool ExprChecker::isIdentity(const ast::Expr &e) {
  if (e.kind != ast::ExprKind::Ident || static_cast<const ast::IdentExpr &>(e).name != "I")
    return false;
  Binding b;
  return scope_.lookup(static_cast<const ast::IdentExpr &>(e), b) == Scope::Lookup::NotFound;
}

/// A bare `I` takes its size from the other operand: `W + I` and `I - W` need W square,
/// `I * W` and `W * I` need the adjacent dimension of W.
std::optional<Shape> ExprChecker::inferIdentity(const ast::BinaryExpr &e, bool identityOnLeft) {
  const ast::Expr &id = identityOnLeft ? *e.lhs : *e.rhs;
  auto other = check(identityOnLeft ? *e.rhs : *e.lhs);
  if (!other)
    return std::nullopt;
  std::optional<int> n;
  bool additive = e.op == ast::BinaryOp::Add || e.op == ast::BinaryOp::Sub;
  if (additive && other->kind == K::Matrix && other->rows == other->cols)
    n = other->rows;
  if (e.op == ast::BinaryOp::Mul && !other->isScalar())
    n = identityOnLeft ? other->rows : other->cols;
  if (!n) {
    diags_.error(id.range, "cannot infer the size of I here; write I(n)");
    return std::nullopt;
  }
  annotate(id, Shape::matrix(*n, *n));
  return Shape::matrix(*n, *n);
}

std::optional<Shape> ExprChecker::binary(const ast::BinaryExpr &e) {
  using Op = ast::BinaryOp;
  internalCheck(e.op != Op::In, "the parser admits 'in' only in a require constraint");
  std::optional<Shape> l, r;
  bool identityLeft = isIdentity(*e.lhs), identityRight = isIdentity(*e.rhs);
  if (identityLeft != identityRight && (e.op == Op::Add || e.op == Op::Sub || e.op == Op::Mul)) {
    (identityLeft ? l : r) = inferIdentity(e, identityLeft);
    if (!(identityLeft ? l : r))
      return std::nullopt;
    (identityLeft ? r : l) = *(identityLeft ? e.rhs : e.lhs)->shape;
  } else {
    l = check(*e.lhs);
    r = check(*e.rhs);
  }
  if (!l || !r)
    return std::nullopt;
  std::string op = ast::spelling(e.op);
  std::string both = l->str() + " " + op + " " + r->str();
  switch (e.op) {
  case Op::Add:
  case Op::Sub:
    if (*l == *r)
      return l;
    diags_.error(e.opRange, "shapes differ in " + both + "; use '." + op + "' to broadcast");
    return std::nullopt;
  case Op::Mul: {
    if (l->isScalar())
      return r;
    if (r->isScalar())
      return l;
    if (auto s = productShape(*l, *r))
      return s;
    std::string msg = "cannot multiply " + l->str() + " by " + r->str();
    if (l->isVector() && r->isVector())
      msg += "; use '.*' elementwise or transpose one side (x' * y)";
    else
      msg += ": inner dimensions " + std::to_string(l->cols) + " and " + std::to_string(r->rows) +
             " differ";
    diags_.error(e.opRange, msg);
    return std::nullopt;
  }
  case Op::Div:
    if (r->isScalar())
      return l;
    diags_.error(e.opRange, "cannot divide by " + r->str() +
                                ": '/' needs a Real divisor; use './' elementwise");
    return std::nullopt;
  case Op::Pow:
    if (l->isScalar() && r->isScalar())
      return l;
    diags_.error(e.opRange, "'^' needs Real operands, got " + both + "; use '.^' elementwise");
    return std::nullopt;
  case Op::DotAdd:
  case Op::DotSub:
  case Op::DotMul:
  case Op::DotDiv:
  case Op::DotPow:
    if (auto s = broadcastShape(*l, *r))
      return s;
    diags_.error(e.opRange, "cannot broadcast " + both + ": sizes must be equal or 1");
    return std::nullopt;
  case Op::RationalDiv:
    if (!l->isScalar() || !r->isScalar()) {
      diags_.error(e.opRange, "'//' needs integer operands, got " + both);
      return std::nullopt;
    }
    // `//` is exact rational division of integer constants: evaluating checks that.
    annotate(e, Shape::scalar());
    if (!evaluateConstant(e, constLookup(), &diags_))
      return std::nullopt;
    return Shape::scalar();
  case Op::In:
    break;
  }
  return std::nullopt;
}

std::optional<Shape> ExprChecker::call(const ast::CallExpr &e) {
  const BuiltinInfo *info = findBuiltin(e.callee);
  if (!info) {
    ast::IdentExpr probe(e.calleeRange, e.callee);
    Binding b;
    if (scope_.lookup(probe, b) == Scope::Lookup::NotFound)
      diags_.error(e.calleeRange,
                   "undefined function '" + e.callee + "'" + didYouMean(e.callee, builtinNames()));
    else
      diags_.error(e.calleeRange, "'" + e.callee + "' is not a function");
    return std::nullopt;
  }
  std::string name = "'" + e.callee + "'";
  if (!e.kwargs.empty()) {
    diags_.error(e.kwargs[0].nameRange, name + " takes no keyword arguments");
    return std::nullopt;
  }
  int n = int(e.args.size());
  if (n < info->minArgs || (info->maxArgs >= 0 && n > info->maxArgs)) {
    std::string expected =
        info->maxArgs < 0 ? "at least " + std::to_string(info->minArgs)
        : info->minArgs == info->maxArgs
            ? std::to_string(info->minArgs)
            : std::to_string(info->minArgs) + " or " + std::to_string(info->maxArgs);
    diags_.error(e.calleeRange, name + " takes " + expected +
                                    (expected == "1" ? " argument" : " arguments") + ", got " +
                                    std::to_string(n));
    return std::nullopt;
  }
  if (e.broadcast && !info->elementwise) {
    diags_.error(e.calleeRange, name + " cannot be broadcast; only elementwise functions can");
    return std::nullopt;
  }
  switch (info->id) {
  case Builtin::Zeros:
  case Builtin::Ones:
  case Builtin::Identity: {
    std::vector<int64_t> sizes;
    for (const ast::ExprPtr &a : e.args)
      if (auto v = integer(*a, "a size"))
        sizes.push_back(*v);
    if (sizes.size() != e.args.size())
      return std::nullopt;
    std::string what = text(e);
    if (info->id == Builtin::Identity)
      return sized(K::Matrix, sizes[0], sizes[0], e.range, what);
    if (sizes.size() == 1)
      return sized(K::Vector, sizes[0], 1, e.range, what);
    return sized(K::Matrix, sizes[0], sizes[1], e.range, what);
  }
  case Builtin::Gradient:
  case Builtin::Jacobian: {
    if (!scope_.allowsDerivatives()) {
      diags_.error(e.calleeRange, name + " is only allowed in a model's equations");
      return std::nullopt;
    }
    auto f = check(*e.args[0]);
    auto x = check(*e.args[1]);
    if (!f || !x)
      return std::nullopt;
    bool isGradient = info->id == Builtin::Gradient;
    const ast::Expr &var = *e.args[1];
    const ast::Decl *d = var.kind == ast::ExprKind::Ident
                             ? static_cast<const ast::IdentExpr &>(var).resolved
                             : nullptr;
    bool isVariable = d && (d->kind == ast::DeclKind::State || d->kind == ast::DeclKind::Param ||
                            d->kind == ast::DeclKind::Input);
    if (!isVariable || (!isGradient && !x->isVector())) {
      diags_.error(var.range, "the second argument of " + name + " must be a " +
                                  (isGradient ? "" : "Vector ") + "state, parameter or input name");
      return std::nullopt;
    }
    if (isGradient && !f->isScalar()) {
      diags_.error(e.args[0]->range, name + " needs a Real first argument, got " + f->str());
      return std::nullopt;
    }
    if (!isGradient && !f->isVector()) {
      diags_.error(e.args[0]->range, name + " needs a Vector first argument, got " + f->str());
      return std::nullopt;
    }
    return isGradient ? *x : Shape::matrix(f->rows, x->rows);
  }
  default:
    break;
  }
  std::vector<Shape> args;
  for (const ast::ExprPtr &a : e.args)
    if (auto s = check(*a))
      args.push_back(*s);
  if (args.size() != e.args.size())
    return std::nullopt;
  switch (info->id) {
  case Builtin::Elementwise:
    if (args.size() == 1) { // a unary op, or a binary one with its default second argument
      if (e.broadcast || args[0].isScalar())
        return args[0];
      diags_.error(e.range, name + " applies to a Real, got " + args[0].str() + "; use " +
                                e.callee + ".(" + text(*e.args[0]) + ") elementwise");
      return std::nullopt;
    }
    if (e.broadcast) {
      if (auto s = broadcastShape(args[0], args[1]))
        return s;
      diags_.error(e.range, "cannot broadcast " + name + " over " + args[0].str() + " and " +
                                args[1].str() + ": sizes must be equal or 1");
      return std::nullopt;
    }
    if (args[0].isScalar() && args[1].isScalar())
      return Shape::scalar();
    diags_.error(e.range, name + " applies to Reals, got " + args[0].str() + " and " +
                              args[1].str() + "; use " + e.callee + ".(" + text(*e.args[0]) + ", " +
                              text(*e.args[1]) + ") elementwise");
    return std::nullopt;
  case Builtin::Softmax:
    if (args[0].isVector() || args[0].isScalar())
      return args[0];
    diags_.error(e.range, name + " applies to a Vector, got " + args[0].str() +
                              " (for the columns of a matrix, apply it to each column)");
    return std::nullopt;
  case Builtin::Sum:
  case Builtin::Norm:
    return Shape::scalar();
  case Builtin::Dot:
    if (args[0] == args[1])
      return Shape::scalar();
    diags_.error(e.range,
                 name + " needs equal shapes, got " + args[0].str() + " and " + args[1].str());
    return std::nullopt;
  case Builtin::Transpose:
    return transposeShape(args[0]);
  case Builtin::Vcat:
    return stack(args, e.range);
  case Builtin::Zeros:
  case Builtin::Ones:
  case Builtin::Identity:
  case Builtin::Gradient:
  case Builtin::Jacobian:
    break; // handled before the arguments were checked
  }
  return std::nullopt;
}

std::optional<Shape> ExprChecker::index(const ast::IndexExpr &e) {
  bool ok = check(*e.base).has_value();
  for (const ast::ExprPtr &i : e.indices) {
    if (i->kind != ast::ExprKind::Range) {
      ok = check(*i) && ok;
      continue;
    }
    const auto &r = static_cast<const ast::RangeExpr &>(*i);
    for (const ast::ExprPtr *bound : {&r.lo, &r.hi})
      if (*bound)
        ok = check(**bound) && ok;
  }
  if (!ok)
    return std::nullopt;
  auto slice = resolveIndex(e, constLookup(), &diags_);
  return slice ? std::optional(slice->result()) : std::nullopt;
}

std::optional<Shape> ExprChecker::stack(const std::vector<Shape> &rows, SourceRange r) {
  int height = 0;
  bool columns = true; // only Reals and Vectors: the result is a Vector
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].cols != rows[0].cols) {
      diags_.error(r, "cannot stack " + rows[0].str() + " on " + rows[i].str() + ": rows have " +
                          std::to_string(rows[0].cols) + " and " + std::to_string(rows[i].cols) +
                          " columns");
      return std::nullopt;
    }
    height += rows[i].rows;
    columns = columns && (rows[i].isScalar() || rows[i].isVector());
  }
  std::string what = "the concatenation";
  return sized(columns ? K::Vector : K::Matrix, height, rows[0].cols, r, what);
}

std::optional<Shape> ExprChecker::array(const ast::ArrayExpr &e) {
  if (e.tuple) {
    diags_.error(e.range, "a tuple (a, b) is only allowed as a bound of placement(); write a "
                          "vector as [a, b]");
    return std::nullopt;
  }
  if (e.rows.empty() || e.rows[0].empty()) {
    diags_.error(e.range, "empty array literal");
    return std::nullopt;
  }
  // Check every element first, so independent mistakes are all reported.
  std::vector<std::vector<Shape>> shapes;
  bool ok = true;
  for (const auto &row : e.rows) {
    shapes.emplace_back();
    for (const ast::ExprPtr &x : row) {
      auto s = check(*x);
      ok = ok && s;
      shapes.back().push_back(s.value_or(Shape::scalar()));
    }
  }
  if (!ok)
    return std::nullopt;
  if (e.commaSeparated) {
    for (size_t i = 0; i < e.rows.size(); ++i)
      if (!shapes[i][0].isScalar()) {
        diags_.error(e.rows[i][0]->range, "elements of [a, b, ...] must be Real, got " +
                                              shapes[i][0].str() + "; use ';' to concatenate");
        return std::nullopt;
      }
    return sized(K::Vector, int64_t(e.rows.size()), 1, e.range, "the array");
  }
  std::vector<Shape> rowShapes;
  for (size_t i = 0; i < e.rows.size(); ++i) {
    const std::vector<Shape> &row = shapes[i];
    if (row.size() == 1) {
      rowShapes.push_back(row[0]);
      continue;
    }
    int64_t width = 0;
    bool allRows = true;
    for (size_t j = 0; j < row.size(); ++j) {
      if (row[j].rows != row[0].rows) {
        diags_.error(e.rows[i][j]->range, "cannot place " + row[j].str() + " beside " +
                                              row[0].str() + " in a row: heights differ");
        return std::nullopt;
      }
      width += row[j].cols;
      allRows = allRows && row[j].kind == K::RowVector;
    }
    rowShapes.push_back(allRows ? Shape::rowVector(int(width))
                                : Shape::matrix(row[0].rows, int(width)));
  }
  for (size_t i = 1; i < rowShapes.size(); ++i)
    if (rowShapes[i].cols != rowShapes[0].cols) {
      diags_.error(e.range, "ragged array literal: row " + std::to_string(i + 1) + " has " +
                                std::to_string(rowShapes[i].cols) + " columns, row 1 has " +
                                std::to_string(rowShapes[0].cols));
      return std::nullopt;
    }
  if (rowShapes.size() == 1 && e.rows[0].size() > 1)
    return rowShapes[0];
  return stack(rowShapes, e.range);
}

} // namespace odec::sema
