// Operator spellings and the S-expression dump of the AST. The dump is a stable format
// used by `odec check --emit=ast` and by golden strings in the parser tests:
//
//   (model Spiral
//     (state x Vector{2})
//     (param W1 Matrix{16,2} (call Normal 0 0.5))
//     (let h (call. tanh (.+ (* W1 x) b1)))
//     (ddt x (.+ (* W2 h) b2)))
//
// Blocks print in source order, one statement per line. Expressions: numbers as written,
// `(op lhs rhs)`, `(- x)` for negation, `(' x)` for a transpose, `(call f args...)` and
// `(call. f ...)` for a broadcast call with `(kw name value)` for keyword arguments,
// `(index x i j)`, `(: lo hi)` or a bare `:`, `(vect a b)` for `[a, b]` and
// `(matrix (row a b) (row c d))` for `[a b; c d]`.
#include "syntax/AST.h"

#include "syntax/Diagnostics.h"

#include <algorithm>

namespace odec::ast {

const char *spelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "+";
  case BinaryOp::Sub:
    return "-";
  case BinaryOp::Mul:
    return "*";
  case BinaryOp::Div:
    return "/";
  case BinaryOp::Pow:
    return "^";
  case BinaryOp::DotAdd:
    return ".+";
  case BinaryOp::DotSub:
    return ".-";
  case BinaryOp::DotMul:
    return ".*";
  case BinaryOp::DotDiv:
    return "./";
  case BinaryOp::DotPow:
    return ".^";
  case BinaryOp::RationalDiv:
    return "//";
  case BinaryOp::In:
    return "in";
  }
  throw InternalError("unknown binary operator");
}

