// odec generate FILE [--model M] --params P.json --tableau T --step H --steps N
//   --trajectories K --seed S [--noise σ] [--x0-range a,b] [--out D.csv|D.npy]
// Synthetic training data from a known ("teacher") model: K initial states uniform in
// [a, b]^D (default [-1, 1]), each simulated N steps with the fused solver, every sample
// optionally perturbed by Gaussian observation noise of standard deviation σ. Written as
// training data (io/TrajectoryData.h): CSV, or NPY when the output ends in .npy.
#include "Options.h"

#include "init/Random.h"
#include "io/AtomicFile.h"
#include "io/TrajectoryData.h"

#include <cmath>

namespace odec::cli {

namespace {

struct GenerateOptions {
  ModelOptions model;
  std::string params, tableau, x0Range = "-1,1", out;
  double step = 0, noise = 0;
  int64_t steps = 0, trajectories = 0;
  uint64_t seed = 0;
  ThreadOptions threads;
};

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
  CompileOptions compile = o.model.target.options();
  compile.batch = K;
  std::vector<double> traj = simulateBatch(m.simulator(o.tableau, compile), params, x0, K, N,
                                           o.step, o.threads.count());
  if (o.noise > 0)
    for (double &x : traj)
      x += rng.normal(0, o.noise);

  TrajectoryData data;
  data.stateColumns = m.stateColumns();
  for (int64_t k = 0; k < K; ++k) {
    Trajectory t{k + 1, {}, {}};
    for (int64_t n = 0; n <= N; ++n)
      t.times.push_back(gridTime(0, o.step, n));
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
  o->threads.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
