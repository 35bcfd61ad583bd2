// odec train FILE [--model M] --tableau T (--step H | --rtol R [--atol A] [--step H])
//   --data D.csv [--init prior|stability]
//   [--seed S] [--epochs E] [--batch B] [--lr η] [--optimizer adam|nadam] [--horizon K]
//   [--clip C] [--val V.csv]
//   [--out run/] [--resume run/] [--threads K] [--diverge-factor F] [--json]
// Model::train does the work (odec.h); this parses the options, continues a run with the
// options its checkpoint recorded unless they are given again, and turns how the run ended
// into messages and exit codes: Ctrl-C stops after the current mini-batch with a checkpoint
// (exit 130); a loss growing --diverge-factor times above its best stops training (exit 1),
// the best parameters and the checkpoint saved.
#include "Options.h"

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <map>
#include <unistd.h>

namespace odec::cli {

namespace {

struct TrainOptions {
  std::string file, model, out, resume;
  TrainSettings settings;
  ThreadOptions threads;
  bool json = false;
  TargetFlags target;
  /// The options a checkpoint records, by settings key (their count() says whether given).
  std::map<std::string, const CLI::Option *> recorded;
};

// `--resume DIR` alone: every recorded option not given again takes its recorded value.
void takeRecordedOptions(TrainOptions &o) {
  const TrainSettings saved = TrainSettings::recorded(o.resume);
  TrainSettings &s = o.settings;
  auto take = [&](const char *key, auto &field, const auto &value) {
    if (o.recorded.at(key)->count() == 0)
      field = value;
  };
  take("file", o.file, saved.file);
  take("model", o.model, saved.model);
  take("tableau", s.tableau, saved.tableau);
  take("step", s.step, saved.step);
  take("horizon", s.horizon, saved.horizon);
  take("batch", s.batch, saved.batch);
  take("lr", s.learningRate, saved.learningRate);
  take("clip", s.clip, saved.clip);
  take("seed", s.seed, saved.seed);
  take("init", s.init, saved.init);
  take("data", s.data, saved.data);
  take("val", s.validation, saved.validation);
  take("epochs", s.epochs, saved.epochs);
  take("diverge_factor", s.divergeFactor, saved.divergeFactor);
  take("optimizer", s.optimizer, saved.optimizer);
  take("rtol", s.rtol, saved.rtol);
  take("atol", s.atol, saved.atol);
}

// The options by their flags (Model::train checks the settings again, by their own names).
void validate(const TrainOptions &o) {
  const TrainSettings &s = o.settings;
  const char *resumeHint = " (or --resume DIR to continue a run with the options it recorded)";
  if (o.file.empty())
    throw UserError(std::string("the .node file is required") + resumeHint);
  const bool adaptive = s.rtol != 0 || s.atol != 0;
  for (auto [given, name] : {std::pair{!s.tableau.empty(), "--tableau"},
                             {s.step != 0 || adaptive, "--step (or adaptive steps: --rtol)"},
                             {!s.data.empty(), "--data"}})
    if (!given)
      throw UserError(std::string(name) + " is required" + resumeHint);
  if (!adaptive || s.step != 0)
    requireStep(s.step, "--step");
  if (!(s.rtol >= 0) || !std::isfinite(s.rtol) || !(s.atol >= 0) || !std::isfinite(s.atol))
    throw UserError("--rtol and --atol must be finite numbers > 0");
  requirePositive(s.learningRate, "--lr");
  if (!(s.clip >= 0) || !std::isfinite(s.clip))
    throw UserError("--clip must be a finite number >= 0 (0: no clipping)");
  if (s.epochs < 0)
    throw UserError("--epochs must be >= 0");
  if (s.batch < 1)
    throw UserError("--batch must be >= 1");
  if (s.horizon < 1 || s.horizon > 100000)
    throw UserError("--horizon must be between 1 and 100000");
  if (!(s.divergeFactor == 0 || s.divergeFactor > 1) || !std::isfinite(s.divergeFactor))
    throw UserError("--diverge-factor must be a finite number > 1 (0: never stop for divergence)");
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
  TrainSettings &s = o.settings;
  s.directory = o.resume.empty() ? (o.out.empty() ? "run" : o.out) : o.resume;
  s.resume = !o.resume.empty();
  s.file = o.file;
  s.commandLine = invocation();
  s.threads = o.threads.count();

  const Model m = ModelOptions{o.file, o.model, o.target}.load();
  TrainOutput output;
  output.log = &std::cerr;
  output.json = o.json ? &std::cout : nullptr;
  output.interactive = ::isatty(STDERR_FILENO) != 0;
  output.stopOnInterrupt = true;
  const TrainResult r = m.train(s, output);
  const std::string dir = r.directory;
  auto file = [&](const char *name) { return (std::filesystem::path(dir) / name).string(); };

  if (r.outcome == TrainResult::Outcome::Diverged) {
    const std::string where =
        r.divergedBatch > 0
            ? fmt::format("mini-batch {} of epoch {}", r.divergedBatch, r.divergedEpoch)
            : fmt::format("epoch {}", r.divergedEpoch);
    const char *kind = r.divergedBatch > 0 || !r.validation ? "training" : "validation";
    std::cerr << fmt::format(
        "odec: error: training diverged: the {} loss of {} is {}, more than {:g} times the "
        "best epoch's {} loss {}; stopped. The best parameters (epoch {}) are in {}, the "
        "checkpoint in {}. Try a smaller --lr, --clip or a smaller step, or --diverge-factor 0 "
        "to train on\n",
        kind, where, formatNumber(r.divergedLoss), s.divergeFactor, kind,
        formatNumber(r.divergedBest), r.bestEpoch, file("best_params.json"),
        file("checkpoint.json"));
    return kUserError;
  }
  if (r.outcome == TrainResult::Outcome::Interrupted) {
    std::cerr << "odec: interrupted after " << r.epoch << " epoch" << (r.epoch == 1 ? "" : "s");
    if (r.batch > 0)
      std::cerr << " and " << r.batch << " mini-batch" << (r.batch == 1 ? "" : "es");
    std::cerr << "; the checkpoint is in " << file("checkpoint.json") << ".\nResume with --resume "
              << dir << "\n";
    return kInterrupted;
  }
  if (!o.json) {
    std::cerr << "trained " << r.epoch << " epochs";
    if (r.bestEpoch > 0)
      std::cerr << "; best " << (r.validation ? "validation" : "training") << " loss "
                << formatNumber(r.bestLoss) << " at epoch " << r.bestEpoch;
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
  rec["tableau"] = cmd->add_option("--tableau", o->settings.tableau,
                                   "Runge–Kutta tableau of the solver (e.g. RK4); required");
  rec["step"] = cmd->add_option(
      "--step", o->settings.step,
      "solver step h (the data's sample interval is a multiple); required for fixed steps; with "
      "--rtol the stability init's nominal step (default: the data's median interval)");
  rec["rtol"] = cmd->add_option("--rtol", o->settings.rtol,
                                "adaptive steps of an embedded pair (--tableau DormandPrince5, "
                                "Tsit5, …): relative tolerance (default 1e-6 when --atol is given)");
  rec["atol"] = cmd->add_option("--atol", o->settings.atol,
                                "adaptive steps: absolute tolerance (default 1e-9)");
  rec["data"] = cmd->add_option(
      "--data", o->settings.data, "training trajectories: CSV (traj,t,<states>) or .npy; required");
  rec["val"] = cmd->add_option("--val", o->settings.validation, "validation trajectories, same format");
  rec["init"] = cmd->add_option("--init", o->settings.init,
                                "initial parameters: prior (draw from the priors) or stability "
                                "(the model's init block, re-targeted to --tableau and --step)")
                    ->check(CLI::IsMember({"prior", "stability"}));
  rec["seed"] =
      cmd->add_option("--seed", o->settings.seed, "seed of the initial parameters and the shuffling (0)");
  rec["epochs"] = cmd->add_option("--epochs", o->settings.epochs, "epochs to train to (100)");
  rec["batch"] = cmd->add_option("--batch", o->settings.batch, "windows per mini-batch (32)");
  rec["lr"] = cmd->add_option("--lr", o->settings.learningRate, "the learning rate (1e-3)");
  rec["optimizer"] = cmd->add_option("--optimizer", o->settings.optimizer,
                                     "adam, or nadam (Adam with Nesterov momentum) (adam)")
                         ->check(CLI::IsMember({"adam", "nadam"}));
  rec["horizon"] = cmd->add_option("--horizon", o->settings.horizon, "samples predicted per window, K (5)");
  rec["clip"] = cmd->add_option("--clip", o->settings.clip, "clip the gradient's global norm to this (0: off)");
  rec["diverge_factor"] = cmd->add_option(
      "--diverge-factor", o->settings.divergeFactor,
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
