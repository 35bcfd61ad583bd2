// odec imde: the inverse modified differential equation of a model's field for
// a tableau (what training with that solver learns), or with --invert the field
// whose IMDE is the model's (the true field recovered from a learned one);
// printed term by term and optionally evaluated at a point.
#include "Options.h"

#include "io/Csv.h"

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace odec::cli {

namespace {

struct ImdeOptions {
  ModelOptions model;
  ParamOptions params;
  std::string tableau, at;
  double step = 0;
  int order = 0;
  bool invert = false, json = false;
};

std::string vectorText(const std::vector<double> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + formatNumber(v[i]);
  return s + "]";
}

int run(const ImdeOptions &o) {
  Model model = o.model.load();
  requireStep(o.step, "--step");
  const Imde series = model.imde(o.tableau, o.order, o.invert);
  const std::string name = model.name();

  std::vector<std::vector<double>> terms;
  std::vector<double> sum;
  if (!o.at.empty()) {
    const std::vector<double> x = parseNumberList(o.at, "--at");
    if (int64_t(x.size()) != model.stateDim())
      throw UserError("--at: expected " + std::to_string(model.stateDim()) +
                      " numbers (the flat state), got " + std::to_string(x.size()));
    terms = series.terms(model.paramCount() ? o.params.load(model) : std::vector<double>{}, x,
                         o.step);
    sum.assign(terms[0].size(), 0.0);
    for (const auto &t : terms)
      for (size_t i = 0; i < t.size(); ++i)
        sum[i] += t[i];
  }

  if (o.json) {
    nlohmann::ordered_json doc;
    doc["model"] = name;
    doc["tableau"] = o.tableau;
    doc["step"] = o.step;
    doc["order"] = o.order;
    doc["invert"] = o.invert;
    doc["exact"] = series.exact();
    doc["formulas"] = series.formulas();
    doc["julia"] = series.julia();
    if (!o.at.empty()) {
      doc["at"] = parseNumberList(o.at, "--at");
      doc["terms"] = terms;
      doc["sum"] = sum;
    }
    std::cout << doc.dump(2) << "\n";
    return kOk;
  }
  std::ostringstream out;
  out << "# " << (o.invert ? "field whose IMDE is " + name + "'s" : "IMDE of " + name)
      << " for " << o.tableau << ": f_h = f_0";
  for (int k = 1; k <= o.order; ++k)
    out << " + h" << (k > 1 ? "^" + std::to_string(k) : "") << " f_" << k;
  out << " + O(h^" << o.order + 1 << ")"
      << (series.exact() ? ""
                  : "  (coefficients in floating point: the tableau is not "
                    "rational)")
      << "\n";
  for (int k = 0; k <= o.order; ++k)
    out << "\n# f_" << k << " = " << series.formulas()[size_t(k)] << "\n"
        << series.julia()[size_t(k)];
  if (!o.at.empty()) {
    out << "\n# at x = " << o.at << ", h = " << formatNumber(o.step) << "\n";
    for (int k = 0; k <= o.order; ++k)
      out << "h^" << k << " f_" << k << " = " << vectorText(terms[size_t(k)]) << "\n";
    out << "sum = " << vectorText(sum) << "\n";
  }
  std::cout << out.str();
  return kOk;
}

} // namespace

void addImdeCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<ImdeOptions>();
  auto *cmd = app.add_subcommand("imde", "Inverse modified differential equation of a "
                                         "model's field for a tableau");
  o->model.add(*cmd);
  o->params.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit or implicit)")
      ->required();
  cmd->add_option("--step", o->step, "step size h")->required();
  cmd->add_option("--order", o->order, "highest power K of h")
      ->required()
      ->check(CLI::Range(0, Imde::maxOrder()));
  cmd->add_option("--at", o->at, "evaluate the terms at this flat state, e.g. 1,0");
  cmd->add_flag("--invert", o->invert, "the field whose IMDE is the model's, instead");
  cmd->add_flag("--json", o->json, "JSON output");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
