// odec grad: the mean-squared-error loss of one simulated trajectory against a target file,
// and its exact gradient with respect to every parameter and the initial state. Prints a
// summary (the loss, each parameter's gradient norm, the x0 gradient); the whole gradient as
// JSON with --json (stdout) or --out G.json. One trajectory runs on one thread (--threads is
// accepted for uniformity with the batch commands).
#include "Options.h"

#include "io/Csv.h"
#include "io/ParamsJson.h"

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

namespace odec::cli {

namespace {

struct GradOptions {
  ModelOptions model;
  ParamOptions params;
  std::string tableau, x0, target, adjoint = "discrete";
  double step = 0;
  int64_t steps = 0;
  std::string out;
  bool json = false;
  ThreadOptions threads;
  DriveOptions drive;
};

// The target file has simulate's CSV format (t, then the state columns) and any subset of the
// step times; each row's t must be a step t0 + n·h with 0 ≤ n ≤ N (to 1e-9 relative).
void readTargets(const GradOptions &o, const Model &m, std::vector<int64_t> &steps,
                 std::vector<double> &values) {
  CsvTable t = loadStateCsv(o.target, m, /*withTime=*/true);
  std::vector<std::pair<int64_t, size_t>> order;
  for (size_t r = 0; r < t.rows(); ++r) {
    const double t0 = o.drive.t0, time = t.at(r, 0), n = std::round((time - t0) / o.step);
    if (std::abs(time - (t0 + n * o.step)) > 1e-9 * std::max(1.0, std::abs(time)) || n < 0 ||
        n > double(o.steps))
      throw FileError(o.target, "row " + std::to_string(r + 2) + ": t = " + formatNumber(time) +
                                    " is not one of the steps " +
                                    (t0 == 0 ? "" : "t0 + ") + "0, h, ..., N·h (" +
                                    (t0 == 0 ? "" : "t0 = " + formatNumber(t0) + ", ") + "h = " +
                                    formatNumber(o.step) + ", N = " + std::to_string(o.steps) + ")");
    order.push_back({int64_t(n), r});
  }
  std::stable_sort(order.begin(), order.end());
  const size_t D = size_t(m.stateDim());
  for (auto [n, r] : order) {
    steps.push_back(n);
    for (size_t d = 0; d < D; ++d)
      values.push_back(t.at(r, d + 1));
  }
}

int run(const GradOptions &o) {
  checkSteps(o.step, o.steps);
  o.threads.count(); // validated; a single trajectory needs one
  Model m = o.model.load();
  std::vector<double> params = o.params.load(m);
  std::vector<double> x0 = parseNumberList(o.x0, "--x0");
  if (int64_t(x0.size()) != m.stateDim())
    throw UserError("--x0 has " + std::to_string(x0.size()) + " values; model " + m.name() +
                    " has " + std::to_string(m.stateDim()) + " state components");
  std::vector<int64_t> targetSteps;
  std::vector<double> targets;
  readTargets(o, m, targetSteps, targets);

  Adjoint kind = o.adjoint == "continuous" ? Adjoint::Continuous : Adjoint::Discrete;
  CompileOptions compile = o.model.target.options();
  compile.batch = 1;
  LossGradient lg = m.lossGradient(o.tableau, kind, compile);
  LossGradient::Result r = lg.meanSquaredError(params, x0, 1, o.steps, o.step, targetSteps,
                                               targets, o.drive.load(m));

  nlohmann::ordered_json doc;
  doc["loss"] = r.loss;
  doc["gradients"] = nlohmann::ordered_json::parse(m.paramsToJson(r.gradParams));
  doc["x0_gradient"] = r.gradX0;
  if (!o.out.empty())
    writeOutput(o.out, doc.dump() + "\n");
  if (o.json)
    std::cout << doc.dump() << "\n";
  if (o.json || !o.out.empty())
    return kOk;
  std::cout << "loss (mean squared error over " << targetSteps.size() << " target rows, "
            << o.adjoint << " adjoint): " << formatNumber(r.loss) << "\n"
            << "gradient norms (--json or --out G.json for every entry):\n";
  size_t width = 0;
  for (const TensorInfo &t : m.params())
    width = std::max(width, t.name.size());
  for (const TensorInfo &t : m.params()) {
    double sq = 0;
    for (int64_t i = 0; i < t.size(); ++i)
      sq += r.gradParams[size_t(t.offset + i)] * r.gradParams[size_t(t.offset + i)];
    std::string shape = t.rank == 0   ? "Real"
                        : t.rank == 1 ? "Vector{" + std::to_string(t.rows) + "}"
                                      : "Matrix{" + std::to_string(t.rows) + "," +
                                            std::to_string(t.cols) + "}";
    std::cout << "  " << t.name << std::string(width - t.name.size(), ' ') << "  "
              << formatNumber(std::sqrt(sq)) << "  (" << shape << ")\n";
  }
  std::cout << "x0 gradient: " << doc["x0_gradient"].dump() << "\n";
  return kOk;
}

} // namespace

void addGradCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<GradOptions>();
  auto *cmd = app.add_subcommand("grad", "Loss against a target trajectory and its exact gradient");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd->add_option("--step", o->step, "step size h")->required();
  cmd->add_option("--steps", o->steps, "number of steps N")->required();
  cmd->add_option("--x0", o->x0, "initial state, comma-separated")->required();
  o->params.add(*cmd);
  cmd->add_option("--target", o->target, "CSV of target states (simulate's format, any subset of step times)")
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
