#include "codegen/CppEmitter.h"

#include "autodiff/Derivative.h"
#include "autodiff/FieldVjp.h"
#include "codegen/AdaptiveCodegen.h"
#include "codegen/CppNames.h"
#include "ir/Builder.h"
#include "ir/OpTable.h"
#include "support/InternalError.h"
#include "tableau/SolverPlan.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace odec::codegen {

namespace {

/// A literal of type Real that round-trips the double exactly.
std::string literal(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s == "inf" || s == "-inf")
    return std::string(s[0] == '-' ? "-" : "") + "std::numeric_limits<Real>::infinity()";
  if (s == "nan" || s == "-nan")
    return "std::numeric_limits<Real>::quiet_NaN()";
  if (s.find_first_of(".e") == std::string::npos)
    s += ".0";
  return "Real(" + s + ")";
}

/// `text` safe inside a `//` comment: a control character (a newline would end the comment
/// and start code) or a backslash (one at the end of a line continues the comment) is
/// written as an escape, so user text never becomes code.
std::string commentText(const std::string &text) {
  std::string out;
  for (unsigned char ch : text) {
    if (ch == '\\')
      out += "\\\\";
    else if (ch < 0x20 || ch == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", unsigned(ch));
      out += buf;
    } else
      out += char(ch);
  }
  return out;
}

/// `text` as a C++ string literal that printf prints verbatim (used only as a "%s"
/// argument), every byte outside printable ASCII as an octal escape.
std::string stringLiteral(const std::string &text) {
  std::string out = "\"";
  for (unsigned char ch : text) {
    if (ch == '"' || ch == '\\')
      out += std::string("\\") + char(ch);
    else if (ch < 0x20 || ch >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", unsigned(ch));
      out += buf;
    } else
      out += char(ch);
  }
  return out + "\"";
}

// Index arithmetic as readable text: lin("r", 3, "c") = "r * 3 + c", with 0 and 1 folded.
bool isNumber(const std::string &s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}
std::string plus(const std::string &a, int64_t k) {
  if (k == 0)
    return a;
  return isNumber(a) ? std::to_string(std::stoll(a) + k) : a + " + " + std::to_string(k);
}
std::string lin(const std::string &row, int64_t cols, const std::string &col) {
  if (row == "0")
    return col;
  const bool number = isNumber(row);
  if (number && isNumber(col))
    return std::to_string(std::stoll(row) * cols + std::stoll(col));
  const bool compound = row.find(' ') != std::string::npos; // "r + 2": parenthesize
  std::string r = cols == 1 ? row
                  : number  ? std::to_string(std::stoll(row) * cols)
                  : (compound ? "(" + row + ")" : row) + " * " + std::to_string(cols);
  return col == "0" ? r : r + " + " + col;
}

/// Element-wise work on at most this many elements is written out statement by statement,
/// not as a loop. A big model's Jacobian is thousands of such tiny loops (a 1 000-binding
/// chain whose bindings read the state: ~12 000), and Clang's optimizer spent time quadratic
/// in their number on the control flow they make (promoting each small array to registers
/// walks the blocks): `odec jit --via cpp` of that chain took 8.7 s at 1 000 bindings and
/// 47 s at 2 000.
constexpr int64_t kWrittenOutElements = 4;

/// The C++ backend of the op table (ir/OpTable.h): each primitive as C++ text on operand
/// expressions (a variable or an element access, so repeating one is free; compound results
/// are parenthesized).
struct CppMath {
  using V = std::string;
  static std::string fn(const char *f, const V &a) { return std::string(f) + "(" + a + ")"; }
  static std::string infix(const V &a, const char *op, const V &b) {
    return "(" + a + " " + op + " " + b + ")";
  }
  V c(const V &, double v) { return literal(v); }
  V neg(const V &a) { return "(-" + a + ")"; }
  V add(const V &a, const V &b) { return infix(a, "+", b); }
  V sub(const V &a, const V &b) { return infix(a, "-", b); }
  V mul(const V &a, const V &b) { return infix(a, "*", b); }
  V div(const V &a, const V &b) { return infix(a, "/", b); }
  V pow(const V &a, const V &b) { return "std::pow(" + a + ", " + b + ")"; }
  V max(const V &a, const V &b) { return "std::fmax(" + a + ", " + b + ")"; }
  V min(const V &a, const V &b) { return "std::fmin(" + a + ", " + b + ")"; }
  V exp(const V &a) { return fn("std::exp", a); }
  V log(const V &a) { return fn("std::log", a); }
  V log1p(const V &a) { return fn("std::log1p", a); }
  V sin(const V &a) { return fn("std::sin", a); }
  V cos(const V &a) { return fn("std::cos", a); }
  V tanh(const V &a) { return fn("std::tanh", a); }
  V sqrt(const V &a) { return fn("std::sqrt", a); }
  V abs(const V &a) { return fn("std::fabs", a); }
  V erf(const V &a) { return fn("std::erf", a); }
  V positive(const V &x, const V &then, const V &otherwise) {
    return "(" + x + " > Real(0) ? " + then + " : " + otherwise + ")";
  }
  V negative(const V &x, const V &then, const V &otherwise) {
    return "(" + x + " < Real(0) ? " + then + " : " + otherwise + ")";
  }
};

std::string elementwise(ir::Op op, const std::string &a, const std::string &b) {
  CppMath m;
  return ir::elementwiseValue(m, op, a, b);
}

/// A computed or bound tensor: `scalar` values are plain expressions, the others arrays
/// (or pointers) indexed row-major.
struct CppValue {
  std::string expr;
  bool scalar;
  std::string at(const std::string &index) const { return scalar ? expr : expr + "[" + index + "]"; }
};

/// The stack bytes one generated function may use for its arrays; beyond them a local goes
/// to the heap (Heap<T> in the header). Threads' stacks may be 8 MiB or much less, and the
/// functions nest (simulate, step, stages, field).
constexpr int64_t kStackBudget = 64 * 1024;

/// `indent type name{};`, or for an object beyond the stack budget left, the same object on
/// the heap: `Heap<type> name_heap; type &name = *name_heap;`.
std::string objectLocal(const std::string &indent, const std::string &type, const std::string &name,
                        int64_t bytes, int64_t &budgetLeft) {
  if (bytes <= budgetLeft) {
    budgetLeft -= bytes;
    return indent + type + " " + name + "{};\n";
  }
  return indent + "Heap<" + type + "> " + name + "_heap;\n" + indent + type + " &" + name +
         " = *" + name + "_heap;\n";
}

/// Writes the body of one C++ function that evaluates IR expressions: one local per node,
/// in topological order, each computed once.
class BodyWriter {
public:
  BodyWriter(std::ostream &out, CppNameScope &names) : out_(out), names_(names) {}

  void bind(const ir::Expr &var, CppValue v) { memo_[var.get()] = std::move(v); }

  const CppValue &evaluate(const ir::Expr &e) {
    for (const ir::Node *n : ir::topologicalOrder({e}))
      if (!memo_.count(n))
        memo_[n] = emit(*n);
    return memo_.at(e.get());
  }

