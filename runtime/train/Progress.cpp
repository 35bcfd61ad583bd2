#include "train/Progress.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace odec {

namespace {

std::string sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4e", v);
  return buf;
}

std::string duration(double seconds) {
  long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

} // namespace

TrainProgress::TrainProgress(std::ostream &status, std::ostream *json, bool live,
                             int64_t totalEpochs)
    : status_(status), json_(json), live_(live), totalEpochs_(totalEpochs) {}

std::string TrainProgress::statusText(const TrainState &s, int64_t done, int64_t total) const {
  const bool inEpoch = s.batch > 0;
  std::string text = "epoch " + std::to_string(inEpoch ? s.epoch + 1 : s.epoch) + "/" +
                     std::to_string(totalEpochs_);
  if (inEpoch)
    text += "  batch " + std::to_string(done) + "/" + std::to_string(total);
  if (!s.history.empty()) {
    const EpochRecord &r = s.history.back();
    text += "  loss " + sci(r.trainLoss);
    if (!std::isnan(r.valLoss))
      text += "  val " + sci(r.valLoss);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  if (steps_ > 0 && elapsed > 0) {
    const double rate = double(steps_) / elapsed;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", rate);
    const double left = double((totalEpochs_ - s.epoch) * batchesPerEpoch_ - s.batch);
    text += std::string("  ") + buf + " steps/s  ETA " + duration(std::max(0.0, left) / rate);
  }
  return text;
}

void TrainProgress::show(const std::string &text) {
  lastShown_ = Clock::now();
  if (live_) {
    status_ << "\r\x1b[K" << text << std::flush; // carriage return, erase the line
    lineOpen_ = true;
  } else {
    status_ << text << "\n" << std::flush;
  }
}

void TrainProgress::batch(const TrainState &s, int64_t done, int64_t total) {
  ++steps_;
  batchesPerEpoch_ = total;
  if (live_ && Clock::now() - lastShown_ >= std::chrono::milliseconds(100))
    show(statusText(s, done, total));
}

void TrainProgress::epoch(const TrainState &s) {
  const EpochRecord &r = s.history.back();
  if (json_) {
    nlohmann::ordered_json j;
    j["epoch"] = r.epoch;
    j["train_loss"] = r.trainLoss;
    j["val_loss"] =
        std::isnan(r.valLoss) ? nlohmann::ordered_json() : nlohmann::ordered_json(r.valLoss);
    j["seconds"] = r.seconds;
    j["best"] = s.bestEpoch == r.epoch;
    *json_ << j.dump() << "\n" << std::flush;
  }
  const bool due = live_ || s.history.size() == 1 || s.epoch == totalEpochs_ ||
                   Clock::now() - lastShown_ >= std::chrono::seconds(2);
  if (due)
    show(statusText(s, 0, batchesPerEpoch_));
}

void TrainProgress::finish() {
  if (lineOpen_)
    status_ << "\n" << std::flush;
  lineOpen_ = false;
}

} // namespace odec
