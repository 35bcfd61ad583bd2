#include "io/TableauJson.h"

#include <cmath>

namespace odec {

// JSON has no infinity; null stands for an unbounded end.
static nlohmann::ordered_json finiteOrNull(double x) {
  return std::isfinite(x) ? nlohmann::ordered_json(x) : nlohmann::ordered_json(nullptr);
}

static nlohmann::ordered_json exactCoefficients(const Polynomial<Rational> &p) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Rational &c : p.coeffs)
    list.push_back(c.str());
  return list;
}

nlohmann::ordered_json toJson(const TableauReport &r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["stages"] = r.stages;
  j["explicit"] = r.isExplicit;
  j["exact"] = r.exact;
  j["order"] = r.order.order;
  j["row_sum_consistent"] = r.rowSumConsistent;
  nlohmann::ordered_json R;
  R["numerator"] = r.stability.numerator.coeffs;
  R["denominator"] = r.stability.denominator.coeffs;
  if (r.stability.exact) {
    R["numerator_exact"] = exactCoefficients(r.stability.numeratorExact);
    R["denominator_exact"] = exactCoefficients(r.stability.denominatorExact);
  }
  j["stability_function"] = R;
  j["real_interval"] = nlohmann::ordered_json::array(
      {finiteOrNull(r.realInterval.left), finiteOrNull(r.realInterval.right)});
  j["imaginary_extent"] = finiteOrNull(r.imaginaryExtent);
  j["a_stable"] = r.aStable;
  j["symplectic"] = r.symplectic;
  return j;
}

} // namespace odec