  /// For an R×C nest of at most kWrittenOutElements elements, emits `statement(r, c)` for each
  /// (r, c) as numbers, and says so; otherwise emits nothing: the caller writes the loops.
  bool writtenOut(int64_t R, int64_t C,
                  const std::function<std::string(const std::string &, const std::string &)> &statement) {
    if (R * C > kWrittenOutElements)
      return false;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t c = 0; c < C; ++c)
        out_ << "  " << statement(std::to_string(r), std::to_string(c)) << ";\n";
    return true;
  }

  /// Emits `statement(r, c)` for every element of an R×C nest: written out, or as loops over
  /// r and c.
  void forEachElement(int64_t R, int64_t C,
                      const std::function<std::string(const std::string &, const std::string &)> &statement) {
    if (!writtenOut(R, C, statement))
      out_ << "  for (int r = 0; r < " << R << "; ++r)\n    for (int c = 0; c < " << C
           << "; ++c)\n      " << statement("r", "c") << ";\n";
  }

  /// Emits `dst[offset + i] op= e[i]` for every element of e.
  void store(const ir::Expr &e, const CppValue &dst, int64_t offset, const char *op = "=") {
    const CppValue &v = evaluate(e);
    const int64_t n = e->shape.size();
    if (writtenOut(n, 1, [&](const std::string &i, const std::string &) {
          return dst.at(plus(i, offset)) + " " + op + " " + v.at(i);
        }))
      return;
    out_ << "  for (int i = 0; i < " << n << "; ++i)\n    " << dst.at(plus("i", offset)) << " "
         << op << " " << v.at("i") << ";\n";
  }

  /// Emits the matrix e into rows row0.. and columns col0.. of dst, `stride` columns wide.
  void storeBlock(const ir::Expr &e, const std::string &dst, int64_t row0, int64_t col0,
                  int64_t stride) {
    const CppValue &v = evaluate(e);
    const int R = e->shape.rows, C = e->shape.cols;
    const auto at = [&](const std::string &r, const std::string &c) {
      return dst + "[" + lin(plus(r, row0), stride, plus(c, col0)) + "]";
    };
    forEachElement(R, C, [&](const std::string &r, const std::string &c) {
      return at(r, c) + " = " + v.at(lin(r, C, c));
    });
  }

private:
  std::ostream &out_;
  CppNameScope &names_;
  std::unordered_map<const ir::Node *, CppValue> memo_;
  int64_t stackLeft_ = kStackBudget;

  const CppValue &arg(const ir::Node &n, size_t i) { return memo_.at(n.args[i].get()); }

  /// Declares the node's local and returns it; size-1 results are scalars. Arrays beyond the
  /// stack budget live on the heap (zeroed there in any case).
  CppValue declare(const ir::Node &n, bool zeroed) {
    const std::string name = names_.claim("t");
    const int64_t size = n.shape.size();
    if (size == 1) {
      out_ << "  Real " << name << (zeroed ? " = Real(0)" : "");
      return {name, true};
    }
    // An array of a few elements is written element by element (writtenOut) and becomes
    // registers once optimized; counted against the budget, the thousands a big Jacobian has
    // went to the heap one by one, each with its cleanup path (at 4 000 bindings of the
    // "reads x" chain, 20 s of Clang's block merging).
    const bool tiny = size <= kWrittenOutElements;
    if (tiny || size * 8 <= stackLeft_) {
      stackLeft_ -= tiny ? 0 : size * 8;
      out_ << "  Real " << name << "[" << size << "]" << (zeroed ? " = {}" : "");
      return {name, false};
    }
    out_ << "  Heap<std::array<Real, " << size << ">> " << name;
    return {"(*" + name + ")", false};
  }

  /// Loops over the result's elements (r, c) and assigns element(r, c) to each.
  CppValue tabulate(const ir::Node &n,
                    const std::function<std::string(std::string, std::string)> &element) {
    const int R = n.shape.rows, C = n.shape.cols;
    if (R * C == 1) {
      // Not `const`: Clang tries to evaluate a const local's initializer as a constant,
      // recursing through the initializers of the consts it reads, and a chain of a few
      // thousand bindings overflowed its stack (clang++ on the header too).
      const std::string name = names_.claim("t");
      out_ << "  Real " << name << " = " << element("0", "0") << ";\n";
      return {name, true};
    }
    CppValue v = declare(n, false);
    out_ << ";\n";
    if (writtenOut(R, C, [&](const std::string &r, const std::string &c) {
          return v.at(lin(r, C, c)) + " = " + element(r, c);
        }))
      return v;
    if (R > 1 && C > 1)
      out_ << "  for (int r = 0; r < " << R << "; ++r)\n    for (int c = 0; c < " << C
           << "; ++c)\n      " << v.at(lin("r", C, "c")) << " = " << element("r", "c") << ";\n";
    else
      out_ << "  for (int i = 0; i < " << R * C << "; ++i)\n    " << v.at("i") << " = "
           << element(R > 1 ? "i" : "0", C > 1 ? "i" : "0") << ";\n";
    return v;
  }

  CppValue emit(const ir::Node &n) {
    using ir::Op;
    const int R = n.shape.rows, C = n.shape.cols;
    switch (ir::opInfo(n.op).category) {
    case ir::OpCategory::Leaf: {
      if (n.op != Op::Constant)
        throw InternalError("emitCpp: unbound variable '" + n.name + "'");
      if (n.shape.size() == 1)
        return {literal(n.values[0]), true};
      const std::string name = names_.claim("lit");
      out_ << "  static constexpr Real " << name << "[" << n.values.size() << "] = {";
      for (size_t i = 0; i < n.values.size(); ++i)
        out_ << (i ? ", " : "") << literal(n.values[i]);
      out_ << "};\n";
      return {name, false};
    }
    case ir::OpCategory::Unary:
      return tabulate(n, [&](const std::string &r, const std::string &c) {
        return elementwise(n.op, arg(n, 0).at(lin(r, C, c)), "");
      });
    case ir::OpCategory::Binary:
      return tabulate(n, [&](const std::string &r, const std::string &c) {
        return elementwise(n.op, arg(n, 0).at(lin(r, C, c)), arg(n, 1).at(lin(r, C, c)));
      });
    case ir::OpCategory::Structural: break;
    }
    const Shape &s0 = n.args[0]->shape;
    switch (n.op) {
    case Op::MatMul: {
      const int K = s0.cols;
      const CppValue &a = arg(n, 0), &b = arg(n, 1);
      CppValue v = declare(n, true);
      out_ << ";\n";
      std::string indent = "  ";
      std::string r = "0", c = "0";
      if (R > 1) {
        out_ << indent << "for (int r = 0; r < " << R << "; ++r)\n";
        indent += "  ";
        r = "r";
      }
      if (C > 1) {
        out_ << indent << "for (int c = 0; c < " << C << "; ++c)\n";
        indent += "  ";
        c = "c";
      }
      out_ << indent << "for (int k = 0; k < " << K << "; ++k)\n"
           << indent << "  " << v.at(lin(r, C, c)) << " += " << a.at(lin(r, K, "k")) << " * "
           << b.at(lin("k", C, c)) << ";\n";
      return v;
    }
    case Op::Transpose:
      return tabulate(n, [&](const std::string &r, const std::string &c) {
        return arg(n, 0).at(lin(c, s0.cols, r));
      });
    case Op::Broadcast:
      return tabulate(n, [&](const std::string &r, const std::string &c) {
        return arg(n, 0).at(lin(s0.rows == 1 ? "0" : r, s0.cols, s0.cols == 1 ? "0" : c));
      });
    case Op::Slice:
      return tabulate(n, [&](const std::string &r, const std::string &c) {
        return arg(n, 0).at(lin(plus(r, n.attr0), s0.cols, plus(c, n.attr1)));
      });
    case Op::SumTo: {
      CppValue v = declare(n, true);
      out_ << ";\n";
      auto add = [&](const std::string &r, const std::string &c) {
        return v.at(lin(R == 1 ? "0" : r, C, C == 1 ? "0" : c)) + " += " + arg(n, 0).at(lin(r, s0.cols, c));
      };
      forEachElement(s0.rows, s0.cols, add);
      return v;
    }
    case Op::Concat: {
      CppValue v = declare(n, false);
      out_ << ";\n";
      int offset = 0; // rows (axis 0) or columns (axis 1) already filled
      for (size_t p = 0; p < n.args.size(); ++p) {
        const Shape &ps = n.args[p]->shape;
        auto copy = [&](const std::string &r, const std::string &c) {
          const std::string row = n.attr0 == 0 ? plus(r, offset) : r;
          const std::string col = n.attr0 == 0 ? c : plus(c, offset);
          return v.at(lin(row, C, col)) + " = " + arg(n, p).at(lin(r, ps.cols, c));
        };
        forEachElement(ps.rows, ps.cols, copy);
        offset += n.attr0 == 0 ? ps.rows : ps.cols;
      }
      return v;
    }
    default: throw InternalError(std::string("emitCpp: unhandled op ") + ir::opInfo(n.op).name);
    }
  }
};

