// odec grad: the mean-squared-error loss of one simulated trajectory against a target file,
// and its exact gradient with respect to every parameter and the initial state. Targets on
// the step grid use the fused MSE adjoint (discrete or continuous); targets off the grid, with
// missing values or of a model's outputs use the observation-time solver's discrete adjoint. Prints a
// summary (the loss, each parameter's gradient norm, the x0 gradient); the whole gradient as
// JSON with --json (stdout) or --out G.json. With --rtol/--atol (an embedded pair) the
// trajectory steps adaptively to the target times and the gradient is AdaptiveSolver::loss's
// (--adjoint discrete: through the accepted steps; continuous: the adjoint ODE). One
// trajectory runs on one thread (--threads is accepted for uniformity with the batch commands).
#include "Options.h"

#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

namespace odec::cli {

namespace {

struct GradOptions {
  ModelOptions model;
  ParamOptions params;
  std::string tableau, x0, target, adjoint = "discrete";
  double step = 0;
  int64_t steps = 0;
  std::optional<double> rtol, atol;
  bool adaptive() const { return rtol || atol; }
  std::string out;
  bool json = false;
  ThreadOptions threads;
  DriveOptions drive;
};

// What the target file holds, rows sorted by time. On the step grid (every row at a step
// t0 + n·h, nothing missing, the state observed) the fused MSE adjoint takes it at those steps;
// anything else goes to the observation-time solver (ObservedSolver: steps shortened to end on
// each time, NaN left out of the mean).
struct Targets {
  bool onGrid = true;
  std::vector<int64_t> steps; // on the grid: each row's n
  std::vector<double> times;
  std::vector<double> values; // rows x observedDim, NaN where missing
};

// The header is t, then the observed columns (the outputs, else the state: simulate's format);
// values may be missing (empty or NaN). A time on the grid must be a step 0..N (to 1e-9
// relative); off it, after t0 and no later than t0 + N·h.
Targets readTargets(const GradOptions &o, const Model &m) {
  const std::vector<std::string> observed = m.observedColumns();
  std::vector<std::string> want = {"t"};
  want.insert(want.end(), observed.begin(), observed.end());
  const CsvTable t = loadCsv(o.target, [](const std::string &c) { return c != "t"; });
  if (t.columns != want)
    throw FileError(o.target, 1, 1, "expected the header '" + fmt::format("{}", fmt::join(want, ",")) +
                                        "'" + (m.hasOutputs() ? " (t and the model's outputs)" : ""));
  if (t.rows() == 0)
    throw FileError(o.target, "no rows (the file has only a header)");
  std::vector<size_t> order(t.rows());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return t.at(a, 0) < t.at(b, 0); });
  const double t0 = o.drive.t0, end = o.adaptive() ? INFINITY : gridTime(t0, o.step, o.steps);
  auto row = [&](size_t r) { return "row " + std::to_string(r + 2) + ": t = " + formatNumber(t.at(r, 0)); };
  Targets out;
  out.onGrid = !m.hasOutputs();
  for (size_t r : order) {
    const double time = t.at(r, 0);
    if (o.adaptive() && !(time > t0))
      throw FileError(o.target, row(r) + " is not after the start t0 = " + formatNumber(t0) +
                                    " (adaptive steps: every target comes after it)");
    const double n = o.adaptive() ? 0 : std::round((time - t0) / o.step);
    const bool onStep = !o.adaptive() &&
                        std::abs(time - (t0 + n * o.step)) <= 1e-9 * std::max(1.0, std::abs(time));
    if (time < t0 || (time > end && !(onStep && n <= double(o.steps))))
      throw FileError(o.target, row(r) + " is outside the solve, " +
                                    (t0 == 0 ? "" : "t0 = " + formatNumber(t0) + " to ") + "t0 + N·h = " +
                                    formatNumber(end) + " (h = " + formatNumber(o.step) +
                                    ", N = " + std::to_string(o.steps) + ")");
    out.onGrid = out.onGrid && onStep;
    out.steps.push_back(int64_t(n));
    out.times.push_back(time);
    for (size_t d = 0; d < observed.size(); ++d) {
      out.values.push_back(t.at(r, d + 1));
      out.onGrid = out.onGrid && !std::isnan(out.values.back());
    }
  }
  if (out.onGrid)
    return out;
  for (size_t k = 0; k < order.size(); ++k) {
    if (out.times[k] == t0)
      throw FileError(o.target, row(order[k]) + " is the start t0: with observation times off the "
                                                "grid, missing values or outputs, targets must come "
                                                "after the start");
    if (k > 0 && out.times[k] == out.times[k - 1])
      throw FileError(o.target, row(order[k]) + " repeats the time of row " +
                                    std::to_string(order[k - 1] + 2));
  }
  return out;
}

void printSummary(const Model &m, const nlohmann::ordered_json &doc,
                  const std::vector<double> &gradParams, const std::string &lossLine) {
  std::cout << lossLine << "\n"
            << "gradient norms (--json or --out G.json for every entry):\n";
  size_t width = 0;
  for (const TensorInfo &t : m.params())
    width = std::max(width, t.name.size());
  for (const TensorInfo &t : m.params()) {
    double sq = 0;
    for (int64_t i = 0; i < t.size(); ++i)
      sq += gradParams[size_t(t.offset + i)] * gradParams[size_t(t.offset + i)];
    std::string shape = t.rank == 0   ? "Real"
                        : t.rank == 1 ? "Vector{" + std::to_string(t.rows) + "}"
                                      : "Matrix{" + std::to_string(t.rows) + "," +
                                            std::to_string(t.cols) + "}";
    std::cout << "  " << t.name << std::string(width - t.name.size(), ' ') << "  "
              << formatNumber(std::sqrt(sq)) << "  (" << shape << ")\n";
  }
  std::cout << "x0 gradient: " << doc["x0_gradient"].dump() << "\n";
}

