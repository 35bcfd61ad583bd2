#include "tableau/TableauReport.h"

#include "tableau/SolverPlan.h"
#include "tableau/Symplecticity.h"

#include <cmath>
#include <cstdio>
#include <type_traits>

namespace odec {

TableauReport analyzeTableau(const ButcherTableau &t) {
  TableauReport r;
  r.name = t.name;
  r.stages = t.stages;
  r.isExplicit = t.isExplicit();
  r.exact = t.isExact();
  r.order = checkOrderConditions(t);
  r.rowSumConsistent = r.order.rowSumConsistent;
  r.stability = stabilityFunction(t);
  r.realInterval = realStabilityInterval(r.stability);
  r.imaginaryExtent = imaginaryExtent(r.stability);
  r.aStable = isAStable(r.stability);
  r.symplectic = isSymplectic(t);
  const SolverPlan plan = SolverPlan::of(t);
  r.fsal = plan.fsal;
  r.diagonallyImplicit = plan.kind == SolverPlan::Kind::DiagonallyImplicit;
  if (t.hasEmbedded()) {
    const ButcherTableau e = t.embeddedMethod();
    TableauReport::Embedded em;
    em.order = checkOrderConditions(e);
    em.stability = stabilityFunction(e);
    em.realInterval = realStabilityInterval(em.stability);
    em.imaginaryExtent = imaginaryExtent(em.stability);
    em.hermite = !t.hasDense();
    if (t.hasDense())
      em.denseOrder = denseOrder(t);
    r.embedded = em;
  }
  return r;
}

static std::string number(double x) {
  if (std::isinf(x))
    return x < 0 ? "-inf" : "inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

// Terms "c z^k" joined with " + " / " - "; coefficient 1 is left out except for z^0.
template <class T> static std::string formatTerms(const std::vector<T> &coeffs) {
  std::string out;
  for (size_t k = 0; k < coeffs.size(); ++k) {
    if (isNegligible(coeffs[k]))
      continue;
    bool negative = coeffs[k] < T(0);
    T magnitude = negative ? -coeffs[k] : coeffs[k];
    std::string c;
    if constexpr (std::is_same_v<T, Rational>)
      c = magnitude.str();
    else
      c = number(magnitude);
    std::string term =
        k == 0 ? c : (c == "1" ? "" : c + " ") + (k == 1 ? "z" : "z^" + std::to_string(k));
    out += out.empty() ? (negative ? "-" : "") + term : (negative ? " - " : " + ") + term;
  }
  return out.empty() ? "0" : out;
}

std::string formatPolynomial(const StabilityFunction &R, bool numerator) {
  if (R.exact)
    return formatTerms((numerator ? R.numeratorExact : R.denominatorExact).coeffs);
  return formatTerms((numerator ? R.numerator : R.denominator).coeffs);
}

static const char *yesNo(bool b) { return b ? "yes" : "no"; }

static std::string orderText(const OrderConditions &o) {
  std::string order = std::to_string(o.order);
  if (o.order == kMaxCheckedOrder)
    return "at least " + order + " (trees checked up to order " + order + ")";
  if (o.firstFailedTree >= 0)
    order += " (first failing condition: tree " + treeNotation(o.firstFailedTree) + " of order " +
             std::to_string(rootedTrees()[size_t(o.firstFailedTree)].order) + ")";
  return order;
}

static std::string rationalText(const StabilityFunction &R) {
  const std::string num = formatPolynomial(R, true), den = formatPolynomial(R, false);
  return den == "1" ? num : "(" + num + ") / (" + den + ")";
}

static std::string intervalText(const RealInterval &i) {
  return "[" + number(i.left) + ", " + number(i.right) + "]";
}

std::string formatReport(const TableauReport &r) {
  std::string out =
      "tableau " + r.name + ": " + std::to_string(r.stages) +
      (r.stages == 1 ? " stage, " : " stages, ") + (r.isExplicit           ? "explicit"
       : r.diagonallyImplicit ? "diagonally implicit"
                              : "implicit") +
      (r.exact ? ", exact coefficients" : ", irrational coefficients (double)") + "\n";
  out += "  order               " + orderText(r.order) + "\n";
  if (r.embedded)
    out += "  embedded order      " + orderText(r.embedded->order) + " (bhat)\n";
  out +=
      std::string("  row sums c = A·1    ") + (r.rowSumConsistent ? "hold" : "do not hold") + "\n";
  out += "  stability function  R(z) = " + rationalText(r.stability) + "\n";
  out += "  real interval       " + intervalText(r.realInterval) + "\n";
  out += "  imaginary extent    " + number(r.imaginaryExtent) + "\n";
  if (r.embedded) {
    out += "  embedded R(z)       " + rationalText(r.embedded->stability) + "\n";
    out += "  its real interval   " + intervalText(r.embedded->realInterval) + "\n";
    out += "  its imag. extent    " + number(r.embedded->imaginaryExtent) + "\n";
    out += std::string("  FSAL                ") + yesNo(r.fsal) + "\n";
    out += "  dense output        order " + std::to_string(r.embedded->denseOrder) +
           (r.embedded->hermite ? " (cubic Hermite)" : " (the tableau's)") + "\n";
  }
  out += std::string("  A-stable            ") + yesNo(r.aStable) + "\n";
  out += std::string("  symplectic          ") + yesNo(r.symplectic) + "\n";
  return out;
}

} // namespace odec