/// A C++ function's names: the loop indices, arguments and the header's type names that
/// generated code uses are claimed before any user identifier, which then gets a suffix if it
/// would shadow one.
CppNameScope functionScope(std::initializer_list<const char *> arguments) {
  CppNameScope scope;
  for (const char *n : {"i", "r", "c", "k", "Real", "State", "Stages", "Params", "Heap"})
    scope.claim(n);
  for (const char *n : arguments)
    scope.claim(n);
  return scope;
}

/// Σ_j coef[j] · term(j) over the nonzero coefficients, as text.
std::string combination(const std::vector<double> &coef,
                        const std::function<std::string(size_t)> &term) {
  std::string sum;
  for (size_t j = 0; j < coef.size(); ++j)
    if (coef[j] != 0)
      sum += (sum.empty() ? "" : " + ") + literal(coef[j]) + " * " + term(j);
  return sum.empty() ? "Real(0)" : sum;
}

class HeaderWriter {
public:
  HeaderWriter(const ir::ModelIR &model, const ButcherTableau &tableau, const CppOptions &options)
      : m_(model), t_(tableau), o_(options), D_(model.stateDim()), E_(model.exoDim()) {
    CppNameScope members;
    for (const ir::ModelIR::Slot &p : m_.params)
      members_.push_back(members.claim(p.name));
    ad::FieldVjp vjp = ad::fieldVjp(m_, "", "_cot");
    vjpCot_ = std::move(vjp.cotangents);
    vjp_ = std::move(vjp.all);
  }

  std::string write() {
    prologue();
    params();
    if (E_ > 0)
      stageValues();
    field();
    jacobian();
    fieldVJP();
    solver();
    lossGrad();
    if (t_.hasEmbedded() && E_ == 0)
      adaptive();
    out_ << "} // namespace " << namespace_ << "\n";
    if (o_.withMain)
      mainFunction();
    return out_.str();
  }

private:
  const ir::ModelIR &m_;
  const ButcherTableau &t_;
  const CppOptions &o_;
  std::vector<ir::Expr> vjpCot_, vjp_; // cotangent Variables; vjp_ = state parts, then params
  int64_t D_;
  int64_t E_; // exogenous values per stage (t, then the inputs); 0: autonomous
  std::vector<std::string> members_; // Params' member per parameter
  std::string namespace_ = cppIdentifier(m_.name);
  std::ostringstream out_;

  /// A driven model's functions take the exogenous values last (the autonomous header is as
  /// it always was): `, const Real *exo` in a declaration, `, <at>` in a call.
  std::string exoParam() const { return E_ > 0 ? ", [[maybe_unused]] const Real *exo" : ""; }
  std::string exoArg(const std::string &at) const { return E_ > 0 ? ", " + at : ""; }

  std::string member(size_t p, const std::string &object) const {
    return object + "." + members_[p];
  }

  void prologue() {
    out_ << "// " << commentText(m_.name) << " with tableau " << commentText(t_.name) << " ("
         << (o_.singlePrecision ? "float" : "double") << "), generated by odec 0.1.0 "
         << "(odec emit-cpp) from "
         << (o_.sourceFile.empty() ? "<string>" : commentText(o_.sourceFile))
         << ".\n// Do not edit: regenerate it from the source. C++17, standard library only.\n"
         << "// Flat layouts: states in declaration order, then parameters likewise, each "
            "row-major.\n"
         << (o_.withMain ? "" : "#pragma once\n") << "\n#include <array>\n#include <cmath>\n#include <cstddef>\n#include "
            "<cstdint>\n#include <cstdlib>\n#include <limits>\n#include <new>\n\nnamespace "
         << namespace_ << " {\n\nusing Real = " << (o_.singlePrecision ? "float" : "double")
         << ";\ninline constexpr int kStateDim = " << D_ << ";\ninline constexpr int kParamCount = "
         << m_.paramCount() << ";\ninline constexpr int kStages = " << t_.stages << ";\n"
         << (E_ > 0 ? "/// Exogenous values per stage: t, then the inputs (see stageValues).\n"
                      "inline constexpr int kExoDim = " + std::to_string(E_) + ";\n"
                    : std::string())
         << "using State = std::array<Real, kStateDim>;\n\n"
         << "/// A local too large for the stack, value-initialized on the heap (malloc: the code "
            "needs\n/// nothing beyond libc and libm). Out of memory aborts, as a stack overflow "
            "would crash.\ntemplate <class T> class Heap {\npublic:\n"
            "  Heap() : p_(static_cast<T *>(std::malloc(sizeof(T)))) {\n    if (!p_)\n"
            "      std::abort();\n    ::new (static_cast<void *>(p_)) T();\n  }\n"
            "  ~Heap() {\n    p_->~T();\n    std::free(p_);\n  }\n"
            "  Heap(const Heap &) = delete;\n  Heap &operator=(const Heap &) = delete;\n"
            "  T &operator*() const { return *p_; }\n\nprivate:\n  T *p_;\n};\n\n";
  }

