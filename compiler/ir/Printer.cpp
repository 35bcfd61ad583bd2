#include "ir/Printer.h"

#include "support/InternalError.h"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

// GCC 12 warns falsely on `"literal" + std::string&&` at -O2 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace odec::ir {

namespace {

// Julia's precedence levels, loosest first; postfix `'`, calls and indexing bind tightest.
enum Prec : int { kAdd = 1, kMul = 2, kNeg = 3, kPow = 4, kAtom = 5 };

struct Text {
  std::string s;
  int prec;
};

/// Shortest round-tripping spelling, always with a decimal point as Julia prints Float64:
/// 2.0, 0.1, -1.5, 1.0e-10, Inf, NaN.
std::string number(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e), exponent = e == std::string::npos ? "" : s.substr(e);
  if (mantissa.find('.') == std::string::npos)
    mantissa += ".0";
  if (!exponent.empty() && exponent[1] == '+')
    exponent.erase(1, 1);
  return mantissa + exponent;
}

std::string dims(const Shape &s) {
  return s.kind == Shape::Kind::Vector ? std::to_string(s.rows)
                                       : std::to_string(s.rows) + ", " + std::to_string(s.cols);
}

std::string paren(const Text &t, bool need) { return need ? "(" + t.s + ")" : t.s; }

std::string literal(const Node &n) {
  const Shape &s = n.shape;
  if (s.isScalar())
    return number(n.values[0]);
  // Uniform tensors are spelled by constructor; a literal of sixteen zeros helps nobody.
  if (n.isConstantValue(0))
    return "zeros(" + dims(s) + ")";
  if (n.isConstantValue(1))
    return "ones(" + dims(s) + ")";
  if (n.isConstantValue(n.values[0]))
    return "fill(" + number(n.values[0]) + ", " + dims(s) + ")";
  std::string out = "[";
  for (int r = 0; r < s.rows; ++r)
    for (int c = 0; c < s.cols; ++c) {
      if (r > 0 && c == 0)
        out += s.isVector() ? ", " : "; ";
      else if (c > 0)
        out += " ";
      out += number(n.values[size_t(r) * s.cols + c]);
    }
  return out + "]";
}

/// 1-based Julia index of `count` elements starting at 0-based `first` along a dimension of
/// `extent`: `:` for all of it, `i` for one, `i:j` for a range.
std::string indexRange(int first, int count, int extent, bool single) {
  if (count == extent && !single)
    return ":";
  if (count == 1 && single)
    return std::to_string(first + 1);
  return std::to_string(first + 1) + ":" + std::to_string(first + count);
}

class JuliaPrinter {
public:
  /// Nodes printed by name instead of by expression (let-bound temporaries).
  std::unordered_map<const Node *, std::string> names;

  Text print(const Node &n, bool inBroadcast = false) {
    auto it = names.find(&n);
    if (it != names.end())
      return {it->second, kAtom};
    return body(n, inBroadcast);
  }

  /// The node's own expression, ignoring any name it has.
  Text body(const Node &n, bool inBroadcast) {
    const bool dotted = !n.shape.isScalar();
    const std::string dot = dotted ? "." : "";
    switch (n.op) {
    case Op::Constant: {
      // A folded scalar broadcast: inside `.+` and friends the number says it all.
      bool plain = n.shape.isScalar() || (inBroadcast && n.isConstantValue(n.values[0]));
      return {plain ? number(n.values[0]) : literal(n), plain && n.values[0] < 0 ? kNeg : kAtom};
    }
    case Op::Variable: return {n.name, kAtom};
    case Op::Neg: {
      Text a = print(*n.args[0]);
      return {"-" + paren(a, a.prec <= kNeg), kNeg};
    }
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div:
      return infix(n, dot + opInfo(n.op).julia, n.op == Op::Add || n.op == Op::Sub ? kAdd : kMul,
                   true);
    case Op::Pow: return infix(n, dot + "^", kPow, true);
    case Op::MatMul: return infix(n, "*", kMul, false);
    case Op::Transpose: {
      Text a = print(*n.args[0]);
      return {paren(a, a.prec < kAtom) + "'", kAtom};
    }
    case Op::Broadcast: {
      // Inside `.+` and friends Julia broadcasts by itself; elsewhere spell it out.
      const Node &a = *n.args[0];
      if (inBroadcast)
        return print(a);
      if (a.shape.isScalar())
        return {"fill(" + print(a).s + ", " + dims(n.shape) + ")", kAtom};
      Text t = print(a);
      return {paren(t, t.prec < kMul) + " .* ones(" + dims(n.shape) + ")", kMul};
    }
    case Op::SumTo: return sumTo(n);
    case Op::Slice: return slice(n);
    case Op::Concat: {
      std::string out = "[";
      for (size_t i = 0; i < n.args.size(); ++i) {
        Text p = print(*n.args[i]);
        out += (i ? (n.attr0 == 0 ? "; " : " ") : "") + paren(p, n.attr0 == 1 && p.prec < kAtom);
      }
      return {out + "]", kAtom};
    }
    default: {
      // The other elementwise ops are functions (ir/OpList.h): broadcast calls on arrays,
      // plain calls on numbers.
      const bool binary = n.args.size() > 1; // max.(x, 0): a broadcast call, like `.+`
      std::string call = std::string(opInfo(n.op).julia) + dot + "(" + print(*n.args[0], binary).s;
      if (binary)
        call += ", " + print(*n.args[1], true).s;
      return {call + ")", kAtom};
    }
    }
  }

private:
  Text infix(const Node &n, const std::string &op, int prec, bool elementwise) {
    Text a = print(*n.args[0], elementwise), b = print(*n.args[1], elementwise);
    // Left-associative except `^`; the other side needs parentheses at equal precedence.
    bool rightAssoc = prec == kPow;
    return {paren(a, rightAssoc ? a.prec <= prec : a.prec < prec) + " " + op + " " +
                paren(b, rightAssoc ? b.prec < prec : b.prec <= prec),
            prec};
  }