int run(const GradOptions &o) {
  if (o.adaptive()) {
    if (o.step != 0 || o.steps != 0)
      throw UserError("adaptive steps (--rtol/--atol) choose their own step: leave out --step "
                      "and --steps");
  } else {
    if (o.step == 0 || o.steps == 0)
      throw UserError("give --step H and --steps N (or adaptive steps with --rtol/--atol)");
    checkSteps(o.step, o.steps);
  }
  o.threads.count(); // validated; a single trajectory needs one
  Model m = o.model.load();
  std::vector<double> params = o.params.load(m);
  std::vector<double> x0 = parseNumberList(o.x0, "--x0");
  if (int64_t(x0.size()) != m.stateDim())
    throw UserError("--x0 has " + std::to_string(x0.size()) + " values; model " + m.name() +
                    " has " + std::to_string(m.stateDim()) + " state components");
  const Targets targets = readTargets(o, m);

  CompileOptions compile = o.model.target.options();
  compile.batch = 1;
  double loss = 0;
  std::vector<double> gradParams, gradX0;
  std::string how;
  if (o.adaptive()) {
    AdaptiveSettings s;
    s.rtol = o.rtol.value_or(s.rtol);
    s.atol = o.atol.value_or(s.atol);
    s.adjoint = o.adjoint == "continuous" ? Adjoint::Continuous : Adjoint::Discrete;
    const Drive drive = o.drive.load(m, /*absoluteTimes=*/true);
    std::vector<double> times = {drive.t0.empty() ? 0.0 : drive.t0[0]};
    times.insert(times.end(), targets.times.begin(), targets.times.end());
    AdaptiveSolver::Loss r = m.adaptiveSolver(o.tableau, compile)
                                 .loss(params, x0, times, targets.values, s,
                                       Drive{{}, drive.inputs});
    loss = r.loss;
    gradParams = std::move(r.gradParams);
    gradX0 = std::move(r.gradX0);
    how = std::to_string(r.count) + " observed values at " + std::to_string(targets.times.size()) +
          " times, adaptive steps (" + std::to_string(r.accepted[0]) + " accepted), " +
          o.adjoint + " adjoint";
  } else if (targets.onGrid) {
    Adjoint kind = o.adjoint == "continuous" ? Adjoint::Continuous : Adjoint::Discrete;
    LossGradient::Result r = m.lossGradient(o.tableau, kind, compile)
                                 .meanSquaredError(params, x0, 1, o.steps, o.step, targets.steps,
                                                   targets.values, o.drive.load(m));
    loss = r.loss;
    gradParams = std::move(r.gradParams);
    gradX0 = std::move(r.gradX0);
    how = std::to_string(targets.steps.size()) + " target rows, " + o.adjoint + " adjoint";
  } else {
    if (o.adjoint == "continuous")
      throw UserError("--adjoint continuous needs targets at the steps t0 + n·h with no missing "
                      "values and no outputs; these are solved to their observation times with "
                      "the discrete adjoint");
    ObservedSolver::Result r = m.observedSolver(o.tableau, compile)
                                   .loss(params, x0, o.step, {{targets.times, targets.values}},
                                         o.drive.load(m, /*absoluteTimes=*/true));
    loss = r.loss;
    gradParams = std::move(r.gradParams);
    gradX0 = std::move(r.gradX0);
    how = std::to_string(r.count) + " observed values at " + std::to_string(targets.times.size()) +
          " times, steps shortened to end on them, discrete adjoint";
  }

  nlohmann::ordered_json doc;
  doc["loss"] = loss;
  doc["gradients"] = nlohmann::ordered_json::parse(m.paramsToJson(gradParams));
  doc["x0_gradient"] = gradX0;
  if (!o.out.empty())
    writeOutput(o.out, doc.dump() + "\n");
  if (o.json)
    std::cout << doc.dump() << "\n";
  if (o.json || !o.out.empty())
    return kOk;
  printSummary(m, doc, gradParams, "loss (mean squared error over " + how + "): " +
                                       formatNumber(loss));
  return kOk;
}

} // namespace

void addGradCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<GradOptions>();
  auto *cmd = app.add_subcommand("grad", "Loss against a target trajectory and its exact gradient");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd->add_option("--step", o->step, "step size h (fixed steps)");
  cmd->add_option("--steps", o->steps, "number of steps N (fixed steps)");
  cmd->add_option("--rtol", o->rtol,
                  "adaptive steps of an embedded pair (DormandPrince5, Tsit5, …) to the target "
                  "times: relative tolerance (default 1e-6 when --atol is given)");
  cmd->add_option("--atol", o->atol, "adaptive steps: absolute tolerance (default 1e-9)");
  cmd->add_option("--x0", o->x0, "initial state, comma-separated")->required();
  o->params.add(*cmd);
  cmd->add_option("--target", o->target,
                  "CSV of targets: t, then the state columns (the outputs' for a model with "
                  "outputs); any times in the solve, empty or NaN for a missing value")
      ->required();
  o->drive.add(*cmd);
  cmd->add_option("--adjoint", o->adjoint, "discrete (exact gradient of the solve) or continuous")
      ->check(CLI::IsMember({"discrete", "continuous"}));
  cmd->add_flag("--json", o->json, "print {\"loss\", \"gradients\", \"x0_gradient\"} as JSON");
  cmd->add_option("--out", o->out, "write that JSON to this file (atomically) instead");
  o->threads.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