  void params() {
    const bool baked = !o_.params.empty();
    out_ << "/// The parameters; defaults: " << (baked ? "the values of the params file" : "zeros")
         << ".\nstruct Params {\n";
    for (size_t p = 0; p < m_.params.size(); ++p) {
      const ir::ModelIR::Slot &s = m_.params[p];
      const int64_t n = s.shape.size();
      auto value = [&](int64_t i) {
        return literal(baked ? o_.params[size_t(s.offset + i)] : 0.0);
      };
      if (s.shape.isScalar()) {
        out_ << "  Real " << members_[p] << " = " << value(0) << "; // " << commentText(s.name)
             << "::Real\n";
        continue;
      }
      out_ << "  std::array<Real, " << n << "> " << members_[p] << " = {";
      for (int64_t i = 0; i < n; ++i)
        out_ << (i ? ", " : "") << value(i);
      out_ << "}; // " << commentText(s.name) << "::" << s.shape.str() << "\n";
    }
    out_ << "};\n\n/// Every parameter zero (a gradient accumulator).\ninline void zero("
         << (m_.params.empty() ? "[[maybe_unused]] " : "") << "Params &g) {\n";
    for (size_t p = 0; p < m_.params.size(); ++p)
      out_ << "  " << member(p, "g")
           << (m_.params[p].shape.isScalar() ? " = Real(0);\n" : ".fill(Real(0));\n");
    out_ << "}\n\n/// The flat parameter vector (kParamCount values) into p.\ninline void "
            "unflatten("
         << (m_.params.empty() ? "[[maybe_unused]] " : "") << "const Real *flat, "
         << (m_.params.empty() ? "[[maybe_unused]] " : "") << "Params &p) {\n";
    forEachParamElement("  p", " = flat[", "];\n");
    out_ << "}\n\n/// The same as a value (a large model's Params is better kept on the heap).\n"
            "inline Params unflatten(const Real *flat) {\n  Params p;\n  unflatten(flat, p);\n"
            "  return p;\n}\n\ninline void flatten("
         << (m_.params.empty() ? "[[maybe_unused]] const Params &p, [[maybe_unused]] " : "const Params &p, ")
         << "Real *flat) {\n";
    for (size_t p = 0; p < m_.params.size(); ++p) {
      const ir::ModelIR::Slot &s = m_.params[p];
      if (s.shape.isScalar())
        out_ << "  flat[" << s.offset << "] = " << member(p, "p") << ";\n";
      else
        out_ << "  for (int i = 0; i < " << s.shape.size() << "; ++i)\n    flat["
             << plus("i", s.offset) << "] = " << member(p, "p") << "[i];\n";
    }
    out_ << "}\n\n";
  }

  /// `object.member[i] <mid> offset + i <end>` for every parameter element (unflatten).
  void forEachParamElement(const std::string &object, const char *mid, const char *end) {
    for (size_t p = 0; p < m_.params.size(); ++p) {
      const ir::ModelIR::Slot &s = m_.params[p];
      if (s.shape.isScalar())
        out_ << object << "." << members_[p] << mid << s.offset << end;
      else
        out_ << "  for (int i = 0; i < " << s.shape.size() << "; ++i)\n  " << object << "."
             << members_[p] << "[i]" << mid << plus("i", s.offset) << end;
    }
  }

  /// Binds the parameters (as members of p) and those states and cotangents that roots use
  /// (as pointers into `state` and `cot`, named after the user's identifiers).
  void bindInputs(BodyWriter &w, CppNameScope &scope, const std::vector<ir::Expr> &roots) {
    for (size_t p = 0; p < m_.params.size(); ++p)
      w.bind(m_.params[p].var, {member(p, "p"), m_.params[p].shape.isScalar()});
    std::unordered_map<const ir::Node *, bool> used;
    for (const ir::Node *n : ir::topologicalOrder(roots))
      used[n] = true;
    for (size_t k = 0; k < m_.states.size(); ++k) {
      const ir::ModelIR::Slot &s = m_.states[k];
      for (const auto &[var, base] : {std::pair{s.var, "state"}, std::pair{vjpCot_[k], "cot"}}) {
        if (!used.count(var.get()))
          continue;
        const std::string name = scope.claim(var->name);
        out_ << "  const Real *" << name << " = " << plus(base, s.offset) << ";\n";
        w.bind(var, {name, false});
      }
    }
    for (const ir::ModelIR::Slot &e : m_.exogenous) {
      if (!used.count(e.var.get()))
        continue;
      if (e.shape.isScalar()) {
        w.bind(e.var, {"exo[" + std::to_string(e.offset) + "]", true});
        continue;
      }
      const std::string name = scope.claim(e.var->name);
      out_ << "  const Real *" << name << " = " << plus("exo", e.offset) << ";\n";
      w.bind(e.var, {name, false});
    }
  }