  Text sumTo(const Node &n) {
    const Shape &from = n.args[0]->shape, &to = n.shape;
    std::string x = print(*n.args[0]).s;
    if (to.isScalar())
      return {"sum(" + x + ")", kAtom};
    bool rows = to.rows != from.rows, cols = to.cols != from.cols;
    std::string d = rows && cols ? "(1, 2)" : rows ? "1" : "2";
    std::string s = "sum(" + x + ", dims=" + d + ")";
    return {to.isVector() ? "vec(" + s + ")" : s, kAtom};
  }

  Text slice(const Node &n) {
    const Shape &from = n.args[0]->shape, &to = n.shape;
    Text a = print(*n.args[0]);
    std::string base = paren(a, a.prec < kAtom);
    bool single = to.isScalar();
    switch (from.kind) {
    case Shape::Kind::Vector:
      return {base + "[" + indexRange(n.attr0, to.rows, from.rows, single) + "]", kAtom};
    case Shape::Kind::RowVector:
      return {base + "[" + indexRange(n.attr1, to.cols, from.cols, single) + "]", kAtom};
    default:
      return {base + "[" + indexRange(n.attr0, to.rows, from.rows, to.rows == 1) + ", " +
                  indexRange(n.attr1, to.cols, from.cols, to.cols == 1) + "]",
              kAtom};
    }
  }
};

const char *roleName(VarRole r) {
  switch (r) {
  case VarRole::State: return "state";
  case VarRole::Param: return "param";
  case VarRole::Cotangent: return "cotangent";
  case VarRole::Time: return "time";
  case VarRole::Input: return "input";
  }
  return "?";
}

std::string outputName(const Function &f, size_t i) {
  return i < f.outputNames.size() ? f.outputNames[i] : "out" + std::to_string(i + 1);
}

} // namespace

std::string toJulia(const Expr &e) {
  internalCheck(bool(e), "toJulia: null expression");
  return JuliaPrinter().print(*e).s;
}

std::string toJulia(const Function &f) {
  std::unordered_map<const Node *, int> uses;
  std::set<std::string> taken;
  const std::vector<const Node *> order = topologicalOrder(f.outputs);
  for (const Node *n : order) {
    for (const Expr &a : n->args)
      ++uses[a.get()];
    if (n->is(Op::Variable))
      taken.insert(n->name);
  }
  for (const Expr &o : f.outputs)
    ++uses[o.get()];

  JuliaPrinter p;
  std::string out;
  int counter = 0;
  for (const Node *n : order) {
    if (uses[n] < 2 || opInfo(n->op).category == OpCategory::Leaf)
      continue;
    std::string name;
    do
      name = "t" + std::to_string(++counter);
    while (taken.count(name));
    out += name + " = " + p.body(*n, false).s + "\n";
    p.names[n] = name;
  }
  for (size_t i = 0; i < f.outputs.size(); ++i)
    out += outputName(f, i) + " = " + p.print(*f.outputs[i]).s + "\n";
  return out;
}

std::string dumpSSA(const Function &f) {
  std::unordered_map<const Node *, int> id;
  std::vector<const Node *> order;
  for (const Expr &in : f.inputs)
    if (id.emplace(in.get(), int(order.size())).second)
      order.push_back(in.get());
  for (const Node *n : topologicalOrder(f.outputs))
    if (id.emplace(n, int(order.size())).second)
      order.push_back(n);

  auto ssa = [](int i) { return "%" + std::to_string(i); };
  auto ref = [&](const Expr &e) { return ssa(id.at(e.get())); };
  std::string out = "function " + f.name + "(";
  for (size_t i = 0; i < f.inputs.size(); ++i)
    out += (i ? ", " : "") + f.inputs[i]->name + " : " + f.inputs[i]->shape.str();
  out += ")\n";
  for (const Node *n : order) {
    std::string line = "  " + ssa(id.at(n)) + " : " + n->shape.str() + " = ";
    if (n->is(Op::Variable)) {
      line += std::string(roleName(n->role)) + " " + n->name + " #" + std::to_string(n->index);
    } else if (n->is(Op::Constant)) {
      line += "const " + literal(*n);
    } else {
      line += opInfo(n->op).name;
      for (size_t i = 0; i < n->args.size(); ++i)
        line += (i ? ", " : " ") + ref(n->args[i]);
      if (n->is(Op::Slice))
        line += " at (" + std::to_string(n->attr0) + ", " + std::to_string(n->attr1) + ")";
      if (n->is(Op::Concat))
        line += " axis " + std::to_string(n->attr0);
    }
    out += line + "\n";
  }
  for (size_t i = 0; i < f.outputs.size(); ++i)
    out += "  return " + outputName(f, i) + " = " + ref(f.outputs[i]) + "\n";
  return out + "end\n";
}

} // namespace odec::ir
