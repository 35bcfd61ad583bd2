#include "tableau/TableauReport.h"

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

std::string formatReport(const TableauReport &r) {
  std::string out =
      "tableau " + r.name + ": " + std::to_string(r.stages) +
      (r.stages == 1 ? " stage, " : " stages, ") + (r.isExplicit ? "explicit" : "implicit") +
      (r.exact ? ", exact coefficients" : ", irrational coefficients (double)") + "\n";
  std::string order = std::to_string(r.order.order);
  if (r.order.order == kMaxCheckedOrder)
    order = "at least " + order + " (trees checked up to order " + order + ")";
  else if (r.order.firstFailedTree >= 0)
    order += " (first failing condition: tree " + treeNotation(r.order.firstFailedTree) +
             " of order " + std::to_string(rootedTrees()[size_t(r.order.firstFailedTree)].order) +
             ")";
  out += "  order               " + order + "\n";
  out +=
      std::string("  row sums c = A·1    ") + (r.rowSumConsistent ? "hold" : "do not hold") + "\n";
  std::string num = formatPolynomial(r.stability, true), den = formatPolynomial(r.stability, false);
  out +=
      "  stability function  R(z) = " + (den == "1" ? num : "(" + num + ") / (" + den + ")") + "\n";
  out += "  real interval       [" + number(r.realInterval.left) + ", " +
         number(r.realInterval.right) + "]\n";
  out += "  imaginary extent    " + number(r.imaginaryExtent) + "\n";
  out += std::string("  A-stable            ") + yesNo(r.aStable) + "\n";
  out += std::string("  symplectic          ") + yesNo(r.symplectic) + "\n";
  return out;
}

} // namespace odec
