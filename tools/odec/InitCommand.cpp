// odec init FILE [--model M] --seed S --out params.json [--json]: stability-informed
// initialization with the settings of the model's init block. Writes the parameters
// (atomically, in the params JSON format) and reports what was found: the eigenvalues λ of
// ∂f/∂x at the operating point, the scaled ones hλ that the stability region constrains, and
// max |R(hλ)|. With --json the report is one object:
//   {"solver", "step", "margin", "strategy", "tries", "acceptance_rate",
//    "eigenvalues": [[re, im], ...]         (λ, unscaled),
//    "scaled_eigenvalues": [[re, im], ...]  (hλ),
//    "max_abs_R", and for placement "target_eigenvalues" (λ) and "placed_parameter"}.
#include "Options.h"

#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <fmt/format.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace odec::cli {

namespace {

struct InitOptions {
  ModelOptions model;
  uint64_t seed = 0;
  std::string out;
  std::string atFile;
  bool json = false;
};

using Eigenvalues = std::vector<std::complex<double>>;

nlohmann::ordered_json pairs(const Eigenvalues &values, double scale) {
  nlohmann::ordered_json a = nlohmann::ordered_json::array();
  for (std::complex<double> v : values)
    a.push_back({scale * v.real(), scale * v.imag()});
  return a;
}

std::string complexText(std::complex<double> z) {
  return z.imag() == 0 ? fmt::format("{:.6g}", z.real())
                       : fmt::format("{:.6g}{:+.6g}i", z.real(), z.imag());
}

std::string listText(const Eigenvalues &values, double scale) {
  std::string out;
  for (std::complex<double> v : values)
    out += (out.empty() ? "" : ", ") + complexText(scale * v);
  return out;
}

void printReport(const Model &m, const InitResult &r, const std::string &out) {
  std::cout << fmt::format("initialized {} for {} (step {}, margin {}) by {}\n", m.name(),
                           r.tableau, r.step, r.margin, r.strategy);
  std::cout << fmt::format("  tries: {} (acceptance rate {:.4g})\n", r.tries, r.acceptanceRate);
  if (!r.placedParameter.empty())
    std::cout << fmt::format("  moved '{}' to place λ at: {}\n", r.placedParameter,
                             listText(r.targetEigenvalues, 1));
  for (size_t k = 0; k < r.eigenvalues.size(); ++k)
    std::cout << fmt::format("  eigenvalues hλ{}: {}\n",
                             r.eigenvalues.size() > 1 ? fmt::format(" at point {}", k + 1) : "",
                             listText(r.eigenvalues[k], r.step));
  std::cout << fmt::format("  max |R(hλ)|: {:.6g}\n", r.maxAbsR);
  std::cout << fmt::format("wrote {}\n", out);
}

// A CSV whose header names the state columns (`x[1],x[2]`); each row is an operating point.
std::vector<std::vector<double>> operatingPointsFromFile(const std::string &path, const Model &m) {
  CsvTable t = loadStateCsv(path, m, /*withTime=*/false);
  std::vector<std::vector<double>> points;
  for (size_t r = 0; r < t.rows(); ++r)
    points.emplace_back(t.values.begin() + long(r * t.columns.size()),
                        t.values.begin() + long((r + 1) * t.columns.size()));
  return points;
}

int run(const InitOptions &o) {
  Model m = o.model.load();
  InitSettings settings = m.initSettings();
  if (!o.atFile.empty())
    settings.operatingPoints = operatingPointsFromFile(o.atFile, m);
  InitResult r = m.initialize(o.seed, settings);
  writeFileAtomic(o.out, m.paramsToJson(r.params));
  if (!o.json) {
    printReport(m, r, o.out);
    return kOk;
  }
  // Eigenvalues of every operating point, in order (one list; points are concatenated).
  Eigenvalues lambda;
  for (const Eigenvalues &point : r.eigenvalues)
    lambda.insert(lambda.end(), point.begin(), point.end());
  nlohmann::ordered_json doc;
  doc["model"] = m.name();
  doc["solver"] = r.tableau;
  doc["step"] = r.step;
  doc["margin"] = r.margin;
  doc["strategy"] = r.strategy;
  doc["tries"] = r.tries;
  doc["acceptance_rate"] = r.acceptanceRate;
  doc["operating_points"] = r.eigenvalues.size();
  doc["eigenvalues"] = pairs(lambda, 1);
  doc["scaled_eigenvalues"] = pairs(lambda, r.step);
  doc["max_abs_R"] = r.maxAbsR;
  if (!r.placedParameter.empty()) {
    doc["target_eigenvalues"] = pairs(r.targetEigenvalues, 1);
    doc["placed_parameter"] = r.placedParameter;
  }
  std::cout << doc.dump() << "\n";
  return kOk;
}

} // namespace

void addInitCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<InitOptions>();
  auto *cmd = app.add_subcommand(
      "init", "Stability-informed initialization with the model's init block: writes parameters "
              "whose linearization λ satisfies |R(hλ)| ≤ margin; the JSON report lists λ as "
              "\"eigenvalues\" and hλ as \"scaled_eigenvalues\"");
  o->model.add(*cmd);
  cmd->add_option("--seed", o->seed, "seed of the random draws (same seed, same parameters)")
      ->required();
  cmd->add_option("--out", o->out, "write the parameters here (params JSON, atomically)")
      ->required();
  cmd->add_flag("--json", o->json, "print the report as JSON");
  cmd->add_option("--at-file", o->atFile,
                  "CSV of operating points (header: the state columns), replacing the block's `at` lines");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
