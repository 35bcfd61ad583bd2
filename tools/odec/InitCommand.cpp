// odec init FILE [--model M] --seed S --out params.json [--json]: stability-informed
// initialization with the settings of the model's init block. Writes the parameters
// (atomically, in the params JSON format) and reports what was found: the eigenvalues λ of
// ∂f/∂x at the operating point, the scaled ones hλ that the stability region constrains, and
// max |R(hλ)|, and the time scales of λ; with --json, InitReport::json
// (odec.h).
#include "Options.h"

#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <iostream>
#include <optional>

namespace odec::cli {

namespace {

struct InitOptions {
  ModelOptions model;
  uint64_t seed = 0;
  std::string out;
  std::string atFile;
  std::string data;
  bool json = false;
};

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
  // Read before initializing, so that a bad file leaves the parameters file untouched.
  std::optional<std::vector<std::complex<double>>> data;
  if (!o.data.empty())
    data = m.dataEigenvalues(o.data, settings.step);
  InitResult r = m.initialize(o.seed, settings);
  writeFileAtomic(o.out, m.paramsToJson(r.params));
  const auto *seen = data ? &*data : nullptr;
  const InitReport report = m.initReport(r, seen);
  if (o.json) {
    std::cout << report.json << "\n";
    return kOk;
  }
  std::cout << report.text << "wrote " << o.out << "\n";
  if (!report.warning.empty())
    printDiagnostics("odec: warning: " + report.warning + "\n", false);
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
  cmd->add_option("--data", o->data,
                  "training trajectories (as for train): report the time scales of a linear fit "
                  "to them, and warn when the initialized ones are far from them");
  cmd->add_option("--at-file", o->atFile,
                  "CSV of operating points (header: the state columns), replacing the block's `at` lines");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