  /// simulate's exo for one trajectory, with each input's interpolation written out.
  void stageValues() {
    const size_t inputs = m_.interpolation.size();
    out_ << R"ODEC(/// One input's samples: count strictly increasing times and count x width values, row-major.
struct InputSamples {
  const double *times = nullptr;
  const Real *values = nullptr;
  std::int64_t count = 0;
};

namespace detail {
inline double tolerance(double t) { return 1e-9 * (std::fabs(t) > 1 ? std::fabs(t) : 1.0); }
inline bool increasing(const InputSamples &in, std::int64_t least) {
  if (in.count < least || !in.times || !in.values)
    return false;
  for (std::int64_t k = 0; k < in.count; ++k)
    if (!std::isfinite(in.times[k]) || (k > 0 && !(in.times[k] > in.times[k - 1])))
      return false;
  return true;
}
/// Zero-order hold: the last sample at or before t (from the left: before t, for the stages
/// after a step's start, so a jump on a step boundary belongs to the next step).
inline bool hold(const InputSamples &in, int width, double t, bool left, Real *out) {
  if (!(t >= in.times[0] - tolerance(t)))
    return false;
  const double bound = left ? t - tolerance(t) : t + tolerance(t);
  std::int64_t lo = 0, hi = in.count;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (left ? in.times[mid] < bound : in.times[mid] <= bound)
      lo = mid + 1;
    else
      hi = mid;
  }
  const std::int64_t k = lo > 0 ? lo - 1 : 0;
  for (int j = 0; j < width; ++j)
    out[j] = in.values[k * width + j];
  return true;
}
/// The natural cubic spline's second derivatives (count x width; M_0 = M_last = 0), by the
/// Thomas algorithm on the diagonally dominant tridiagonal system; null when out of memory.
inline double *curvature(const InputSamples &in, int width) {
  const std::int64_t n = in.count;
  double *M = static_cast<double *>(std::calloc(std::size_t(n * width + n), sizeof(double)));
  if (!M || n < 3)
    return M;
  double *upper = M + n * width;
  for (std::int64_t i = 1; i + 1 < n; ++i) {
    const double hl = in.times[i] - in.times[i - 1], hr = in.times[i + 1] - in.times[i];
    const double pivot = 2 * (hl + hr) - (i > 1 ? hl * upper[i - 1] : 0.0);
    upper[i] = hr / pivot;
    for (int j = 0; j < width; ++j) {
      const double y0 = double(in.values[(i - 1) * width + j]), y1 = double(in.values[i * width + j]),
                   y2 = double(in.values[(i + 1) * width + j]);
      const double rhs = 6 * ((y2 - y1) / hr - (y1 - y0) / hl);
      M[i * width + j] = (rhs - hl * M[(i - 1) * width + j]) / pivot;
    }
  }
  for (std::int64_t i = n - 2; i >= 1; --i)
    for (int j = 0; j < width; ++j)
      M[i * width + j] -= upper[i] * M[(i + 1) * width + j];
  return M;
}
/// Linear interpolation (M null) or the natural cubic spline between the samples; no
/// extrapolation past either end.
inline bool between(const InputSamples &in, int width, const double *M, double t, Real *out) {
  const double first = in.times[0], last = in.times[in.count - 1];
  if (!(t >= first - tolerance(t)) || !(t <= last + tolerance(t)))
    return false;
  t = t < first ? first : (t > last ? last : t);
  std::int64_t lo = 0, hi = in.count;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (in.times[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  std::int64_t k = lo - 1;
  k = k < 0 ? 0 : (k > in.count - 2 ? in.count - 2 : k);
  const double h = in.times[k + 1] - in.times[k];
  const double a = (in.times[k + 1] - t) / h, b = (t - in.times[k]) / h;
  for (int j = 0; j < width; ++j) {
    double v = a * double(in.values[k * width + j]) + b * double(in.values[(k + 1) * width + j]);
    if (M)
      v += ((a * a * a - a) * M[k * width + j] + (b * b * b - b) * M[(k + 1) * width + j]) * h *
           h / 6;
    out[j] = Real(v);
  }
  return true;
}
} // namespace detail

)ODEC";
    out_ << "/// simulate's exo for one trajectory of `steps` steps of h from t0 (steps x kStages x "
            "kExoDim):\n/// stage i of step n at t = t0 + n h + c_i h, then "
         << (inputs ? "each input read there from inputs[k] (one per `input` declaration, in\n"
                      "/// order) through its declared interpolation"
                    : "nothing else (the model has no inputs; `inputs` is unread)")
         << ". Returns false where an input is\n/// undefined (before its first sample; after "
            "its last for Linear and CubicSpline) or its samples\n/// are unusable (too few, "
            "times not strictly increasing), as odec's own solvers refuse them.\n"
         << "inline bool stageValues(double t0, double h, std::int64_t steps, "
         << (inputs ? "" : "[[maybe_unused]] ") << "const InputSamples *inputs, Real *exo) {\n";
    for (size_t k = 0; k < inputs; ++k) {
      const std::string kind = m_.interpolation[k];
      out_ << "  if (!detail::increasing(inputs[" << k << "], " << (kind == "Hold" ? 1 : 2)
           << "))\n    return false;\n";
      if (kind == "CubicSpline")
        out_ << "  struct Curvature" << k << " {\n    double *M;\n    ~Curvature" << k
             << "() { std::free(M); }\n  } spline" << k << "{detail::curvature(inputs[" << k
             << "], " << m_.exogenous[k + 1].shape.size() << ")};\n  if (!spline" << k
             << ".M)\n    return false;\n";
    }
    out_ << "  for (std::int64_t n = 0; n < steps; ++n) {\n    const double start = t0 + "
            "double(n) * h;\n";
    for (int i = 0; i < t_.stages; ++i) {
      const double c = t_.c[size_t(i)].value;
      out_ << "    {\n      Real *row = exo + (n * kStages + " << i << ") * kExoDim;\n"
           << "      const double t = start + " << literal(c) << " * h;\n      row[0] = Real(t);\n";
      for (size_t k = 0; k < inputs; ++k) {
        const ir::ModelIR::Slot &in = m_.exogenous[k + 1];
        const std::string kind = m_.interpolation[k], width = std::to_string(in.shape.size()),
                          at = "row + " + std::to_string(in.offset);
        if (kind == "Hold")
          out_ << "      if (!detail::hold(inputs[" << k << "], " << width << ", t, "
               << (c > 0 ? "true" : "false") << ", " << at << "))\n        return false;\n";
        else
          out_ << "      if (!detail::between(inputs[" << k << "], " << width << ", "
               << (kind == "CubicSpline" ? "spline" + std::to_string(k) + ".M" : "nullptr")
               << ", t, " << at << "))\n        return false;\n";
      }
      out_ << "    }\n";
    }
    out_ << "  }\n  return true;\n}\n\n";
  }

  void field() {
    out_ << "/// dxdt = f(state; p" << (E_ > 0 ? ", exo" : "")
         << "), the vector field.\ninline void field([[maybe_unused]] const "
            "Params &p, [[maybe_unused]] const Real *state, Real *dxdt"
         << exoParam() << ") {\n";
    CppNameScope scope = functionScope({"p", "state", "dxdt", "exo"});
    BodyWriter w(out_, scope);
    bindInputs(w, scope, m_.ddt);
    for (size_t k = 0; k < m_.states.size(); ++k)
      w.store(m_.ddt[k], {"dxdt", false}, m_.states[k].offset);
    out_ << "}\n\n";
  }

  void jacobian() {
    for (const ir::ModelIR::Slot &s : m_.states)
      if (!s.shape.isScalar() && !s.shape.isVector()) {
        out_ << "// No jacobian(): state " << s.name << " is a matrix.\n\n";
        return;
      }
    std::vector<ir::Expr> blocks;
    for (const ir::Expr &f : m_.ddt)
      for (const ir::ModelIR::Slot &s : m_.states)
        blocks.push_back(ad::jacobian(f, s.var));
    out_ << "/// J = ∂f/∂x at state, kStateDim x kStateDim, row-major.\ninline void "
            "jacobian([[maybe_unused]] const Params &p, [[maybe_unused]] const Real *state, "
            "Real *J"
         << exoParam() << ") {\n";
    CppNameScope scope = functionScope({"p", "state", "J", "exo"});
    BodyWriter w(out_, scope);
    bindInputs(w, scope, blocks);
    size_t b = 0;
    for (const ir::ModelIR::Slot &si : m_.states)
      for (const ir::ModelIR::Slot &sj : m_.states)
        w.storeBlock(blocks[b++], "J", si.offset, sj.offset, D_);
    out_ << "}\n\n";
  }

  void fieldVJP() {
    out_ << "/// stateBar = ⟨cot, ∂f/∂x⟩ (overwritten) and paramsBar += ⟨cot, ∂f/∂θ⟩ at state.\n"
            "inline void fieldVJP([[maybe_unused]] const Params &p, [[maybe_unused]] const Real "
            "*state, [[maybe_unused]] const Real *cot, Real *stateBar, [[maybe_unused]] Params "
            "&paramsBar"
         << exoParam() << ") {\n";
    CppNameScope scope = functionScope({"p", "state", "cot", "stateBar", "paramsBar", "exo"});
    BodyWriter w(out_, scope);
    bindInputs(w, scope, vjp_);
    for (size_t k = 0; k < m_.states.size(); ++k)
      w.store(vjp_[k], {"stateBar", false}, m_.states[k].offset);
    for (size_t p = 0; p < m_.params.size(); ++p) {
      const ir::Expr &g = vjp_[m_.states.size() + p];
      if (!g->isConstantValue(0))
        w.store(g, {member(p, "paramsBar"), m_.params[p].shape.isScalar()}, 0, "+=");
    }
    out_ << "}\n\n";
  }

  /// Stage i's state from x, h and the earlier slopes in s, then (after `beforeField`) its
  /// slope.
  std::string stage(int i, const std::string &beforeField) const {
    std::vector<double> a;
    for (int j = 0; j < i; ++j)
      a.push_back(t_.a(i, j));
    // A stage with no earlier slopes evaluates the field at x itself.
    std::string value = "x[d]";
    if (std::any_of(a.begin(), a.end(), [](double v) { return v != 0; }))
      value = "x[d] + h * (" +
              combination(a, [](size_t j) { return "s.slope[" + std::to_string(j) + "][d]"; }) +
              ")";
    return "  for (int d = 0; d < kStateDim; ++d)\n    s.state[" + std::to_string(i) +
           "][d] = " + value + ";\n" + beforeField + "  field(p, s.state[" + std::to_string(i) +
           "].data(), s.slope[" + std::to_string(i) + "].data()" +
           exoArg(i == 0 ? "exo" : "exo + " + std::to_string(i) + " * kExoDim") + ");\n";
  }

