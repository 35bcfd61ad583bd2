#include "imde/Imde.h"

#include "ir/Builder.h"
#include "ir/CSE.h"
#include "tableau/OrderConditions.h"

#include <cstdio>

namespace odec::imde {

namespace {

std::string coefficientText(const Coefficient &c) {
  if (c.exact)
    return c.exact->str();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", c.value);
  return buf;
}

} // namespace

ImdeSeries imdeSeries(const Field &field, const std::vector<ir::Expr> &states,
                      const ButcherTableau &t, int order, Direction dir) {
  SeriesCoefficients x = modifyingCoefficients(t, order, dir);
  ElementaryDifferentials F(field, states);
  const auto &trees = rootedTrees();
  ImdeSeries s;
  s.exact = x.exact;
  s.terms.assign(size_t(order) + 1, Field{});
  s.formulas.assign(size_t(order) + 1, "");
  for (size_t i = 0; i < states.size(); ++i)
    for (auto &term : s.terms)
      term.push_back(ir::zerosLike(states[i]));
  for (size_t t = 0; t < x.coefficient.size(); ++t) {
    const Coefficient &c = x.coefficient[t];
    if (c.exact ? c.exact->isZero() : c.value == 0)
      continue;
    Coefficient weight = c.exact ? Coefficient::rational(*c.exact / Rational(trees[t].symmetry))
                                 : Coefficient::real(c.value / double(trees[t].symmetry));
    size_t k = size_t(trees[t].order - 1);
    const Field &d = F.of(int(t));
    for (size_t i = 0; i < states.size(); ++i)
      s.terms[k][i] = ir::add(s.terms[k][i], ir::mul(ir::scalar(weight.value), d[i]));
    std::string &f = s.formulas[k];
    if (!f.empty())
      f += " + ";
    if (!(weight.exact && *weight.exact == Rational(1)))
      f += coefficientText(weight) + " ";
    f += differentialName(int(t));
  }
  for (auto &f : s.formulas)
    if (f.empty())
      f.push_back('0');
  return s;
}

ImdeSeries imdeSeries(const ir::ModelIR &m, const ButcherTableau &t, int order, Direction dir) {
  std::vector<ir::Expr> states;
  for (const auto &st : m.states)
    states.push_back(st.var);
  return imdeSeries(m.ddt, states, t, order, dir);
}

ir::Function termFunction(const ir::ModelIR &m, const ImdeSeries &s, int k) {
  ir::Function f = m.field();
  f.name = m.name + "_imde_" + std::to_string(k);
  f.outputs = s.terms.at(size_t(k));
  f.outputNames.clear();
  for (const auto &st : m.states)
    f.outputNames.push_back("f_" + std::to_string(k) + "[" + st.name + "]");
  return ir::cse(f);
}

} // namespace odec::imde
