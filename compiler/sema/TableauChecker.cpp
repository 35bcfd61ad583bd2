// Checking of one tableau block: the fields c, A, b and the optional bhat (an embedded
// pair's second weights) and dense (a continuous extension) evaluated exactly where possible,
// their sizes, the row-sum condition c_i = Σ_j a_ij, and b_i(1) = b_i of the extension.
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
    const ast::TableauField *fields[5] = {}; // c, A, b, bhat and dense (optional)
    const char *names[5] = {"c", "A", "b", "bhat", "dense"};
    bool ok = true;
    for (const ast::TableauField &f : t_.fields) {
      int k = -1;
      for (int i = 0; i < 5; ++i)
        if (f.name == names[i])
          k = i;
      if (k < 0) {
        diags_.error(f.nameRange,
                     "unknown tableau field '" + f.name + "'; expected c, A, b and optionally bhat and dense");
        ok = false;
      } else if (fields[k]) {
        diags_.error(f.nameRange, "duplicate field '" + f.name + "' (first set at line " +
                                      std::to_string(lineOf(diags_, fields[k]->nameRange)) + ")");
        ok = false;
      } else {
        fields[k] = &f;
      }
    }
    std::optional<ConstValue> values[5];
    for (int k = 0; k < 5; ++k) {
      if (!fields[k]) {
        if (k >= 3) // bhat and dense: a fixed-step method has neither
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
    if (t && fields[4] && !addDense(*t, *values[4], *fields[4]))
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
    ButcherTableau t{t_.name, s, A.elems, b.elems, c.elems, {}, {}, 0};
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

  // dense: a row of polynomial coefficients (θ, θ², …) per stage, which at θ = 1 sum to b.
  bool addDense(ButcherTableau &t, const ConstValue &dense, const ast::TableauField &field) {
    const std::string stages = std::to_string(t.stages);
    // One stage's row may be written [1 0 0], a Matrix{1,3}; s stages of degree 1 a Vector{s}.
    const int rows = dense.shape.rows, cols = dense.shape.cols;
    if (rows != t.stages || cols < 1) {
      diags_.error(field.value->range,
                   "dense is " + dense.shape.str() + ", but b has " + stages +
                       " entries: dense must be a Matrix{" + stages +
                       ",p}, row i the coefficients of θ, θ², …, θ^p in stage i's weight");
      return false;
    }
    t.dense = dense.elems;
    t.denseDegree = cols;
    for (int i = 0; i < t.stages; ++i) {
      double value = 0;
      std::optional<Rational> exact = Rational(0);
      for (int j = 0; j < cols; ++j) {
        const Coefficient &d = t.denseCoefficient(i, j);
        value += d.value;
        try {
          exact = exact && d.exact ? std::optional(*exact + *d.exact) : std::nullopt;
        } catch (const RationalOverflow &) {
          exact.reset();
        }
      }
      const Coefficient sum = exact ? Coefficient::rational(*exact) : Coefficient::real(value);
      if (!same(sum, t.b[size_t(i)])) {
        diags_.error(field.value->range,
                     "dense row " + std::to_string(i + 1) + " sums to " + show(sum) + ", but b[" +
                         std::to_string(i + 1) + "] = " + show(t.b[size_t(i)]) +
                         ": a continuous extension must end on the step (b_i(1) = b_i)");
        return false;
      }
    }
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