  void solver() {
    const int S = t_.stages;
    out_ << "/// One step's stage states (where each slope is evaluated) and slopes.\nstruct "
            "Stages {\n  std::array<State, kStages> state, slope;\n};\n\n"
         << "/// The stages of one step of " << t_.name << " from x; the last slope only when "
         << "lastSlope" << (E_ > 0 ? " (exo: this step's kStages x kExoDim values)" : "")
         << ".\ninline void stages(const Params &p, const Real *x, Real h, Stages &s, "
            "[[maybe_unused]] bool lastSlope"
         << exoParam() << ") {\n";
    for (int i = 0; i < S; ++i)
      out_ << stage(i, i == S - 1 ? "  if (lastSlope)\n  " : "");
    std::vector<double> b;
    for (const Coefficient &c : t_.b)
      b.push_back(c.value);
    const int64_t state = D_ * 8, stages = 2 * S * state;
    int64_t stepBudget = kStackBudget, simulateBudget = kStackBudget;
    out_ << "}\n\n/// x ← x + h Σ b_i k_i.\ninline void step(const Params &p, Real *x, Real h"
         << exoParam() << ") {\n"
         << objectLocal("  ", "Stages", "s", stages, stepBudget)
         << "  stages(p, x, h, s, true" << exoArg("exo")
         << ");\n  for (int d = 0; d < kStateDim; ++d)\n"
         << "    x[d] = x[d] + h * ("
         << combination(b, [](size_t j) { return "s.slope[" + std::to_string(j) + "][d]"; })
         << ");\n}\n\n"
         << "/// steps steps of size h from each of batch initial states x0 (batch x kStateDim);\n"
         << "/// out[(b * (steps + 1) + n) * kStateDim + d] is component d at t = n h"
         << (E_ > 0 ? " (after t0);\n/// exo: batch x steps x kStages x kExoDim, each "
                      "trajectory's stageValues.\n"
                    : ".\n")
         << "inline void simulate(const Params &p, const Real *x0, Real *out, std::int64_t "
            "batch, std::int64_t steps, Real h"
         << exoParam() << ") {\n"
         << "  for (std::int64_t b = 0; b < batch; ++b) {\n"
         << "    Real *row = out + b * (steps + 1) * kStateDim;\n"
         << objectLocal("    ", "State", "x", state, simulateBudget)
         << "    for (int d = 0; d < kStateDim; ++d)\n"
         << "      row[d] = x[d] = x0[b * kStateDim + d];\n"
         << "    for (std::int64_t n = 0; n < steps; ++n) {\n      step(p, x.data(), h"
         << exoArg("exo + (b * steps + n) * kStages * kExoDim") << ");\n"
         << "      for (int d = 0; d < kStateDim; ++d)\n"
         << "        row[(n + 1) * kStateDim + d] = x[d];\n    }\n  }\n}\n\n";
  }

