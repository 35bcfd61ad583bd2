// The directory a training run writes (`odec train --out run/`), every file atomically:
//   params.json       the parameters after the last completed epoch
//   best_params.json  the parameters after the epoch with the lowest loss (validation loss
//                     when there is validation data, else training loss)
//   history.csv       epoch,train_loss,val_loss,seconds (val_loss empty without validation);
//                     appended a row at a time (never rewritten whole: a long run saves in
//                     constant time), so after a crash it may hold rows past the checkpoint,
//                     which resume() drops
//   loss.svg          the loss curves (train/LossPlot.h)
//   summary.json      model, tableau, step, horizon, epochs, best epoch and loss, final loss,
//                     wall seconds, the exact command line, the stopping reason ("finished",
//                     "interrupted", "diverged") and, after `--init stability`, the
//                     initialization's report ("init")
//   checkpoint.json   everything needed to resume bit-identically (train/Checkpoint.h)
// The checkpoint and the results are saved separately: each atomic write costs a disk sync,
// so a caller with many short epochs may save the results less often than the checkpoint.
#pragma once

#include "io/Layout.h"
#include "train/Trainer.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace odec {

struct RunInfo {
  std::string model, tableau;
  double step = 0;
  int64_t horizon = 0;
  std::string commandLine;
  std::vector<TensorSlot> paramLayout;
  /// The settings a resumed run must share (stored in the checkpoint).
  nlohmann::ordered_json settings = nlohmann::ordered_json::object();
  /// The initialization's report, or null (summary.json's "init").
  nlohmann::ordered_json init = nullptr;
  /// Why training stopped last (summary.json's "stopped"); empty while it runs.
  std::string stopped = "";
};

class RunDirectory {
public:
  /// Creates the directory (and its parents) when missing. Throws std::runtime_error when it
  /// cannot.
  RunDirectory(std::string path, RunInfo info);

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const;

  /// Every file but the checkpoint: the parameters, history, plot and summary.
  void saveResults(const TrainState &s) const;
  /// The checkpoint (every epoch, and after an interruption between mini-batches).
  void saveCheckpoint(const TrainState &s) const;

  /// The state saved in the directory's checkpoint. Throws FileError (io/ParamsJson.h) when it
  /// is missing or malformed, or when its settings differ from info.settings in a key other
  /// than those in `mayDiffer` (`defaults`: as for resumeSettingsMismatch).
  TrainState resume(const std::vector<std::string> &mayDiffer,
                    const nlohmann::ordered_json &defaults = nlohmann::ordered_json::object()) const;

  /// The settings recorded in `dir`'s checkpoint (to continue a run with them). Throws
  /// FileError when there is no readable checkpoint.
  static nlohmann::ordered_json recordedSettings(const std::string &dir);

  RunInfo &info() { return info_; }

private:
  /// Brings history.csv up to s.history: appends the rows it lacks, or rewrites it when this
  /// object has not written it yet.
  void saveHistory(const TrainState &s) const;

  std::string path_;
  RunInfo info_;
  mutable int64_t historyRows_ = -1; // rows of history.csv known to be s.history's; -1: unknown
};

} // namespace odec
