// odec generate FILE [--model M] --params P.json --tableau T --step H --steps N
//   --trajectories K --seed S [--noise σ] [--x0-range a,b] [--out D.csv|D.npy]
//   [--input prbs|pwm|sine|steps [--input-seed S] | --inputs U.csv]
// Synthetic training data from a known ("teacher") model: K initial states uniform in
// [a, b]^D (default [-1, 1]), each simulated N steps with the fused solver, every sample
// optionally perturbed by Gaussian observation noise of standard deviation σ. Written as
// training data (io/TrajectoryData.h): CSV, or NPY when the output ends in .npy. A model with
// inputs is driven per trajectory by a signal drawn from a family (signal/SignalFamily.h) or
// read from a file, sampled at the data's times: the data's input columns hold those samples,
// so training reads exactly the signal the teacher saw.
#include "Options.h"

#include "init/Random.h"
#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/TrajectoryData.h"
#include "signal/SignalFamily.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <optional>

namespace odec::cli {

namespace {

struct GenerateOptions {
  ModelOptions model;
  std::string params, tableau, x0Range = "-1,1", out;
  double step = 0, noise = 0;
  int64_t steps = 0, trajectories = 0;
  uint64_t seed = 0;
  std::string input, inputs;             // --input FAMILY, --inputs FILE
  std::optional<uint64_t> inputSeed;     // default: --seed
  ThreadOptions threads;
};

// Every trajectory's input samples at the data's times (K x (N+1) x inputs), from --input or
// --inputs; empty for a model without inputs.
std::vector<std::vector<double>> inputSamples(const GenerateOptions &o, const Model &m,
                                              const std::vector<double> &times) {
  const int64_t K = o.trajectories, M = m.inputDim();
  if (M == 0) {
    if (!o.input.empty() || !o.inputs.empty())
      throw UserError("model " + m.name() + " has no inputs; --input and --inputs do not apply");
    return {};
  }
  if (o.input.empty() == o.inputs.empty())
    throw UserError("model " + m.name() + " has inputs: give a signal family with --input " +
                    "prbs|pwm|sine|steps, or samples with --inputs FILE.csv (not both)");
  std::vector<std::vector<double>> out;
  if (!o.input.empty()) {
    const std::optional<SignalFamily> family = parseSignalFamily(o.input);
    if (!family)
      throw UserError("--input must be prbs, pwm, sine or steps, not '" + o.input + "'");
    Random rng(o.inputSeed.value_or(o.seed));
    for (int64_t k = 0; k < K; ++k)
      out.push_back(drawSignal(*family, times, M, rng));
    return out;
  }
  // A file: t and the input columns (any order), and a traj column 1..K for one signal per
  // trajectory, else one for all; its times must be the data's.
  const CsvTable table = loadCsv(o.inputs);
  auto column = [&](const std::string &c) -> std::optional<size_t> {
    auto it = std::find(table.columns.begin(), table.columns.end(), c);
    return it == table.columns.end() ? std::nullopt
                                     : std::optional<size_t>(size_t(it - table.columns.begin()));
  };
  std::vector<std::string> want = {"t"};
  for (const std::string &c : m.inputColumns())
    want.push_back(c);
  std::vector<size_t> at;
  for (const std::string &c : want) {
    if (!column(c))
      throw UserError(o.inputs + ":" + std::to_string(table.headerLine) + ":1: error: no column '" +
                      c + "' (the inputs of model " + m.name() + " need " +
                      fmt::format("{}", fmt::join(want, ",")) + ", and traj for one signal per "
                      "trajectory)");
    at.push_back(*column(c));
  }
  const std::optional<size_t> traj = column("traj");
  std::map<int64_t, std::vector<size_t>> rows; // trajectory id (0: all) -> its rows
  for (size_t r = 0; r < table.rows(); ++r)
    rows[traj ? int64_t(table.at(r, *traj)) : 0].push_back(r);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t id = traj ? k + 1 : 0;
    const auto it = rows.find(id);
    if (it == rows.end())
      throw UserError(o.inputs + ": error: no input samples for trajectory " +
                      std::to_string(k + 1) + " (traj ids must run 1.." + std::to_string(K) + ")");
    if (it->second.size() != times.size())
      throw UserError(o.inputs + ": error: " + (traj ? "trajectory " + std::to_string(id) : "the file") +
                      " has " + std::to_string(it->second.size()) + " input samples; the data has " +
                      std::to_string(times.size()) + " (t = 0, h, …, N·h)");
    std::vector<double> values;
    for (size_t n = 0; n < times.size(); ++n) {
      const size_t r = it->second[n];
      const double t = table.at(r, at[0]);
      if (std::abs(t - times[n]) > 1e-9 * std::max(1.0, std::abs(times[n])))
        throw UserError(o.inputs + ":" + std::to_string(table.rowLines[r]) + ":1: error: time " +
                        formatNumber(t) + " is not the data's sample time " +
                        formatNumber(times[n]) + " (the inputs are sampled where the data is)");
      for (size_t j = 1; j < at.size(); ++j)
        values.push_back(table.at(r, at[j]));
    }
    out.push_back(std::move(values));
  }
  return out;
}

int run(const GenerateOptions &o) {
  requireStep(o.step, "--step");
  if (o.steps < 1 || o.steps > 10'000'000)
    throw UserError("--steps must be between 1 and 10000000");
  if (o.trajectories < 1 || o.trajectories > 1'000'000)
    throw UserError("--trajectories must be between 1 and 1000000");
  if (!(o.noise >= 0) || !std::isfinite(o.noise))
    throw UserError("--noise must be a finite number >= 0");
  std::vector<double> range = parseNumberList(o.x0Range, "--x0-range");
  if (range.size() != 2 || !(range[0] <= range[1]))
    throw UserError("--x0-range must be two numbers a,b with a <= b");

  Model m = o.model.load();
  std::vector<double> params = m.loadParams(o.params);
  const int64_t D = m.stateDim(), K = o.trajectories, N = o.steps;
  // One generator for everything, in a fixed order: initial states, then noise.
  Random rng(o.seed);
  std::vector<double> x0(size_t(K * D));
  for (double &x : x0)
    x = rng.uniform(range[0], range[1]);
  std::vector<double> times;
  for (int64_t n = 0; n <= N; ++n)
    times.push_back(gridTime(0, o.step, n));
  const std::vector<std::vector<double>> inputs = inputSamples(o, m, times);
  Drive drive;
  if (!m.autonomous())
    drive.t0 = {0.0};
  for (const std::vector<double> &u : inputs)
    drive.inputs.push_back({times, u});
  CompileOptions compile = o.model.target.options();
  compile.batch = K;
  std::vector<double> traj = simulateBatch(m.simulator(o.tableau, compile), params, x0, K, N,
                                           o.step, o.threads.count(), nullptr, drive);
  if (o.noise > 0)
    for (double &x : traj)
      x += rng.normal(0, o.noise);

  TrajectoryData data;
  data.stateColumns = m.stateColumns();
  if (!inputs.empty())
    data.inputColumns = m.inputColumns();
  for (int64_t k = 0; k < K; ++k) {
    Trajectory t{k + 1, times, {}, {}, inputs.empty() ? std::vector<double>() : inputs[size_t(k)]};
    t.states.assign(traj.begin() + k * (N + 1) * D, traj.begin() + (k + 1) * (N + 1) * D);
    data.trajectories.push_back(std::move(t));
  }
  const bool npy = o.out.size() >= 4 && o.out.compare(o.out.size() - 4, 4, ".npy") == 0;
  writeOutput(o.out, npy ? trajectoriesToNpy(data) : trajectoriesToCsv(data));
  return kOk;
}

} // namespace

void addGenerateCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<GenerateOptions>();
  auto *cmd = app.add_subcommand("generate", "Simulate a teacher model into training data");
  o->model.add(*cmd);
  cmd->add_option("--params", o->params, "the teacher's parameter JSON file")->required();
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (e.g. RK4)")->required();
  cmd->add_option("--step", o->step, "step size h (also the sample interval)")->required();
  cmd->add_option("--steps", o->steps, "steps per trajectory N (N+1 samples)")->required();
  cmd->add_option("--trajectories", o->trajectories, "number of trajectories K")->required();
  cmd->add_option("--seed", o->seed, "seed of the initial states and the noise")->required();
  cmd->add_option("--noise", o->noise, "standard deviation of Gaussian observation noise (0)");
  cmd->add_option("--x0-range", o->x0Range, "initial states uniform in [a,b]^D (-1,1)");
  cmd->add_option("--out", o->out, "output file, .csv or .npy (default: CSV to stdout)");
  cmd->add_option("--input", o->input,
                  "a model with inputs: drive each trajectory by a random signal of this family "
                  "(prbs, pwm, sine, steps; see the README), sampled at the data's times");
  cmd->add_option("--input-seed", o->inputSeed, "seed of the --input signals (default: --seed)");
  cmd->add_option("--inputs", o->inputs,
                  "a model with inputs: their samples from a CSV (t, the input columns, and traj "
                  "1..K for one signal per trajectory) at the data's times 0, h, …, N·h");
  o->threads.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
