// Progress of a training run, as people and programs want to read it.
//
// Live (stderr is a terminal): one status line rewritten in place at most ten times a second
// — epoch, mini-batch, running loss, last validation loss, optimizer steps per second and the
// estimated time left. Plain (a log file, CI): one line per epoch, at the first and last
// epoch and otherwise at most every two seconds. JSON: one object per epoch on its own line,
//   {"epoch": 3, "train_loss": 0.0123, "val_loss": 0.0145 or null, "seconds": 1.25,
//    "best": true}
// (seconds: cumulative training time; best: this epoch set the best loss so far).
#pragma once

#include "train/Trainer.h"

#include <chrono>
#include <cstdint>
#include <ostream>

namespace odec {

class TrainProgress {
public:
  /// `json` may be null; `live` picks the in-place line over plain lines.
  TrainProgress(std::ostream &status, std::ostream *json, bool live, int64_t totalEpochs);

  void batch(const TrainState &s, int64_t done, int64_t total);
  void epoch(const TrainState &s);
  /// Ends the live line (call before printing anything else).
  void finish();

private:
  using Clock = std::chrono::steady_clock;
  std::string statusText(const TrainState &s, int64_t done, int64_t total) const;
  void show(const std::string &text);

  std::ostream &status_;
  std::ostream *json_;
  bool live_;
  int64_t totalEpochs_;
  int64_t batchesPerEpoch_ = 0;
  int64_t steps_ = 0; // mini-batches in this session
  Clock::time_point start_ = Clock::now(), lastShown_{};
  bool lineOpen_ = false;
};

} // namespace odec
