// odec simulate: JIT-compile the solver for (model, tableau) and print trajectories. An
// implicit tableau's Newton statistics go to stderr as a note (silenced by -w).
// `odec jit` is the same command with --via llvm|cpp choosing the code generator.
#include "Options.h"

#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <nlohmann/json.hpp>

namespace odec::cli {

namespace {

struct SimulateOptions {
  ModelOptions model;
  ParamOptions params;
  std::string tableau;
  double step = 0;
  int64_t steps = 0;
  std::string x0;
  std::string batchX0;
  std::string out;
  bool json = false;
  std::string via = "llvm"; // odec jit --via llvm|cpp
  ThreadOptions threads;
  double t0 = 0;
  std::string inputs;
};

// The drive of a model that reads t or inputs: --t0, and --inputs FILE.csv with a `t` column
// and the model's input columns (any order, other columns ignored), shared by every trajectory.
Drive loadDrive(const SimulateOptions &o, const Model &m) {
  if (!std::isfinite(o.t0))
    throw UserError("--t0 must be a finite number");
  if (m.autonomous()) {
    if (!o.inputs.empty() || o.t0 != 0)
      throw UserError("model " + m.name() + " reads neither t nor inputs; --t0 and --inputs "
                      "do not apply");
    return {};
  }
  Drive drive;
  drive.t0 = {o.t0};
  if (m.inputs().empty()) {
    if (!o.inputs.empty())
      throw UserError("model " + m.name() + " has no inputs; --inputs does not apply");
    return drive;
  }
  std::vector<std::string> want = {"t"};
  for (const std::string &c : m.inputColumns())
    want.push_back(c);
  if (o.inputs.empty())
    throw UserError("model " + m.name() + " has inputs: give their samples with --inputs "
                    "FILE.csv (columns " + fmt::format("{}", fmt::join(want, ",")) + ")");
  const CsvTable table = loadCsv(o.inputs);
  std::vector<size_t> at;
  for (const std::string &c : want) {
    auto it = std::find(table.columns.begin(), table.columns.end(), c);
    if (it == table.columns.end())
      throw UserError(o.inputs + ":" + std::to_string(table.headerLine) +
                      ":1: error: no column '" + c + "' (the inputs of model " + m.name() +
                      " need " + fmt::format("{}", fmt::join(want, ",")) + ")");
    at.push_back(size_t(it - table.columns.begin()));
  }
  InputSamples samples;
  for (size_t r = 0; r < table.rows(); ++r) {
    samples.times.push_back(table.at(r, at[0]));
    for (size_t k = 1; k < at.size(); ++k)
      samples.values.push_back(table.at(r, at[k]));
  }
  drive.inputs = {std::move(samples)};
  return drive;
}

// Initial states: one from --x0, or one per row of --batch-x0 (whose header must name the
// state columns, in order).
std::vector<double> initialStates(const SimulateOptions &o, const Model &m, int64_t &batch) {
  std::vector<std::string> cols = m.stateColumns();
  std::string expected;
  for (const std::string &c : cols)
    expected += (expected.empty() ? "" : ",") + c;
  if (!o.x0.empty()) {
    std::vector<double> x = parseNumberList(o.x0, "--x0");
    if (int64_t(x.size()) != m.stateDim())
      throw UserError("--x0 has " + std::to_string(x.size()) + " values; model " + m.name() +
                      " has " + std::to_string(m.stateDim()) + " state components (" + expected +
                      ")");
    batch = 1;
    return x;
  }
  if (o.batchX0.empty())
    throw UserError("give the initial state with --x0 " + expected +
                    " values, or many with --batch-x0 FILE.csv");
  CsvTable t = loadStateCsv(o.batchX0, m, /*withTime=*/false);
  batch = int64_t(t.rows());
  return t.values;
}

int run(const SimulateOptions &o) {
  checkSteps(o.step, o.steps);
  Model m = o.model.load();
  std::vector<double> params = o.params.load(m);
  int64_t batch = 0;
  std::vector<double> x0 = initialStates(o, m, batch);
  CompileOptions compile = o.model.target.options();
  compile.path = o.via == "cpp" ? CodePath::Cpp : CodePath::LLVM;
  compile.batch = batch; // one trajectory: one compile, of one-lane code
  Simulator sim = m.simulator(o.tableau, compile);
  NewtonSummary newton;
  const Drive drive = loadDrive(o, m);
  std::vector<double> traj =
      simulateBatch(sim, params, x0, batch, o.steps, o.step, o.threads.count(), &newton, drive);
  if (sim.isImplicit() && !gNoWarnings)
    std::cerr << "note: Newton: ≤" << newton.maxIterations << " iterations per step, max residual "
              << fmt::format("{:.1e}", newton.maxResidual) << "\n";

  const int64_t D = m.stateDim(), N = o.steps;
  CsvTable table;
  if (batch > 1)
    table.columns.push_back("traj");
  table.columns.push_back("t");
  for (const std::string &c : m.stateColumns())
    table.columns.push_back(c);
  table.values.reserve(size_t(batch * (N + 1)) * table.columns.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t n = 0; n <= N; ++n) {
      if (batch > 1)
        table.values.push_back(double(b + 1));
      table.values.push_back(gridTime(o.t0, o.step, n));
      const double *x = traj.data() + (b * (N + 1) + n) * D;
      table.values.insert(table.values.end(), x, x + D);
    }

  if (o.json) {
    nlohmann::ordered_json doc;
    doc["model"] = m.name();
    doc["tableau"] = o.tableau;
    doc["step"] = o.step;
    doc["steps"] = o.steps;
    doc["columns"] = table.columns;
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (size_t r = 0; r < table.rows(); ++r)
      rows.push_back(std::vector<double>(table.values.begin() + long(r * table.columns.size()),
                                         table.values.begin() + long((r + 1) * table.columns.size())));
    doc["rows"] = rows;
    if (!o.out.empty())
      writeOutput(o.out, formatCsv(table));
    std::cout << doc.dump() << "\n";
  } else {
    writeOutput(o.out, formatCsv(table));
  }
  return kOk;
}

// The options of `simulate`, which `jit` shares.
CLI::App *addSimulateOptions(CLI::App &app, const char *name, const char *description,
                             const std::shared_ptr<SimulateOptions> &o, int &status) {
  auto *cmd = app.add_subcommand(name, description);
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (e.g. RK4)")->required();
  cmd->add_option("--step", o->step, "step size h")->required();
  cmd->add_option("--steps", o->steps, "number of steps N")->required();
  auto *x0 = cmd->add_option("--x0", o->x0, "initial state, comma-separated, states in declaration order");
  auto *bx = cmd->add_option("--batch-x0", o->batchX0, "CSV of initial states, one per row");
  x0->excludes(bx);
  o->params.add(*cmd);
  cmd->add_option("--t0", o->t0, "start time of a model that reads t or inputs (default 0)");
  cmd->add_option("--inputs", o->inputs,
                  "CSV of the model's input samples: a t column and the input columns (u[1], ...)");
  cmd->add_option("--out", o->out, "write the CSV here (atomically) instead of stdout");
  cmd->add_flag("--json", o->json, "print the trajectories as JSON");
  o->threads.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
  return cmd;
}

} // namespace

void addSimulateCommand(CLI::App &app, int &status) {
  addSimulateOptions(app, "simulate", "Simulate a model with a fused, JIT-compiled solver",
                     std::make_shared<SimulateOptions>(), status);
}

void addJitCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<SimulateOptions>();
  auto *cmd = addSimulateOptions(
      app, "jit", "Simulate like `simulate`, through a chosen code generator (--via)", o, status);
  cmd->add_option("--via", o->via,
                  "code generator: llvm (odec's LLVM IR) or cpp (the emitted C++ through "
                  "in-process Clang)")
      ->check(CLI::IsMember({"llvm", "cpp"}));
}

} // namespace odec::cli
