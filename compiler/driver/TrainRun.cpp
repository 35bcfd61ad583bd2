// Model::train: a whole training run behind the host API (`odec train` only parses its
// arguments into TrainSettings). Multiple-shooting windows of horizon+1 samples
// (train/Windows.h), Adam on their mean squared error with exact gradients from the discrete
// adjoint (the fused JIT code for explicit tableaux, the implicit-function-theorem adjoint for
// implicit ones, the replayed accepted steps of adaptive ones), and a run directory of results
// and checkpoints (train/RunDirectory.h).
#include "odec/odec.h"

#include "codegen/AdaptiveCodegen.h"
#include "driver/ModelImpl.h"
#include "driver/WindowLoss.h"
#include "io/TrajectoryData.h"
#include "support/SolverAbi.h"
#include "support/Step.h"
#include "train/Interrupt.h"
#include "train/Progress.h"
#include "train/RunDirectory.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <ostream>

namespace odec {

namespace {

// What the checkpoint records: what a resumed run must share with the run it continues
// (kMayDiffer excepted), and what TrainSettings::recorded reads back. The keys are the CLI's
// option names, which users see in checkpoint.json.
nlohmann::ordered_json recordedJson(const TrainSettings &s, const std::string &model) {
  return {{"file", s.file},       {"model", model},       {"tableau", s.tableau},
          {"step", s.step},       {"horizon", s.horizon}, {"batch", s.batch},
          {"lr", s.learningRate}, {"clip", s.clip},       {"seed", s.seed},
          {"init", s.init},       {"data", s.data},       {"val", s.validation},
          {"epochs", s.epochs},   {"diverge_factor", s.divergeFactor},
          {"optimizer", s.optimizer}, {"rtol", s.rtol}, {"atol", s.atol}};
}
// The file may be named differently (another working directory) and the run may be continued
// to more epochs or with another divergence test: none changes the arithmetic done so far.
const std::vector<std::string> kMayDiffer = {"epochs", "file", "diverge_factor"};
// Settings added since the first checkpoints, with the value a checkpoint without them meant.
const nlohmann::ordered_json kAddedSettings = {{"optimizer", "adam"}, {"rtol", 0}, {"atol", 0}};

bool adaptiveSteps(const TrainSettings &s) { return s.rtol > 0 || s.atol > 0; }

AdaptiveSettings adaptiveSettings(const TrainSettings &s) {
  AdaptiveSettings a;
  a.rtol = s.rtol > 0 ? s.rtol : a.rtol;
  a.atol = s.atol > 0 ? s.atol : a.atol;
  return a;
}

void validate(const TrainSettings &s) {
  auto fail = [](const std::string &what) { throw std::invalid_argument(what); };
  if (s.tableau.empty())
    fail("training needs a tableau");
  if (s.data.empty())
    fail("training needs data");
  if (!(s.rtol >= 0 && std::isfinite(s.rtol)) || !(s.atol >= 0 && std::isfinite(s.atol)))
    fail("rtol and atol must be finite numbers >= 0 (0: fixed steps, unless the other is set)");
  if (!adaptiveSteps(s) || s.step != 0)
    requireStep(s.step, "the training step");
  if (!(s.learningRate > 0) || !std::isfinite(s.learningRate))
    fail("the learning rate must be a positive finite number");
  if (!(s.clip >= 0) || !std::isfinite(s.clip))
    fail("the gradient clipping norm must be a finite number >= 0 (0: no clipping)");
  if (s.epochs < 0)
    fail("the number of epochs must be >= 0");
  if (s.batch < 1)
    fail("the mini-batch size must be >= 1");
  if (s.horizon < 1 || s.horizon > 100000)
    fail("the horizon must be between 1 and 100000");
  if (!(s.divergeFactor == 0 || s.divergeFactor > 1) || !std::isfinite(s.divergeFactor))
    fail("the divergence factor must be a finite number > 1 (0: never stop for divergence)");
  if (s.threads < 1)
    fail("the number of threads must be >= 1");
  if (s.optimizer != "adam" && s.optimizer != "nadam")
    fail("optimizer must be \"adam\" or \"nadam\", not \"" + s.optimizer + "\"");
  if (s.init != "prior" && s.init != "stability")
    fail("init must be \"prior\" or \"stability\", not \"" + s.init + "\"");
}

// `init = stability`: the init block's constraint re-targeted to the solver and step that
// train; its report goes to the log and into summary.json.
std::vector<double> stabilityInit(const Model &m, const TrainSettings &t, std::ostream &log,
                                  nlohmann::ordered_json &report) {
  const InitSettings block = m.initSettings();
  InitSettings s;
  try {
    s = m.initSettings(t.tableau, t.step);
  } catch (const std::invalid_argument &e) {
    throw std::invalid_argument(std::string("init = stability: ") + e.what());
  }
  if (block.tableau != t.tableau || block.step != t.step)
    log << fmt::format("note: the init block of {} sets solver = {}, step = {}; "
                       "initializing for the training's tableau {} and step {}\n",
                       m.name(), block.tableau, block.step, t.tableau, t.step);
  InitResult r = m.initialize(t.seed, s);
  const InitReport text = m.initReport(r);
  log << text.text;
  report = nlohmann::ordered_json::parse(text.json);
  return r.params;
}

// The first session's initialization report stays in the summary of a resumed run.
nlohmann::ordered_json previousInitReport(const RunDirectory &dir) {
  std::ifstream summary(dir.file("summary.json"));
  nlohmann::ordered_json previous = nlohmann::ordered_json::parse(summary, nullptr, false);
  return previous.is_object() && previous.contains("init") ? previous["init"] : nullptr;
}

} // namespace

TrainSettings TrainSettings::recorded(const std::string &directory) {
  const nlohmann::ordered_json saved = RunDirectory::recordedSettings(directory);
  TrainSettings s;
  auto take = [&](const char *key, auto &field) {
    if (saved.contains(key) && !saved[key].is_null())
      field = saved[key].get<std::decay_t<decltype(field)>>();
  };
  take("file", s.file);
  take("model", s.model);
  take("tableau", s.tableau);
  take("step", s.step);
  take("horizon", s.horizon);
  take("batch", s.batch);
  take("lr", s.learningRate);
  take("clip", s.clip);
  take("seed", s.seed);
  take("init", s.init);
  take("data", s.data);
  take("val", s.validation);
  take("epochs", s.epochs);
  take("diverge_factor", s.divergeFactor);
  take("optimizer", s.optimizer);
  take("rtol", s.rtol);
  take("atol", s.atol);
  s.directory = directory;
  s.resume = true;
  return s;
}

TrainResult Model::train(const TrainSettings &requested, const TrainOutput &output) const {
  validate(requested);
  TrainSettings settings = requested; // with adaptive steps, the nominal step filled in
  const bool adaptive = adaptiveSteps(settings);
  if (adaptive) // the pair, checked before the data are read
    codegen::requireAdaptive(impl_->ir, impl_->comp->tableau(settings.tableau));
  std::ostream silent(nullptr);
  std::ostream &log = output.log ? *output.log : silent;
  const std::string &dir = settings.directory;

  TrajectoryGrid grid;
  grid.stateColumns = columnNames(impl_->stateSlots);
  grid.step = settings.step > 0 ? settings.step : 1; // adaptive steps: the grid is not used
  grid.minSamples = settings.horizon + 1;
  grid.outputColumns = columnNames(impl_->outputSlots);
  grid.inputColumns = columnNames(impl_->inputSlots);
  grid.irregular = true;
  grid.allowMissing = true;
  WindowSet trainWindows =
      makeWindows(loadTrajectories(settings.data, grid), settings.horizon);
  std::optional<WindowSet> valWindows;
  if (!settings.validation.empty())
    valWindows = makeWindows(loadTrajectories(settings.validation, grid), settings.horizon);
  // Autonomous state data on one grid, nothing missing: the fused MSE adjoint at fixed target
  // steps. Anything else: solves to the observation times (ObservedSolver).
  auto fixedSteps = [&](const WindowSet &w) { return w.stride > 0 && !w.missing; };
  if (adaptive && settings.step == 0) {
    std::vector<double> intervals;
    for (int64_t i = 0; i < trainWindows.count(); ++i)
      intervals.push_back(trainWindows.times[size_t(i * trainWindows.horizon)] -
                          trainWindows.t0[size_t(i)]);
    std::nth_element(intervals.begin(), intervals.begin() + long(intervals.size() / 2),
                     intervals.end());
    settings.step = intervals[intervals.size() / 2];
    log << "note: adaptive steps: the nominal step (of the stability init) is the data's "
           "median sample interval "
        << settings.step << " (--step sets it)\n";
  }
  const bool regular = !adaptive && autonomous() && !hasOutputs() && fixedSteps(trainWindows) &&
                       (!valWindows || fixedSteps(*valWindows));
  if (regular && valWindows && valWindows->stride != trainWindows.stride)
    throw std::invalid_argument(
        "the validation data is sampled every " + std::to_string(valWindows->stride) +
        " steps, the training data every " + std::to_string(trainWindows.stride));
  for (const WindowSet *w : {&trainWindows, valWindows ? &*valWindows : nullptr})
    if (w && w->skipped)
      log << "note: " << w->skipped << " of the " << (w == &trainWindows ? "training" : "validation")
          << " windows are left out: their first sample, the window's x0, misses a state value\n";
  if (!regular && !adaptive && (trainWindows.stride == 0 || (valWindows && valWindows->stride == 0)))
    log << "note: the observation times are not on one grid of steps of " << settings.step
        << "; each step that crosses one is shortened to end on it\n";

  std::optional<LossGradient> gradient;
  std::optional<ObservedSolver> observed;
  std::optional<AdaptiveSolver> pair;
  if (adaptive)
    pair = adaptiveSolver(settings.tableau, impl_->defaults);
  else if (regular)
    gradient = lossGradient(settings.tableau, Adjoint::Discrete, impl_->defaults);
  else
    observed = observedSolver(settings.tableau, impl_->defaults);
  const LossGradCallback fn = [&gradient](const LossGradArgs &a) { return call(*gradient, a); };

  RunDirectory runDir(dir, RunInfo{name(), settings.tableau, settings.step, settings.horizon,
                                   settings.commandLine, impl_->paramSlots,
                                   recordedJson(settings, name()), nullptr, ""});
  TrainState state;
  if (settings.resume) {
    state = runDir.resume(kMayDiffer, kAddedSettings);
    runDir.info().init = previousInitReport(runDir);
  } else {
    if (std::filesystem::exists(runDir.file("checkpoint.json")))
      throw std::invalid_argument("'" + dir + "' already holds a training run: resume it (odec "
                                  "train --resume " + dir + "), or choose another directory");
    state = initialTrainState(settings.init == "stability"
                                  ? stabilityInit(*this, settings, log, runDir.info().init)
                                  : sampleParams(settings.seed));
  }

  TrainConfig config;
  config.step = settings.step;
  config.epochs = settings.epochs;
  config.batchSize = settings.batch;
  config.adam.optimizer = settings.optimizer == "nadam" ? Optimizer::NAdam : Optimizer::Adam;
  config.adam.learningRate = settings.learningRate;
  config.adam.clipNorm = settings.clip;
  config.seed = settings.seed;
  config.threads = settings.threads;
  // The threads' pieces of a mini-batch are whole SIMD chunks of the full-width code.
  config.lanes = jit::lanesPerChunk(
      jit::defaultOptions(impl_->ir, jit::Precision::Double, impl_->defaults.cpu));
  config.divergeFactor = settings.divergeFactor;
  if (observed)
    config.windowLoss = observedWindowLoss(*observed, stateDim(), settings.step);
  if (pair)
    config.windowLoss =
        adaptiveWindowLoss(*pair, stateDim(), !autonomous(), adaptiveSettings(settings));

  std::optional<InterruptGuard> interrupt;
  if (output.stopOnInterrupt)
    interrupt.emplace();
  TrainProgress progress(log, output.json, output.interactive, settings.epochs);
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
    const bool last = s.epoch == settings.epochs;
    if (last)
      runDir.info().stopped = "finished";
    if (due(lastCheckpoint, std::chrono::seconds(1)) || last)
      runDir.saveCheckpoint(s);
    if (due(lastResults, std::chrono::seconds(2)) || last)
      runDir.saveResults(s);
    progress.epoch(s);
  };
  hooks.stopRequested = [&] { return interrupt && interrupt->requested(); };
  Divergence divergence;
  const TrainOutcome outcome = odec::train(config, fn, trainWindows,
                                           valWindows ? &*valWindows : nullptr, state, hooks,
                                           &divergence);
  progress.finish();

  TrainResult r;
  if (outcome != TrainOutcome::Finished) {
    runDir.info().stopped = outcome == TrainOutcome::Diverged ? "diverged" : "interrupted";
    runDir.saveCheckpoint(state);
    runDir.saveResults(state);
  }
  r.outcome = outcome == TrainOutcome::Finished      ? TrainResult::Outcome::Finished
              : outcome == TrainOutcome::Interrupted ? TrainResult::Outcome::Interrupted
                                                     : TrainResult::Outcome::Diverged;
  r.epoch = state.epoch;
  r.batch = state.batch;
  r.bestEpoch = state.bestEpoch;
  r.bestLoss = state.bestLoss;
  r.validation = valWindows.has_value();
  r.params = state.params;
  r.divergedLoss = divergence.loss;
  r.divergedBest = divergence.best;
  r.divergedEpoch = divergence.epoch;
  r.divergedBatch = divergence.batch;
  r.directory = dir;
  return r;
}

} // namespace odec
