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

static nlohmann::ordered_json stabilityJson(const StabilityFunction &s) {
  nlohmann::ordered_json R;
  R["numerator"] = s.numerator.coeffs;
  R["denominator"] = s.denominator.coeffs;
  if (s.exact) {
    R["numerator_exact"] = exactCoefficients(s.numeratorExact);
    R["denominator_exact"] = exactCoefficients(s.denominatorExact);
  }
  return R;
}

static nlohmann::ordered_json intervalJson(const RealInterval &i) {
  return nlohmann::ordered_json::array({finiteOrNull(i.left), finiteOrNull(i.right)});
}

nlohmann::ordered_json toJson(const TableauReport &r) {
  nlohmann::ordered_json j;
  j["name"] = r.name;
  j["stages"] = r.stages;
  j["explicit"] = r.isExplicit;
  j["exact"] = r.exact;
  j["order"] = r.order.order;
  j["row_sum_consistent"] = r.rowSumConsistent;
  j["stability_function"] = stabilityJson(r.stability);
  j["real_interval"] = intervalJson(r.realInterval);
  j["imaginary_extent"] = finiteOrNull(r.imaginaryExtent);
  j["a_stable"] = r.aStable;
  j["symplectic"] = r.symplectic;
  j["diagonally_implicit"] = r.diagonallyImplicit;
  j["fsal"] = r.fsal;
  // An embedded pair's second method; null for a fixed-step tableau.
  nlohmann::ordered_json e = nullptr;
  if (r.embedded) {
    e["order"] = r.embedded->order.order;
    e["stability_function"] = stabilityJson(r.embedded->stability);
    e["real_interval"] = intervalJson(r.embedded->realInterval);
    e["imaginary_extent"] = finiteOrNull(r.embedded->imaginaryExtent);
    e["dense_output"] = {{"kind", r.embedded->hermite ? "hermite" : "tableau"},
                         {"order", r.embedded->denseOrder}};
  }
  j["embedded"] = e;
  return j;
}

} // namespace odec
