// odec train FILE [--model M] --tableau T --step H --data D.csv [--init prior|stability]
//   [--seed S] [--epochs E] [--batch B] [--lr η] [--horizon K] [--clip C] [--val V.csv]
//   [--out run/] [--resume run/] [--json]
// Fits a model's parameters to observed trajectories: multiple-shooting windows of K+1
// samples (train/Windows.h), Adam on their mean squared error with exact gradients from the
// discrete adjoint (fused JIT for explicit tableaux, driver/ImplicitSolver.h for implicit
// ones), a run directory of results and checkpoints
// (train/RunDirectory.h). Ctrl-C stops after the current mini-batch with a checkpoint (exit
// 130); --resume continues bit-identically.
#include "Options.h"

#include "driver/Compilation.h"
#include "driver/ImplicitSolver.h"
#include "init/SampleParams.h"
#include "io/TrajectoryData.h"
#include "jit/Jit.h"
#include "lower/LowerModel.h"
#include "train/Interrupt.h"
#include "train/Progress.h"
#include "train/RunDirectory.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace odec::cli {

namespace {

struct TrainOptions {
  std::string file, model, tableau, data, val, init = "prior", out, resume;
  double step = 0, lr = 1e-3, clip = 0;
  uint64_t seed = 0;
  int64_t epochs = 100, batch = 32, horizon = 5;
  bool json = false;
  TargetFlags target;
};

// What a resumed run must share with the run it continues (everything but the epoch count).
nlohmann::ordered_json settingsOf(const TrainOptions &o, const std::string &model) {
  return {{"model", model},   {"tableau", o.tableau}, {"step", o.step}, {"horizon", o.horizon},
          {"batch", o.batch}, {"lr", o.lr},           {"clip", o.clip}, {"seed", o.seed},
          {"init", o.init},   {"data", o.data},       {"val", o.val},   {"epochs", o.epochs}};
}

void validate(const TrainOptions &o) {
  requirePositive(o.step, "--step");
  requirePositive(o.lr, "--lr");
  if (!(o.clip >= 0) || !std::isfinite(o.clip))
    throw UserError("--clip must be a finite number >= 0 (0: no clipping)");
  if (o.epochs < 0)
    throw UserError("--epochs must be >= 0");
  if (o.batch < 1)
    throw UserError("--batch must be >= 1");
  if (o.horizon < 1 || o.horizon > 100000)
    throw UserError("--horizon must be between 1 and 100000");
}

std::vector<double> initialParams(const TrainOptions &o, const sema::CheckedModel &m) {
  if (o.init == "stability")
    return Program::fromFile(o.file).model(m.name, o.target.options()).initialize(o.seed).params;
  return sampleParams(paramLayout(m), o.seed);
}

int run(const TrainOptions &o) {
  validate(o);
  auto c = Compilation::fromFile(o.file);
  printDiagnostics(c->diags.formatAll(), !c->ok);
  if (!c->ok)
    throw UserError("");
  const sema::CheckedModel &model = c->model(o.model);
  const ButcherTableau &tableau = c->tableau(o.tableau);

  TrajectoryGrid grid{columnNames(stateLayout(model)), o.step, o.horizon + 1};
  WindowSet trainWindows = makeWindows(loadTrajectories(o.data, grid), o.horizon);
  std::optional<WindowSet> valWindows;
  if (!o.val.empty()) {
    valWindows = makeWindows(loadTrajectories(o.val, grid), o.horizon);
    if (valWindows->stride != trainWindows.stride)
      throw UserError("the validation data is sampled every " + std::to_string(valWindows->stride) +
                      " steps, the training data every " + std::to_string(trainWindows.stride));
  }

  const ir::ModelIR lowered = lowerModel(model);
  jit::CompileOptions jitOptions =
      jit::defaultOptions(lowered, jit::Precision::Double, o.target.cpu);
  jitOptions.cache = !o.target.noCache;
  std::unique_ptr<jit::LossGradient> compiled =
      compileDiscreteLossGrad(lowered, tableau, jitOptions);
  const LossGradCallback fn = [&compiled](auto... args) { return (*compiled)(args...); };

  const std::string dir = o.resume.empty() ? (o.out.empty() ? "run" : o.out) : o.resume;
  RunInfo info{model.name,
               o.tableau,
               o.step,
               o.horizon,
               invocation(),
               paramLayout(model),
               settingsOf(o, model.name)};
  RunDirectory runDir(dir, info);
  TrainState state;
  if (!o.resume.empty()) {
    state = runDir.resume({"epochs"});
  } else {
    if (std::filesystem::exists(runDir.file("checkpoint.json")))
      throw UserError("'" + dir + "' already holds a training run: continue it with --resume " +
                      dir + ", or choose another --out");
    state = initialTrainState(initialParams(o, model));
  }

  TrainConfig config;
  config.step = o.step;
  config.epochs = o.epochs;
  config.batchSize = o.batch;
  config.adam.learningRate = o.lr;
  config.adam.clipNorm = o.clip;
  config.seed = o.seed;

  InterruptGuard interrupt;
  TrainProgress progress(std::cerr, o.json ? &std::cout : nullptr, ::isatty(STDERR_FILENO) != 0,
                         o.epochs);
  TrainHooks hooks;
  hooks.onBatch = [&](const TrainState &s, int64_t done, int64_t total) {
    progress.batch(s, done, total);
  };
  // The checkpoint at most every second, the results at most every two, both at the end: each
  // file costs a disk sync, which would dominate short epochs (a thousand epochs of a small
  // model take a second). An interrupt saves the checkpoint at once (below), so only a killed
  // process loses work, at most a second of it.
  const auto start = std::chrono::steady_clock::now();
  auto lastCheckpoint = start, lastResults = start;
  auto due = [](auto &last, std::chrono::seconds every) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < every)
      return false;
    last = now;
    return true;
  };
  hooks.onEpoch = [&](const TrainState &s) {
    const bool last = s.epoch == o.epochs;
    if (due(lastCheckpoint, std::chrono::seconds(1)) || last)
      runDir.saveCheckpoint(s);
    if (due(lastResults, std::chrono::seconds(2)) || last)
      runDir.saveResults(s);
    progress.epoch(s);
  };
  hooks.stopRequested = [&] { return interrupt.requested(); };
  TrainOutcome outcome =
      train(config, fn, trainWindows, valWindows ? &*valWindows : nullptr, state, hooks);
  progress.finish();

  if (outcome == TrainOutcome::Interrupted) {
    runDir.saveCheckpoint(state);
    runDir.saveResults(state);
    std::cerr << "odec: interrupted after " << state.epoch << " epoch"
              << (state.epoch == 1 ? "" : "s");
    if (state.batch > 0)
      std::cerr << " and " << state.batch << " mini-batch" << (state.batch == 1 ? "" : "es");
    std::cerr << "; the checkpoint is in " << runDir.file("checkpoint.json")
              << ".\nResume with the same options and --resume " << dir << "\n";
    return kInterrupted;
  }
  if (!o.json) {
    std::cerr << "trained " << state.epoch << " epochs";
    if (state.bestEpoch > 0)
      std::cerr << "; best " << (valWindows ? "validation" : "training") << " loss "
                << state.bestLoss << " at epoch " << state.bestEpoch;
    std::cerr << "; results in " << dir << "\n";
  }
  return kOk;
}

} // namespace

void addTrainCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<TrainOptions>();
  auto *cmd = app.add_subcommand("train", "Fit a model's parameters to observed trajectories");
  cmd->add_option("file", o->file, ".node file")->required();
  cmd->add_option("--model", o->model, "model name (default: the file's only model)");
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau of the solver (e.g. RK4)")
      ->required();
  cmd->add_option("--step", o->step, "solver step h (the data's sample interval is a multiple)")
      ->required();
  cmd->add_option("--data", o->data, "training trajectories: CSV (traj,t,<states>) or .npy")
      ->required();
  cmd->add_option("--val", o->val, "validation trajectories, same format");
  cmd->add_option("--init", o->init,
                  "initial parameters: prior (draw from the priors) or stability (the "
                  "model's init block)")
      ->check(CLI::IsMember({"prior", "stability"}));
  cmd->add_option("--seed", o->seed, "seed of the initial parameters and the shuffling (0)");
  cmd->add_option("--epochs", o->epochs, "epochs to train to (100)");
  cmd->add_option("--batch", o->batch, "windows per mini-batch (32)");
  cmd->add_option("--lr", o->lr, "Adam's learning rate (1e-3)");
  cmd->add_option("--horizon", o->horizon, "samples predicted per window, K (5)");
  cmd->add_option("--clip", o->clip, "clip the gradient's global norm to this (0: off)");
  auto *out = cmd->add_option("--out", o->out, "run directory (run)");
  cmd->add_option("--resume", o->resume, "continue the run in this directory")->excludes(out);
  cmd->add_flag("--json", o->json, "print one JSON object per epoch to stdout");
  o->target.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