namespace {

void dumpExpr(const Expr &e, std::string &out);

void dumpList(const std::vector<ExprPtr> &es, std::string &out) {
  for (const ExprPtr &e : es) {
    out += ' ';
    dumpExpr(*e, out);
  }
}

void dumpExpr(const Expr &e, std::string &out) {
  switch (e.kind) {
  case ExprKind::Number:
    out += static_cast<const NumberExpr &>(e).text;
    return;
  case ExprKind::Ident:
    out += static_cast<const IdentExpr &>(e).name;
    return;
  case ExprKind::Unary: {
    const auto &u = static_cast<const UnaryExpr &>(e);
    out += u.op == UnaryOp::Neg ? "(- " : "(+ ";
    dumpExpr(*u.operand, out);
    out += ')';
    return;
  }
  case ExprKind::Binary: {
    const auto &b = static_cast<const BinaryExpr &>(e);
    out += '(';
    out += spelling(b.op);
    out += ' ';
    dumpExpr(*b.lhs, out);
    out += ' ';
    dumpExpr(*b.rhs, out);
    out += ')';
    return;
  }
  case ExprKind::Transpose:
    out += "(' ";
    dumpExpr(*static_cast<const TransposeExpr &>(e).operand, out);
    out += ')';
    return;
  case ExprKind::Call: {
    const auto &c = static_cast<const CallExpr &>(e);
    out += c.broadcast ? "(call. " : "(call ";
    out += c.callee;
    dumpList(c.args, out);
    for (const KeywordArg &k : c.kwargs) {
      out += " (kw " + k.name + ' ';
      dumpExpr(*k.value, out);
      out += ')';
    }
    out += ')';
    return;
  }
  case ExprKind::Index: {
    const auto &i = static_cast<const IndexExpr &>(e);
    out += "(index ";
    dumpExpr(*i.base, out);
    dumpList(i.indices, out);
    out += ')';
    return;
  }
  case ExprKind::Range: {
    const auto &r = static_cast<const RangeExpr &>(e);
    if (!r.lo) {
      out += ':';
      return;
    }
    out += "(: ";
    dumpExpr(*r.lo, out);
    out += ' ';
    dumpExpr(*r.hi, out);
    out += ')';
    return;
  }
  case ExprKind::Array: {
    const auto &a = static_cast<const ArrayExpr &>(e);
    if (a.commaSeparated) {
      out += a.tuple ? "(tuple" : "(vect";
      for (const auto &row : a.rows)
        dumpList(row, out);
    } else {
      out += "(matrix";
      for (const auto &row : a.rows) {
        out += " (row";
        dumpList(row, out);
        out += ')';
      }
    }
    out += ')';
    return;
  }
  }
  throw InternalError("unknown expression kind");
}

std::string str(const Expr &e) {
  std::string s;
  dumpExpr(e, s);
  return s;
}

std::string str(const TypeExpr &t) {
  std::string s = t.name;
  if (t.dims.empty())
    return s;
  s += '{';
  for (size_t i = 0; i < t.dims.size(); ++i) {
    if (i)
      s += ',';
    s += str(*t.dims[i]);
  }
  return s + '}';
}

std::string str(const Decl &d) {
  switch (d.kind) {
  case DeclKind::Const:
    return "(const " + d.name + ' ' + str(*static_cast<const ConstDecl &>(d).value) + ')';
  case DeclKind::State:
    return "(state " + d.name + ' ' + str(static_cast<const StateDecl &>(d).type) + ')';
  case DeclKind::Param: {
    const auto &p = static_cast<const ParamDecl &>(d);
    return "(param " + d.name + ' ' + str(p.type) + ' ' + str(*p.prior) + ')';
  }
  case DeclKind::Let:
    return "(let " + d.name + ' ' + str(*static_cast<const LetDecl &>(d).value) + ')';
  case DeclKind::Ddt:
    return "(ddt " + d.name + ' ' + str(*static_cast<const DdtDecl &>(d).value) + ')';
  case DeclKind::Input: {
    const auto &in = static_cast<const InputDecl &>(d);
    return "(input " + d.name + ' ' + str(in.type) +
           (in.interpolation ? ' ' + str(*in.interpolation) : std::string()) + ')';
  }
  case DeclKind::Output:
    return "(output " + d.name + ' ' + str(*static_cast<const OutputDecl &>(d).value) + ')';
  }
  throw InternalError("unknown declaration kind");
}

std::string str(const InitStmt &s) {
  switch (s.kind) {
  case InitStmt::Kind::Assign:
    return "(= " + s.name + ' ' + str(*s.value) + ')';
  case InitStmt::Kind::At:
    return "(at " + s.name + ' ' + str(*s.value) + ')';
  case InitStmt::Kind::Require:
    return "(require " + str(*s.value) + ')';
  }
  throw InternalError("unknown init statement kind");
}

/// `(head line line ...)` with each line indented on its own line.
std::string block(const std::string &head, const std::vector<std::string> &lines) {
  std::string s = "(" + head;
  for (const std::string &l : lines)
    s += "\n  " + l;
  return s + ")";
}

} // namespace

std::string dump(const Expr &e) { return str(e); }

std::string dump(const Program &p) {
  // The program keeps blocks by kind; the dump restores source order.
  std::vector<std::pair<uint32_t, std::string>> blocks;
  for (const auto &m : p.models) {
    std::vector<std::string> lines;
    for (const DeclPtr &d : m->decls)
      lines.push_back(str(*d));
    blocks.emplace_back(m->range.begin.offset, block("model " + m->name, lines));
  }
  for (const auto &t : p.tableaux) {
    std::vector<std::string> lines;
    for (const TableauField &f : t->fields)
      lines.push_back("(= " + f.name + ' ' + str(*f.value) + ')');
    blocks.emplace_back(t->range.begin.offset, block("tableau " + t->name, lines));
  }
  for (const auto &i : p.inits) {
    std::vector<std::string> lines;
    for (const InitStmt &s : i->stmts)
      lines.push_back(str(s));
    blocks.emplace_back(i->range.begin.offset, block("init " + i->model, lines));
  }
  std::stable_sort(blocks.begin(), blocks.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  std::string out;
  for (const auto &b : blocks)
    out += b.second + "\n";
  return out;
}

} // namespace odec::ast
