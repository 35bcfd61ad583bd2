// odec simulate: JIT-compile the solver for (model, tableau) and print trajectories, at every
// step (--steps) or at requested times (--times, through Model::observedSolver: each step that
// would cross a requested time is shortened to end on it), or with adaptive steps of an
// embedded pair at requested times (--rtol/--atol, through Model::adaptiveSolver: dense output,
// or --step-to-times). An implicit tableau's Newton statistics go to stderr as a note
// (silenced by -w).
// `odec jit` is the same command with --via llvm|cpp choosing the code generator.
#include "Options.h"

#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

namespace odec::cli {

namespace {

struct SimulateOptions;
void writeTable(const SimulateOptions &o, const Model &m, const CsvTable &table);

struct SimulateOptions {
  ModelOptions model;
  ParamOptions params;
  std::string tableau;
  double step = std::nan(""); // NaN: not given (adaptive steps take none)
  int64_t steps = -1; // -1: not given
  std::string x0;
  std::string batchX0;
  std::string out;
  bool json = false;
  std::string via = "llvm"; // odec jit --via llvm|cpp
  ThreadOptions threads;
  DriveOptions drive;
  std::string times; // --times: a list, or a CSV file with a `t` column
  // Adaptive steps (an embedded pair): on when --rtol or --atol is given.
  std::optional<double> rtol, atol, firstStep, beta;
  int64_t maxSteps = 100000;
  bool stepToTimes = false;
  bool adaptive() const { return rtol || atol; }
  // Filled by an adaptive solve for the report: totals over the batch.
  mutable int64_t accepted = 0, rejected = 0, nfe = 0;
};

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

// The printed table's columns: a traj column for a batch, t, the state and (with outputs) the
// model's output columns.
CsvTable emptyTable(const Model &m, int64_t batch, bool outputs) {
  CsvTable table;
  if (batch > 1)
    table.columns.push_back("traj");
  table.columns.push_back("t");
  for (const std::string &c : m.stateColumns())
    table.columns.push_back(c);
  if (outputs)
    for (const std::string &c : m.observedColumns())
      table.columns.push_back(c);
  return table;
}

// --times: a comma-separated list, or a CSV file whose `t` column lists them.
std::vector<double> requestedTimes(const std::string &arg) {
  if (!std::filesystem::exists(arg))
    return parseNumberList(arg, "--times");
  const CsvTable table = loadCsv(arg);
  const auto it = std::find(table.columns.begin(), table.columns.end(), "t");
  if (it == table.columns.end())
    throw UserError(arg + ":" + std::to_string(table.headerLine) +
                    ":1: error: no column 't' (--times reads the times from a 't' column)");
  std::vector<double> times;
  for (size_t r = 0; r < table.rows(); ++r)
    times.push_back(table.at(r, size_t(it - table.columns.begin())));
  return times;
}

// The states, and the outputs if the model has any, at the requested times (not at t0).
CsvTable atRequestedTimes(const SimulateOptions &o, const Model &m,
                          const std::vector<double> &params, const std::vector<double> &x0,
                          int64_t batch, const CompileOptions &compile) {
  const std::vector<double> times = requestedTimes(o.times);
  if (times.empty())
    throw UserError("--times lists no times");
  const ObservedSolver solver = m.observedSolver(o.tableau, compile);
  const ObservedSolver::Prediction p = solver.predict(
      params, x0, o.step, std::vector<Observations>(size_t(batch), {times, {}}), o.drive.load(m, !o.times.empty()));
  CsvTable table = emptyTable(m, batch, m.hasOutputs());
  const size_t D = size_t(m.stateDim()), O = size_t(m.observedDim()), K = times.size();
  for (size_t b = 0; b < size_t(batch); ++b)
    for (size_t k = 0; k < K; ++k) {
      if (batch > 1)
        table.values.push_back(double(b + 1));
      table.values.push_back(times[k]);
      const size_t row = b * K + k;
      table.values.insert(table.values.end(), p.states.begin() + long(row * D),
                          p.states.begin() + long((row + 1) * D));
      if (m.hasOutputs())
        table.values.insert(table.values.end(), p.observed.begin() + long(row * O),
                            p.observed.begin() + long((row + 1) * O));
    }
  return table;
}

// Adaptive steps to the requested times (AdaptiveSolver): the states there, and the step
// counts for the report.
CsvTable adaptiveAtTimes(const SimulateOptions &o, const Model &m,
                         const std::vector<double> &params, const std::vector<double> &x0,
                         int64_t batch, const CompileOptions &compile) {
  const Drive drive = o.drive.load(m, /*absoluteTimes=*/true);
  std::vector<double> times = {drive.t0.empty() ? 0.0 : drive.t0.at(0)};
  for (double t : requestedTimes(o.times))
    times.push_back(t);
  AdaptiveSettings s;
  s.rtol = o.rtol.value_or(s.rtol);
  s.atol = o.atol.value_or(s.atol);
  s.maxSteps = o.maxSteps;
  s.firstStep = o.firstStep.value_or(0);
  s.beta = o.beta.value_or(s.beta);
  s.stepToTimes = o.stepToTimes;
  if (o.firstStep && !(*o.firstStep > 0))
    throw UserError("--first-step must be a positive finite number (leave it out to have it "
                    "chosen)");
  const AdaptiveSolver::Result r =
      m.adaptiveSolver(o.tableau, compile).solve(params, x0, times, s, Drive{{}, drive.inputs});
  CsvTable table = emptyTable(m, batch, false);
  const size_t D = size_t(m.stateDim()), K = times.size();
  for (size_t b = 0; b < size_t(batch); ++b) {
    for (size_t k = 1; k < K; ++k) {
      if (batch > 1)
        table.values.push_back(double(b + 1));
      table.values.push_back(times[k]);
      const auto row = r.states.begin() + long((b * K + k) * D);
      table.values.insert(table.values.end(), row, row + long(D));
    }
    o.accepted += r.accepted[b];
    o.rejected += r.rejected[b];
  }
  o.nfe = r.nfe;
  return table;
}

// What every kind of solve starts from: the model, its parameters, the initial states and the
// compile options (one trajectory: one compile, of one-lane code).
struct Problem {
  Model m;
  std::vector<double> params, x0;
  int64_t batch = 0;
  CompileOptions compile;
};

Problem problem(const SimulateOptions &o) {
  Problem p{o.model.load(), {}, {}, 0, o.model.target.options()};
  p.params = o.params.load(p.m);
  p.x0 = initialStates(o, p.m, p.batch);
  p.compile.path = o.via == "cpp" ? CodePath::Cpp : CodePath::LLVM;
  p.compile.batch = p.batch;
  return p;
}

int run(const SimulateOptions &o) {
  if (o.adaptive()) {
    if (o.times.empty())
      throw UserError("adaptive steps (--rtol/--atol) report at --times T1,T2,… (or a file)");
    if (o.steps >= 0 || !std::isnan(o.step))
      throw UserError("adaptive steps (--rtol/--atol) choose their own step: leave out --step "
                      "and --steps (--first-step sets the first one)");
    const Problem p = problem(o);
    const CsvTable table = adaptiveAtTimes(o, p.m, p.params, p.x0, p.batch, p.compile);
    if (!o.json && !gNoWarnings)
      std::cerr << "note: " << o.tableau << ": " << o.accepted << " accepted and " << o.rejected
                << " rejected steps, " << o.nfe << " field evaluations\n";
    writeTable(o, p.m, table);
    return kOk;
  }
  if (std::isnan(o.step))
    throw UserError("give the step size with --step H (or adaptive steps with --rtol/--atol)");
  if (o.firstStep || o.maxSteps != 100000 || o.beta || o.stepToTimes)
    throw UserError("--first-step, --max-steps, --pi-beta and --step-to-times are for adaptive "
                    "steps (--rtol/--atol)");
  if (o.times.empty() == (o.steps < 0))
    throw UserError(o.times.empty() ? "give --steps N, or the times to report with --times"
                                    : "--steps and --times exclude each other");
  if (o.times.empty())
    checkSteps(o.step, o.steps);
  else
    requireStep(o.step, "--step");
  const Problem p = problem(o);
  const Model &m = p.m;
  const std::vector<double> &params = p.params, &x0 = p.x0;
  const int64_t batch = p.batch;
  const CompileOptions &compile = p.compile;
  if (!o.times.empty()) {
    const CsvTable table = atRequestedTimes(o, m, params, x0, batch, compile);
    writeTable(o, m, table);
    return kOk;
  }
  Simulator sim = m.simulator(o.tableau, compile);
  NewtonSummary newton;
  const Drive drive = o.drive.load(m, !o.times.empty());
  std::vector<double> traj =
      simulateBatch(sim, params, x0, batch, o.steps, o.step, o.threads.count(), &newton, drive);
  if (sim.isImplicit() && !gNoWarnings)
    std::cerr << "note: Newton: ≤" << newton.maxIterations << " iterations per step, max residual "
              << fmt::format("{:.1e}", newton.maxResidual) << "\n";

  const int64_t D = m.stateDim(), N = o.steps;
  CsvTable table = emptyTable(m, batch, false);
  table.values.reserve(size_t(batch * (N + 1)) * table.columns.size());
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t n = 0; n <= N; ++n) {
      if (batch > 1)
        table.values.push_back(double(b + 1));
      table.values.push_back(gridTime(o.drive.t0, o.step, n));
      const double *x = traj.data() + (b * (N + 1) + n) * D;
      table.values.insert(table.values.end(), x, x + D);
    }

