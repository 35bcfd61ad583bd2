// odec train FILE [--model M] --tableau T --step H --data D.csv [--init prior|stability]
//   [--seed S] [--epochs E] [--batch B] [--lr η] [--horizon K] [--clip C] [--val V.csv]
//   [--out run/] [--resume run/] [--threads K] [--diverge-factor F] [--json]
// Fits a model's parameters to observed trajectories: multiple-shooting windows of K+1
// samples (train/Windows.h), Adam on their mean squared error with exact gradients from the
// discrete adjoint (fused JIT for explicit tableaux, driver/ImplicitSolver.h for implicit
// ones), a run directory of results and checkpoints
// (train/RunDirectory.h). Ctrl-C stops after the current mini-batch with a checkpoint (exit
// 130); --resume continues bit-identically, with the options its checkpoint records unless
// they are given again. A loss growing --diverge-factor times above its best stops training
// (exit 1), the best parameters and the checkpoint saved.
#include "InitReport.h"
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
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <unistd.h>

namespace odec::cli {

namespace {

struct TrainOptions {
  std::string file, model, tableau, data, val, init = "prior", out, resume;
  double step = 0, lr = 1e-3, clip = 0, divergeFactor = 1e3;
  uint64_t seed = 0;
  int64_t epochs = 100, batch = 32, horizon = 5;
  ThreadOptions threads;
  bool json = false;
  TargetFlags target;
  /// The options a checkpoint records, by settings key (their count() says whether given).
  std::map<std::string, const CLI::Option *> recorded;
};

// The settings a checkpoint records: what a resumed run must share with the run it continues
// (kMayDiffer excepted), and what `--resume DIR` alone continues with.
nlohmann::ordered_json settingsOf(const TrainOptions &o, const std::string &model) {
  return {{"file", o.file},       {"model", model},     {"tableau", o.tableau},
          {"step", o.step},       {"horizon", o.horizon}, {"batch", o.batch},
          {"lr", o.lr},           {"clip", o.clip},     {"seed", o.seed},
          {"init", o.init},       {"data", o.data},     {"val", o.val},
          {"epochs", o.epochs},   {"diverge_factor", o.divergeFactor}};
}
// The file may be named differently (another working directory) and the run may be continued
// to more epochs or with another divergence test: none changes the arithmetic done so far.
const std::vector<std::string> kMayDiffer = {"epochs", "file", "diverge_factor"};

// `--resume DIR` alone: every recorded option not given again takes its recorded value.
void takeRecordedOptions(TrainOptions &o) {
  const nlohmann::ordered_json saved = RunDirectory::recordedSettings(o.resume);
  auto take = [&](const char *key, auto &field) {
    if (o.recorded.at(key)->count() == 0 && saved.contains(key) && !saved[key].is_null())
      field = saved[key].get<std::decay_t<decltype(field)>>();
  };
  take("file", o.file);
  take("model", o.model);
  take("tableau", o.tableau);
  take("step", o.step);
  take("horizon", o.horizon);
  take("batch", o.batch);
  take("lr", o.lr);
  take("clip", o.clip);
  take("seed", o.seed);
  take("init", o.init);
  take("data", o.data);
  take("val", o.val);
  take("epochs", o.epochs);
  take("diverge_factor", o.divergeFactor);
}

void validate(const TrainOptions &o) {
  const char *resumeHint = " (or --resume DIR to continue a run with the options it recorded)";
  if (o.file.empty())
    throw UserError(std::string("the .node file is required") + resumeHint);
  for (auto [given, name] : {std::pair{!o.tableau.empty(), "--tableau"},
                             {o.step != 0, "--step"},
                             {!o.data.empty(), "--data"}})
    if (!given)
      throw UserError(std::string(name) + " is required" + resumeHint);
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
  if (!(o.divergeFactor == 0 || o.divergeFactor > 1) || !std::isfinite(o.divergeFactor))
    throw UserError("--diverge-factor must be a finite number > 1 (0: never stop for divergence)");
}

// `--init stability`: the init block's constraint re-targeted to the solver and step that
// train, its report printed to stderr and returned for summary.json.
std::vector<double> stabilityInit(const TrainOptions &o, const std::string &modelName,
                                  nlohmann::ordered_json &report) {
  Model m = Program::fromFile(o.file).model(modelName, o.target.options());
  InitSettings s = m.initSettings();
  const std::string region = s.region.empty() ? s.tableau : s.region;
  if (region != s.tableau && o.tableau != s.tableau)
    throw UserError(fmt::format(
        "--init stability: the init block of {} constrains hλ to stability({}) while its "
        "solver is {}, so it cannot be re-targeted to --tableau {}: make the block's solver {} "
        "(keeping stability({}) if that region is meant), or use --init prior",
        m.name(), region, s.tableau, o.tableau, o.tableau, region));
  if (s.tableau != o.tableau || s.step != o.step)
    std::cerr << fmt::format("note: the init block of {} sets solver = {}, step = {}; "
                             "initializing for the training's --tableau {} --step {}\n",
                             m.name(), s.tableau, s.step, o.tableau, o.step);
  if (region == s.tableau) // the region follows the solver
    s.region = o.tableau;
  s.tableau = o.tableau;
  s.step = o.step;
  InitResult r = m.initialize(o.seed, s);
  std::cerr << initReportText(m, r);
  report = initReportJson(m, r);
  return r.params;
}

int run(TrainOptions o) {
  if (!o.out.empty() && !o.resume.empty() &&
      std::filesystem::weakly_canonical(o.out) != std::filesystem::weakly_canonical(o.resume))
    throw UserError("--out " + o.out + " and --resume " + o.resume +
                    " name different directories; a resumed run continues in its own (give "
                    "--resume alone)");
  if (!o.resume.empty())
    takeRecordedOptions(o);
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
  const LossGradCallback fn = [&compiled](const LossGradArgs &a) { return (*compiled)(a); };

  const std::string dir = o.resume.empty() ? (o.out.empty() ? "run" : o.out) : o.resume;
  RunInfo info{model.name,
               o.tableau,
               o.step,
               o.horizon,
               invocation(),
               paramLayout(model),
               settingsOf(o, model.name),
               nullptr,
               ""};
  RunDirectory runDir(dir, info);
  TrainState state;
  if (!o.resume.empty()) {
    state = runDir.resume(kMayDiffer);
    // The first session's initialization report stays in the summary.
    std::ifstream summary(runDir.file("summary.json"));
    nlohmann::ordered_json previous = nlohmann::ordered_json::parse(summary, nullptr, false);
    if (previous.is_object() && previous.contains("init"))
      runDir.info().init = previous["init"];
  } else {
    if (std::filesystem::exists(runDir.file("checkpoint.json")))
      throw UserError("'" + dir + "' already holds a training run: continue it with --resume " +
                      dir + ", or choose another --out");
    state = initialTrainState(o.init == "stability"
                                  ? stabilityInit(o, model.name, runDir.info().init)
                                  : sampleParams(paramLayout(model), o.seed));
  }

  TrainConfig config;
  config.step = o.step;
  config.epochs = o.epochs;
  config.batchSize = o.batch;
  config.adam.learningRate = o.lr;
  config.adam.clipNorm = o.clip;
  config.seed = o.seed;
  config.threads = o.threads.count();
  config.lanes = jit::lanesPerChunk(jitOptions);
  config.divergeFactor = o.divergeFactor;

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
    if (last)
      runDir.info().stopped = "finished";
    if (due(lastCheckpoint, std::chrono::seconds(1)) || last)
      runDir.saveCheckpoint(s);
    if (due(lastResults, std::chrono::seconds(2)) || last)
      runDir.saveResults(s);
    progress.epoch(s);
  };
  hooks.stopRequested = [&] { return interrupt.requested(); };
  Divergence divergence;
  TrainOutcome outcome = train(config, fn, trainWindows, valWindows ? &*valWindows : nullptr,
                               state, hooks, &divergence);
  progress.finish();

