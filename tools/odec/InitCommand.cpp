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

// A CSV whose header names the state columns (`x[1],x[2]`) and, for a driven model,
// optionally then `t` and the input columns (`t,u[1]`); each row is an operating point.
void operatingPointsFromFile(const std::string &path, const Model &m, InitSettings &settings) {
  std::vector<std::string> states = m.stateColumns(), driven = states;
  if (!m.autonomous()) {
    driven.push_back("t");
    for (const std::string &c : m.inputColumns())
      driven.push_back(c);
  }
  CsvTable t = loadCsv(path);
  if (t.columns != states && t.columns != driven) {
    auto join = [](const std::vector<std::string> &cols) {
      std::string s;
      for (const std::string &c : cols)
        s += (s.empty() ? "" : ",") + c;
      return "'" + s + "'";
    };
    throw FileError(path, 1, 1,
                    "expected the header " + join(states) +
                        (m.autonomous() ? "" : " or " + join(driven)));
  }
  if (t.rows() == 0)
    throw FileError(path, "no rows (the file has only a header)");
  settings.operatingPoints.clear();
  settings.operatingInputs.clear();
  const long D = long(states.size()), C = long(t.columns.size());
  for (size_t r = 0; r < t.rows(); ++r) {
    auto row = t.values.begin() + long(r) * C;
    settings.operatingPoints.emplace_back(row, row + D);
    if (C > D)
      settings.operatingInputs.emplace_back(row + D, row + C);
  }
}

int run(const InitOptions &o) {
  Model m = o.model.load();
  InitSettings settings = m.initSettings();
  if (!o.atFile.empty())
    operatingPointsFromFile(o.atFile, m, settings);
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
                  "CSV of operating points, replacing the block's `at` lines (header: the state "
                  "columns; a driven model's may add t and the input columns, else t = 0 and "
                  "zero inputs)");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