  /// Adaptive steps of an embedded pair, the algorithm of AdaptiveCodegen.h one trajectory at a
  /// time: the same norm, controller, first-slope reuse, dense output and step record.
  void adaptive() {
    const int S = t_.stages, q = embeddedErrorOrder(t_);
    const SolverPlan plan = SolverPlan::of(t_);
    std::vector<double> b, e;
    for (int i = 0; i < S; ++i) {
      const Coefficient &w = t_.b[size_t(i)], &v = t_.bhat[size_t(i)];
      b.push_back(w.value);
      e.push_back(w.exact && v.exact ? (*w.exact - *v.exact).toDouble() : w.value - v.value);
    }
    auto slope = [](size_t j) { return "s.slope[" + std::to_string(j) + "][d]"; };
    const int64_t state = D_ * 8;
    int64_t budget = kStackBudget;
    out_ << "/// Adaptive steps with the embedded pair " << t_.name
         << " (odec's AdaptiveSolver, one trajectory at a time):\n"
            "/// Hairer's RMS error norm with weights atol + rtol max(|x_n|, |x_n+1|), accepted at "
            "err <= 1;\n/// the PI controller h safety err^-alpha err_prev^beta in [minFactor, "
            "maxFactor] (alpha = 1/(q+1) - 0.75 beta);\n/// steps end on the last time (or each "
            "time with stepToTimes), the others from the dense output.\n"
            "struct AdaptiveControl {\n  Real rtol = Real(1e-6), atol = Real(1e-9);\n"
            "  std::int64_t maxSteps = 100000; // accepted and rejected together\n"
            "  Real safety = Real(0.9), minFactor = Real(0.2), maxFactor = Real(10), beta = "
            "Real(0.04);\n  bool stepToTimes = false;\n};\n\n"
            "/// status: 0 done, 1 maxSteps reached, 2 the step size underflowed, 3 the field is "
            "not finite;\n/// t: the time reached; lastStep: the last step tried.\n"
            "struct AdaptiveStats {\n  std::int64_t accepted = 0, rejected = 0;\n  int status = "
            "0;\n  Real t = 0, lastStep = 0;\n};\n\n"
            "/// q, the lower order of the pair: the controller's and the first step's exponent.\n"
            "inline constexpr int kErrorOrder = "
         << q << ";\n\n"
         << "/// Hairer, Norsett, Wanner I, II.4: the first step from x0 (where the field is f0)\n"
            "/// over span.\n"
            "inline Real firstStep(const Params &p, const Real *x0, const Real *f0, Real span,\n"
            "                      const AdaptiveControl &c) {\n"
         << objectLocal("  ", "State", "f1", state, budget)
         << objectLocal("  ", "State", "x1", state, budget)
         << "  Real d0 = 0, d1 = 0;\n"
            "  for (int d = 0; d < kStateDim; ++d) {\n"
            "    const Real scale = c.atol + c.rtol * std::abs(x0[d]);\n"
            "    d0 += (x0[d] / scale) * (x0[d] / scale);\n"
            "    d1 += (f0[d] / scale) * (f0[d] / scale);\n  }\n"
            "  d0 = std::sqrt(d0 / Real(kStateDim));\n  d1 = std::sqrt(d1 / Real(kStateDim));\n"
            "  const Real h0 = d0 < Real(1e-5) || d1 < Real(1e-5) ? Real(1e-6) : Real(0.01) * d0 "
            "/ d1;\n  for (int d = 0; d < kStateDim; ++d)\n    x1[d] = x0[d] + h0 * f0[d];\n"
            "  field(p, x1.data(), f1.data());\n  Real d2 = 0;\n"
            "  for (int d = 0; d < kStateDim; ++d) {\n"
            "    const Real r = (f1[d] - f0[d]) / (c.atol + c.rtol * std::abs(x0[d]));\n"
            "    d2 += r * r;\n  }\n  d2 = std::sqrt(d2 / Real(kStateDim)) / h0;\n"
            "  const Real big = std::max(d1, d2);\n"
            "  const Real h1 = big <= Real(1e-15) ? std::max(Real(1e-6), h0 * Real(1e-3))\n"
            "                                     : std::pow(Real(0.01) / big, Real(1) / "
            "Real(kErrorOrder + 1));\n"
            "  const Real h = std::min(std::min(Real(100) * h0, h1), span);\n"
            "  return std::isfinite(h) && h > 0 ? h : span;\n}\n\n";
    budget = kStackBudget;
    out_ << "/// One trajectory from x0 at times[0] through count strictly increasing times; out: "
            "count x kStateDim\n/// (its first row x0). h0 <= 0: firstStep. steps, when not null, "
            "receives the first capacity\n/// accepted steps' lengths, negated for one that ended "
            "on an output time.\n"
            "inline AdaptiveStats solveAdaptive(const Params &p, const Real *x0, const Real "
            "*times, std::int64_t count,\n                                   Real h0, const "
            "AdaptiveControl &c, Real *out, Real *steps = nullptr,\n"
            "                                   std::int64_t capacity = 0) {\n"
            "  AdaptiveStats st;\n  st.t = times[0];\n"
         << objectLocal("  ", "State", "x", state, budget)
         << objectLocal("  ", "State", "y", state, budget)
         << (plan.fsal ? "" : objectLocal("  ", "State", "fend", state, budget))
         << objectLocal("  ", "Stages", "s", 2 * S * state, budget)
         << "  for (int d = 0; d < kStateDim; ++d)\n    out[d] = x[d] = x0[d];\n"
            "  const Real tEnd = times[count - 1];\n"
            "  field(p, x.data(), s.slope[0].data());\n"
            "  Real proposed = h0 > 0 ? h0 : firstStep(p, x0, s.slope[0].data(), tEnd - times[0], "
            "c);\n"
            "  const Real alpha = Real(1) / Real(kErrorOrder + 1) - Real(0.75) * c.beta;\n"
            "  const Real tiny = Real(16) * std::numeric_limits<Real>::epsilon();\n"
            "  Real errPrev = Real(1e-4);\n"
            "  for (std::int64_t k = 1; k < count;) {\n"
            "    const Real limit = c.stepToTimes ? times[k] : tEnd;\n"
            "    const bool hits = proposed >= limit - st.t;\n"
            "    const Real h = hits ? limit - st.t : proposed;\n";
    for (int i = 1; i < S; ++i)
      out_ << stage(i, "");
    out_ << "    Real sum = 0;\n    for (int d = 0; d < kStateDim; ++d) {\n"
            "      y[d] = x[d] + h * ("
         << combination(b, slope) << ");\n      const Real r = h * (" << combination(e, slope)
         << ") /\n                     (c.atol + c.rtol * std::max(std::abs(x[d]), "
            "std::abs(y[d])));\n      sum += r * r;\n    }\n"
            "    const Real err = std::sqrt(sum / Real(kStateDim));\n"
            "    const bool accept = err <= Real(1);\n    st.lastStep = h;\n"
            "    Real factor = c.safety * std::pow(err, -alpha);\n    if (accept) {\n"
            "      const Real tNew = hits ? limit : st.t + h;\n"
            "      // Stepping to times, a step not shortened may still land on the output time.\n"
            "      const bool marked = hits || (c.stepToTimes && tNew == times[k]);\n"
         << (plan.fsal ? "" : "      field(p, y.data(), fend.data()); // f(x_n+1)\n")
         << "      for (; k < count && times[k] <= tNew; ++k) {\n"
            "        Real *row = out + k * kStateDim;\n"
            "        if (times[k] == tNew) {\n          for (int d = 0; d < kStateDim; ++d)\n"
            "            row[d] = y[d];\n          continue;\n        }\n"
            "        const Real th = (times[k] - st.t) / h;\n";
    std::vector<bool> weighted; // dense rows that are not zero
    for (size_t i = 0; i < plan.dense.size(); ++i) {
      std::string w;
      for (size_t j = plan.dense[i].size(); j-- > 0;)
        if (!w.empty() || plan.dense[i][j] != 0)
          w = w.empty() ? literal(plan.dense[i][j])
                        : literal(plan.dense[i][j]) + " + th * (" + w + ")";
      weighted.push_back(!w.empty());
      if (!w.empty())
        out_ << "        const Real w" << i << " = th * (" << w << ");\n";
    }
    const std::string end = plan.fsal ? "s.slope[" + std::to_string(S - 1) + "][d]" : "fend[d]";
    std::string dense;
    for (size_t i = 0; i < weighted.size(); ++i)
      if (weighted[i])
        dense += (dense.empty() ? "" : " + ") + std::string("w") + std::to_string(i) + " * " +
                 (int(i) < S ? slope(i) : end);
    out_ << "        for (int d = 0; d < kStateDim; ++d)\n          row[d] = x[d] + h * ("
         << (dense.empty() ? "Real(0)" : dense) << ");\n      }\n"
            "      if (steps != nullptr && st.accepted < capacity)\n"
            "        steps[st.accepted] = marked ? -h : h;\n      ++st.accepted;\n"
            "      factor *= std::pow(errPrev, c.beta);\n"
            "      errPrev = std::max(err, Real(1e-4));\n"
            "      for (int d = 0; d < kStateDim; ++d) {\n        x[d] = y[d];\n"
            "        s.slope[0][d] = "
         << end << ";\n      }\n      st.t = tNew;\n    } else {\n      ++st.rejected;\n    }\n"
            "    if (std::isnan(err))\n      factor = c.minFactor;\n"
            "    factor = std::min(c.maxFactor, std::max(c.minFactor, factor));\n"
            "    if (!accept)\n      factor = std::min(factor, Real(1));\n"
            "    const Real next = h * factor;\n"
            "    proposed = accept && hits ? std::max(next, proposed) : next;\n"
            "    if (k >= count)\n      break;\n"
            "    if (st.accepted + st.rejected >= c.maxSteps) {\n      st.status = 1;\n"
            "      break;\n    }\n    if (!(proposed > tiny * std::abs(st.t))) {\n"
            "      st.status = std::isnan(err) ? 3 : 2;\n      break;\n    }\n  }\n"
            "  return st;\n}\n\n";
  }