  if (outcome == TrainOutcome::Diverged) {
    runDir.info().stopped = "diverged";
    runDir.saveCheckpoint(state);
    runDir.saveResults(state);
    const std::string where =
        divergence.batch > 0
            ? fmt::format("mini-batch {} of epoch {}", divergence.batch, divergence.epoch)
            : fmt::format("epoch {}", divergence.epoch);
    const char *kind = divergence.batch > 0 || !valWindows ? "training" : "validation";
    std::cerr << fmt::format(
        "odec: error: training diverged: the {} loss of {} is {}, more than {:g} times the "
        "best epoch's {} loss {}; stopped. The best parameters (epoch {}) are in {}, the "
        "checkpoint in {}. Try a smaller --lr, --clip or a smaller step, or --diverge-factor 0 "
        "to train on\n",
        kind, where, formatNumber(divergence.loss), o.divergeFactor, kind,
        formatNumber(divergence.best), state.bestEpoch, runDir.file("best_params.json"),
        runDir.file("checkpoint.json"));
    return kUserError;
  }
  if (outcome == TrainOutcome::Interrupted) {
    runDir.info().stopped = "interrupted";
    runDir.saveCheckpoint(state);
    runDir.saveResults(state);
    std::cerr << "odec: interrupted after " << state.epoch << " epoch"
              << (state.epoch == 1 ? "" : "s");
    if (state.batch > 0)
      std::cerr << " and " << state.batch << " mini-batch" << (state.batch == 1 ? "" : "es");
    std::cerr << "; the checkpoint is in " << runDir.file("checkpoint.json")
              << ".\nResume with --resume " << dir << "\n";
    return kInterrupted;
  }
  if (!o.json) {
    std::cerr << "trained " << state.epoch << " epochs";
    if (state.bestEpoch > 0)
      std::cerr << "; best " << (valWindows ? "validation" : "training") << " loss "
                << formatNumber(state.bestLoss) << " at epoch " << state.bestEpoch;
    std::cerr << "; results in " << dir << "\n";
  }
  return kOk;
}

} // namespace

void addTrainCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<TrainOptions>();
  auto *cmd = app.add_subcommand("train", "Fit a model's parameters to observed trajectories");
  auto &rec = o->recorded;
  // Required unless --resume names a run that recorded them (checked in validate()).
  rec["file"] = cmd->add_option("file", o->file, ".node file");
  rec["model"] = cmd->add_option("--model", o->model, "model name (default: the file's only model)");
  rec["tableau"] = cmd->add_option("--tableau", o->tableau,
                                   "Runge–Kutta tableau of the solver (e.g. RK4); required");
  rec["step"] = cmd->add_option(
      "--step", o->step, "solver step h (the data's sample interval is a multiple); required");
  rec["data"] = cmd->add_option(
      "--data", o->data, "training trajectories: CSV (traj,t,<states>) or .npy; required");
  rec["val"] = cmd->add_option("--val", o->val, "validation trajectories, same format");
  rec["init"] = cmd->add_option("--init", o->init,
                                "initial parameters: prior (draw from the priors) or stability "
                                "(the model's init block, re-targeted to --tableau and --step)")
                    ->check(CLI::IsMember({"prior", "stability"}));
  rec["seed"] =
      cmd->add_option("--seed", o->seed, "seed of the initial parameters and the shuffling (0)");
  rec["epochs"] = cmd->add_option("--epochs", o->epochs, "epochs to train to (100)");
  rec["batch"] = cmd->add_option("--batch", o->batch, "windows per mini-batch (32)");
  rec["lr"] = cmd->add_option("--lr", o->lr, "Adam's learning rate (1e-3)");
  rec["horizon"] = cmd->add_option("--horizon", o->horizon, "samples predicted per window, K (5)");
  rec["clip"] = cmd->add_option("--clip", o->clip, "clip the gradient's global norm to this (0: off)");
  rec["diverge_factor"] = cmd->add_option(
      "--diverge-factor", o->divergeFactor,
      "stop (exit 1) when a loss exceeds this times the best epoch loss (1e3; 0: never)");
  cmd->add_option("--out", o->out, "run directory (run)");
  cmd->add_option("--resume", o->resume,
                  "continue the run in this directory, with the options it recorded unless "
                  "given again (then they must match)");
  o->threads.add(*cmd);
  cmd->add_flag("--json", o->json, "print one JSON object per epoch to stdout");
  o->target.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