  writeTable(o, m, table);
  return kOk;
}

void writeTable(const SimulateOptions &o, const Model &m, const CsvTable &table) {
  if (o.json) {
    nlohmann::ordered_json doc;
    doc["model"] = m.name();
    doc["tableau"] = o.tableau;
    if (o.adaptive()) {
      doc["rtol"] = o.rtol.value_or(AdaptiveSettings{}.rtol);
      doc["atol"] = o.atol.value_or(AdaptiveSettings{}.atol);
      doc["step_to_times"] = o.stepToTimes;
      doc["accepted"] = o.accepted;
      doc["rejected"] = o.rejected;
      doc["nfe"] = o.nfe;
    } else {
      doc["step"] = o.step;
    }
    if (o.times.empty())
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
}

// The options of `simulate`, which `jit` shares.
CLI::App *addSimulateOptions(CLI::App &app, const char *name, const char *description,
                             const std::shared_ptr<SimulateOptions> &o, int &status) {
  auto *cmd = app.add_subcommand(name, description);
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (e.g. RK4)")->required();
  cmd->add_option("--step", o->step, "step size h (fixed steps)");
  cmd->add_option("--steps", o->steps, "number of steps N (or --times)");
  cmd->add_option("--rtol", o->rtol,
                  "adaptive steps with an embedded pair (DormandPrince5, Tsit5, CashKarp45, "
                  "Fehlberg45, BogackiShampine3): relative tolerance (default 1e-6 when --atol "
                  "is given)");
  cmd->add_option("--atol", o->atol, "adaptive steps: absolute tolerance (default 1e-9)");
  cmd->add_option("--max-steps", o->maxSteps,
                  "adaptive steps: at most this many steps per trajectory (100000)");
  cmd->add_option("--first-step", o->firstStep,
                  "adaptive steps: the first step size (default: Hairer's selection)");
  cmd->add_option("--pi-beta", o->beta,
                  "adaptive steps: the PI controller's gain on the previous error, in [0, 0.2] "
                  "(default 0.04, Hairer's; 0: an I controller)");
  cmd->add_flag("--step-to-times", o->stepToTimes,
                "adaptive steps: end steps on every --times entry instead of interpolating "
                "there by the pair's dense output");
  cmd->add_option("--times", o->times,
                  "report the states (and outputs) at these times instead of every step: a "
                  "comma-separated list, or a CSV file with a t column; strictly increasing, "
                  "after --t0; fixed steps crossing them are shortened to end on them, adaptive "
                  "ones interpolate (dense output)");
  auto *x0 = cmd->add_option("--x0", o->x0, "initial state, comma-separated, states in declaration order");
  auto *bx = cmd->add_option("--batch-x0", o->batchX0, "CSV of initial states, one per row");
  x0->excludes(bx);
  o->params.add(*cmd);
  o->drive.add(*cmd);
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