  void lossGrad() {
    const int S = t_.stages;
    const int64_t state = D_ * 8;
    int64_t budget = kStackBudget;
    out_ << "/// The discrete adjoint: simulate into traj, L = Σ_t w_t Σ_{b,d} (x_{b,s_t,d} − "
            "y_{b,t,d})²\n/// over numTargets sorted target steps s_t (targets: batch x "
            "numTargets x kStateDim),\n/// and its exact gradient (gradParams, gradX0: "
            "overwritten). Returns L.\n"
         << "inline Real lossGrad(const Params &p, const Real *x0, std::int64_t batch, "
            "std::int64_t steps, Real h,\n                     std::int64_t numTargets, const "
            "std::int64_t *targetSteps, const Real *targetWeights,\n                     const "
            "Real *targets, Real *traj, Params &gradParams, Real *gradX0"
         << exoParam() << ") {\n"
         << "  simulate(p, x0, traj, batch, steps, h" << exoArg("exo")
         << ");\n  zero(gradParams);\n"
         << "  Real loss = Real(0);\n  for (std::int64_t b = 0; b < batch; ++b) {\n"
         << "    const Real *row = traj + b * (steps + 1) * kStateDim;\n"
         << "    const Real *y = targets + b * numTargets * kStateDim;\n"
         << objectLocal("    ", "State", "lambda", state, budget)
         << objectLocal("    ", "State", "kbar", state, budget)
         << objectLocal("    ", "std::array<State, kStages>", "xbar", S * state, budget)
         << "    std::int64_t t = numTargets - 1;\n"
         << "    // λ += ∂L/∂x_n for the targets at step n (consumed from the last one down).\n"
         << "    auto inject = [&](std::int64_t n) {\n"
         << "      for (; t >= 0 && targetSteps[t] == n; --t)\n"
         << "        for (int d = 0; d < kStateDim; ++d) {\n"
         << "          const Real diff = row[n * kStateDim + d] - y[t * kStateDim + d];\n"
         << "          const Real wd = targetWeights[t] * diff;\n"
         << "          loss += wd * diff;\n          lambda[d] += Real(2) * wd;\n"
         << "        }\n    };\n    inject(steps);\n"
         << "    for (std::int64_t n = steps - 1; n >= 0; --n) {\n"
         << objectLocal("      ", "Stages", "s", 2 * S * state, budget)
         << (E_ > 0 ? "      const Real *stepExo = exo + (b * steps + n) * kStages * kExoDim;\n"
                    : "")
         << "      stages(p, row + n * kStateDim, h, s, false" << exoArg("stepExo") << ");\n";
    // The stages whose X̄ can be nonzero (SolverPlan), last first; the others are skipped.
    const SolverPlan plan = SolverPlan::of(t_);
    const std::vector<bool> &live = plan.live;
    for (int i : plan.liveDownwards) {
      std::vector<double> coef = {t_.b[size_t(i)].value};
      for (int j = i + 1; j < S; ++j)
        coef.push_back(live[size_t(j)] ? t_.a(j, i) : 0.0);
      const std::string sum = combination(coef, [i](size_t j) {
        return j == 0 ? std::string("lambda[d]")
                      : "xbar[" + std::to_string(i + int(j)) + "][d]";
      });
      out_ << "      // stage " << i << ": k̄ = h (b λ + Σ_j a_j" << i << " X̄_j), X̄ = J_xᵀ k̄, θ̄ += J_θᵀ k̄\n"
           << "      for (int d = 0; d < kStateDim; ++d)\n        kbar[d] = h * ("
           << sum << ");\n      fieldVJP(p, s.state[" << i << "].data(), kbar.data(), xbar["
           << i << "].data(), gradParams"
           << exoArg(i == 0 ? "stepExo" : "stepExo + " + std::to_string(i) + " * kExoDim")
           << ");\n";
    }
    std::vector<double> ones;
    for (int i = 0; i < S; ++i)
      ones.push_back(live[size_t(i)] ? 1.0 : 0.0);
    out_ << "      for (int d = 0; d < kStateDim; ++d)\n        lambda[d] = "
            "lambda[d] + ("
         << combination(ones, [](size_t j) {
              return "xbar[" + std::to_string(j) + "][d]";
            })
         << ");\n      inject(n);\n    }\n    for (int d = 0; d < kStateDim; ++d)\n"
         << "      gradX0[b * kStateDim + d] = lambda[d];\n  }\n  return loss;\n}\n\n";
  }

  void mainFunction() {
    std::string header = "t";
    for (const std::string &c : o_.stateColumns)
      header += "," + c;
    out_ << "\n#include <cstdio>\n#include <cstdlib>\n#include <string>\n#include <vector>\n\n"
         << "/// " << commentText(m_.name) << " as a program: --step H --steps N --x0 a,b,... prints the "
         << "trajectory as CSV.\nint main(int argc, char **argv) {\n"
         << "  namespace model = " << namespace_ << ";\n  double h = 0"
         << (E_ > 0 ? ", t0 = 0" : "") << ";\n"
         << "  long long steps = -1;\n  std::vector<model::Real> x0;\n"
         << "  for (int i = 1; i + 1 < argc; i += 2) {\n"
         << "    const std::string option = argv[i];\n    const char *value = argv[i + 1];\n"
         << "    if (option == \"--step\")\n      h = std::strtod(value, nullptr);\n"
         << "    else if (option == \"--steps\")\n      steps = std::strtoll(value, nullptr, 10);\n"
         << (E_ > 0 ? "    else if (option == \"--t0\")\n      t0 = std::strtod(value, nullptr);\n"
                    : "")
         << "    else if (option == \"--x0\")\n"
         << "      for (char *end = nullptr;; value = end + 1) {\n"
         << "        x0.push_back(model::Real(std::strtod(value, &end)));\n"
         << "        if (*end != ',')\n          break;\n      }\n"
         << "    else\n      argc = 0; // unknown option: print the usage\n  }\n"
         << "  if (argc % 2 == 0 || !(h > 0) || steps < 0 || x0.size() != "
            "std::size_t(model::kStateDim)) {\n"
         << "    std::fprintf(stderr, \"usage: %s --step H --steps N " << (E_ > 0 ? "[--t0 T] " : "")
         << "--x0 %s\\n\", argc ? argv[0] : \""
         << namespace_ << "\", " << stringLiteral(header.substr(2)) << ");\n    return 2;\n  }\n"
         << "  std::vector<model::Real> traj(std::size_t(steps + 1) * model::kStateDim);\n"
         << "  const model::Heap<model::Params> params;\n"
         << (E_ > 0 ? "  std::vector<model::Real> exo(std::size_t(steps) * model::kStages * "
                      "model::kExoDim);\n  model::stageValues(t0, h, steps, nullptr, exo.data());\n"
                    : "")
         << "  model::simulate(*params, x0.data(), traj.data(), 1, steps, model::Real(h)"
         << exoArg("exo.data()") << ");\n"
         << "  std::printf(\"%s\\n\", " << stringLiteral(header) << ");\n"
         << "  for (long long n = 0; n <= steps; ++n) {\n"
         << "    std::printf(\"%.17g\", " << (E_ > 0 ? "t0 + " : "") << "double(n) * h);\n"
         << "    for (int d = 0; d < model::kStateDim; ++d)\n"
         << "      std::printf(\",%.17g\", double(traj[std::size_t(n) * model::kStateDim + "
            "std::size_t(d)]));\n    std::printf(\"\\n\");\n  }\n  return 0;\n}\n";
  }
};

} // namespace

std::string emitCpp(const ir::ModelIR &model, const ButcherTableau &tableau,
                    const CppOptions &options) {
  if (!tableau.isExplicit())
    throw std::invalid_argument("tableau '" + tableau.name +
                                "' is implicit; emit-cpp needs an explicit tableau "
                                "(strictly lower-triangular A)");
  if (options.withMain && model.exogenous.size() > 1)
    throw std::invalid_argument("emit-cpp --main: model '" + model.name +
                                "' has inputs, which its command line cannot take; include the "
                                "header and drive simulate() with stageValues()");
  if (!options.params.empty() && int64_t(options.params.size()) != model.paramCount())
    throw std::invalid_argument("emit-cpp: " + std::to_string(options.params.size()) +
                                " parameter values for model " + model.name + ", which has " +
                                std::to_string(model.paramCount()));
  internalCheck(model.ddt.size() == model.states.size(), "emitCpp: one ddt per state");
  return HeaderWriter(model, tableau, options).write();
}

} // namespace odec::codegen
