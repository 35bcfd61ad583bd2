// Checking of one tableau block: the fields c, A, b and the optional bhat (an embedded
// pair's second weights) evaluated exactly where possible, their sizes, and the row-sum
// condition c_i = Σ_j a_ij.
#include "sema/Checkers.h"
#include "sema/ExprChecker.h"

#include <cmath>
#include <cstdio>

namespace odec::sema {

namespace {

std::string show(const Coefficient &c) {
  if (c.exact)
    return c.exact->str();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", c.value);
  return buf;
}

/// Σ_j a_ij, exact when every term is (and the sum does not overflow).
Coefficient rowSum(const ButcherTableau &t, int i) {
  double value = 0;
  std::optional<Rational> exact = Rational(0);
  for (int j = 0; j < t.stages; ++j) {
    const Coefficient &a = t.A[size_t(i) * t.stages + j];
    value += a.value;
    try {
      exact = exact && a.exact ? std::optional(*exact + *a.exact) : std::nullopt;
    } catch (const RationalOverflow &) {
      exact.reset();
    }
  }
  return exact ? Coefficient::rational(*exact) : Coefficient::real(value);
}

bool same(const Coefficient &x, const Coefficient &y) {
  if (x.exact && y.exact)
    return *x.exact == *y.exact;
  return std::fabs(x.value - y.value) <= 1e-12 * std::max(1.0, std::fabs(x.value));
}

class TableauChecker {
public:
  TableauChecker(const ast::TableauBlock &t, DiagnosticEngine &diags)
      : t_(t), diags_(diags), exprs_(scope_, diags) {}

  std::optional<ButcherTableau> run() {
    const ast::TableauField *fields[4] = {}; // c, A, b, bhat (optional)
    const char *names[4] = {"c", "A", "b", "bhat"};
    bool ok = true;
    for (const ast::TableauField &f : t_.fields) {
      int k = -1;
      for (int i = 0; i < 4; ++i)
        if (f.name == names[i])
          k = i;
      if (k < 0) {
        diags_.error(f.nameRange,
                     "unknown tableau field '" + f.name + "'; expected c, A, b and optionally bhat");
        ok = false;
      } else if (fields[k]) {
        diags_.error(f.nameRange, "duplicate field '" + f.name + "' (first set at line " +
                                      std::to_string(lineOf(diags_, fields[k]->nameRange)) + ")");
        ok = false;
      } else {
        fields[k] = &f;
      }
    }
    std::optional<ConstValue> values[4];
    for (int k = 0; k < 4; ++k) {
      if (!fields[k]) {
        if (k == 3) // bhat: a fixed-step method has none
          continue;
        diags_.error(t_.nameRange, "tableau '" + t_.name + "' has no field '" + names[k] + "'");
        ok = false;
      } else if (!(values[k] = exprs_.evaluate(*fields[k]->value))) {
        ok = false;
      }
    }
    if (!ok)
      return std::nullopt;
    std::optional<ButcherTableau> t = build(*values[0], *values[1], *values[2], fields);
    if (t && fields[3] && !addEmbedded(*t, *values[3], *fields[3]))
      return std::nullopt;
    return t;
  }

private:
  std::optional<ButcherTableau> build(const ConstValue &c, const ConstValue &A, const ConstValue &b,
                                      const ast::TableauField *const *fields) {
    auto isList = [](const Shape &s) { return s.rows == 1 || s.cols == 1; };
    if (!isList(b.shape)) {
      diags_.error(fields[2]->value->range, "b must be a vector of weights, got " + b.shape.str());
      return std::nullopt;
    }
    int s = int(b.shape.size());
    std::string stages = std::to_string(s);
    if (!isList(c.shape) || c.shape.size() != s) {
      diags_.error(fields[0]->value->range, "c is " + c.shape.str() + ", but b has " + stages +
                                                " entries: c must be Vector{" + stages + "}");
      return std::nullopt;
    }
    // A 1-stage A may be written [0], which is a Vector{1}.
    bool square = s == 1 ? A.shape.size() == 1 : A.shape.rows == s && A.shape.cols == s;
    if (!square) {
      diags_.error(fields[1]->value->range, "A is " + A.shape.str() + ", but b has " + stages +
                                                " entries: A must be Matrix{" + stages + "," +
                                                stages + "}");
      return std::nullopt;
    }
    ButcherTableau t{t_.name, s, A.elems, b.elems, c.elems};
    for (int i = 0; i < s; ++i) {
      Coefficient sum = rowSum(t, i);
      if (!same(t.c[i], sum))
        diags_.warning(fields[0]->value->range,
                       "tableau '" + t_.name + "': c[" + std::to_string(i + 1) + "] = " +
                           show(t.c[i]) + " differs from the row sum of A (" + show(sum) + ")");
    }
    return t;
  }

  // bhat: one weight per stage, and not b itself (that pair would estimate no error).
  bool addEmbedded(ButcherTableau &t, const ConstValue &bhat, const ast::TableauField &field) {
    const std::string stages = std::to_string(t.stages);
    if (!(bhat.shape.rows == 1 || bhat.shape.cols == 1) || bhat.shape.size() != t.stages) {
      diags_.error(field.value->range, "bhat is " + bhat.shape.str() + ", but b has " + stages +
                                           " entries: bhat must be Vector{" + stages + "}");
      return false;
    }
    bool differs = false;
    for (int i = 0; i < t.stages; ++i)
      differs = differs || !same(bhat.elems[size_t(i)], t.b[size_t(i)]);
    if (!differs) {
      diags_.error(field.value->range, "bhat equals b: an embedded pair needs weights of another "
                                       "order, whose difference from b estimates the error");
      return false;
    }
    t.bhat = bhat.elems;
    return true;
  }

  const ast::TableauBlock &t_;
  DiagnosticEngine &diags_;
  EmptyScope scope_;
  ExprChecker exprs_;
};

} // namespace

std::optional<ButcherTableau> checkTableau(const ast::TableauBlock &t, DiagnosticEngine &diags) {
  return TableauChecker(t, diags).run();
}

} // namespace odec::sema
