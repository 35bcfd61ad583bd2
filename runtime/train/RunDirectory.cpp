#include "train/RunDirectory.h"

#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"
#include "train/Checkpoint.h"
#include "train/LossPlot.h"

#include <cmath>
#include <filesystem>
#include <system_error>

namespace odec {

using nlohmann::ordered_json;

namespace {

std::string historyCsv(const std::vector<EpochRecord> &history) {
  std::string out = "epoch,train_loss,val_loss,seconds\n";
  for (const EpochRecord &r : history)
    out += std::to_string(r.epoch) + "," + formatNumber(r.trainLoss) + "," +
           (std::isnan(r.valLoss) ? "" : formatNumber(r.valLoss)) + "," + formatNumber(r.seconds) +
           "\n";
  return out;
}

// JSON has no infinity: a loss that does not exist yet is null.
ordered_json finiteOrNull(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(); }

} // namespace

RunDirectory::RunDirectory(std::string path, RunInfo info)
    : path_(std::move(path)), info_(std::move(info)) {
  std::error_code ec;
  std::filesystem::create_directories(path_, ec);
  if (ec || !std::filesystem::is_directory(path_))
    throw std::runtime_error("cannot create the run directory '" + path_ +
                             "': " + (ec ? ec.message() : "a file of that name exists"));
}

std::string RunDirectory::file(const std::string &name) const {
  return (std::filesystem::path(path_) / name).string();
}

void RunDirectory::saveResults(const TrainState &s) const {
  writeFileAtomic(file("params.json"), paramsToJson(s.params, info_.paramLayout));
  writeFileAtomic(file("best_params.json"), paramsToJson(s.bestParams, info_.paramLayout));
  writeFileAtomic(file("history.csv"), historyCsv(s.history));
  writeFileAtomic(file("loss.svg"),
                  lossPlotSvg(s.history, "Loss of " + info_.model + " (" + info_.tableau + ")"));
  const bool validation = !s.history.empty() && !std::isnan(s.history.back().valLoss);
  ordered_json j;
  j["model"] = info_.model;
  j["tableau"] = info_.tableau;
  j["step"] = info_.step;
  j["horizon"] = info_.horizon;
  j["epochs"] = s.epoch;
  j["loss"] = validation ? "validation" : "training"; // what best_loss and final_loss measure
  j["best_epoch"] = s.bestEpoch;
  j["best_loss"] = finiteOrNull(s.bestLoss);
  j["final_loss"] = s.history.empty() ? ordered_json()
                    : validation      ? ordered_json(s.history.back().valLoss)
                                      : ordered_json(s.history.back().trainLoss);
  j["wall_seconds"] = s.seconds;
  j["command_line"] = info_.commandLine;
  if (!info_.stopped.empty())
    j["stopped"] = info_.stopped;
  if (!info_.init.is_null())
    j["init"] = info_.init;
  writeFileAtomic(file("summary.json"), j.dump(2) + "\n");
}

void RunDirectory::saveCheckpoint(const TrainState &s) const {
  writeFileAtomic(file("checkpoint.json"), checkpointToJson(s, info_.settings));
}

namespace {

TrainState readCheckpoint(const std::string &dir, ordered_json &settings) {
  const std::string path = (std::filesystem::path(dir) / "checkpoint.json").string();
  if (!std::filesystem::exists(path))
    throw FileError(path, "no checkpoint to resume from (is '" + dir +
                              "' the --out directory of an earlier run?)");
  return parseCheckpoint(readFile(path), path, settings);
}

} // namespace

ordered_json RunDirectory::recordedSettings(const std::string &dir) {
  ordered_json settings;
  readCheckpoint(dir, settings);
  return settings;
}

TrainState RunDirectory::resume(const std::vector<std::string> &mayDiffer) const {
  const std::string path = file("checkpoint.json");
  ordered_json saved;
  TrainState s = readCheckpoint(path_, saved);
  std::string why = resumeSettingsMismatch(saved, info_.settings, mayDiffer);
  if (!why.empty())
    throw FileError(path, "cannot resume: " + why);
  if (s.params.size() != size_t(flatSize(info_.paramLayout)))
    throw FileError(path, "cannot resume: the checkpoint has " + std::to_string(s.params.size()) +
                              " parameters, the model has " +
                              std::to_string(flatSize(info_.paramLayout)));
  return s;
}

} // namespace odec
