#include "train/RunDirectory.h"

#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"
#include "train/Checkpoint.h"
#include "train/LossPlot.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>
#include <system_error>

namespace odec {

using nlohmann::ordered_json;

namespace {

constexpr const char *kHistoryHeader = "epoch,train_loss,val_loss,seconds\n";

// history.csv's lines for records [from, end).
std::string historyRows(const std::vector<EpochRecord> &history, size_t from) {
  std::string out;
  for (size_t i = from; i < history.size(); ++i) {
    const EpochRecord &r = history[i];
    out += std::to_string(r.epoch) + "," + formatNumber(r.trainLoss) + "," +
           (std::isnan(r.valLoss) ? "" : formatNumber(r.valLoss)) + "," + formatNumber(r.seconds) +
           "\n";
  }
  return out;
}

// The first `rows` records of a history.csv that RunDirectory wrote: exact, since every
// number is in shortest round-trip form. Rows after them (appended after the checkpoint was
// saved) are ignored; fewer rows, or a malformed one, is an error at its line.
std::vector<EpochRecord> readHistory(const std::string &path, int64_t rows) {
  if (!std::filesystem::exists(path))
    throw FileError(path, "missing: the checkpoint continues " + std::to_string(rows) +
                              " epochs of history recorded there");
  const std::string text = readFile(path);
  std::vector<EpochRecord> out;
  size_t pos = 0;
  int line = 0;
  auto fail = [&](int col, const std::string &msg) -> void {
    throw FileError(path, line, col, msg, text);
  };
  while (int64_t(out.size()) < rows) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos)
      throw FileError(path, "has " + std::to_string(out.size()) + " complete rows, the checkpoint " +
                                std::to_string(rows) + " epochs");
    const std::string_view row(text.data() + pos, end - pos);
    const size_t start = pos;
    pos = end + 1;
    if (++line == 1) {
      if (std::string(row) + "\n" != kHistoryHeader)
        fail(1, std::string("expected the header ") + "epoch,train_loss,val_loss,seconds");
      continue;
    }
    double fields[4];
    size_t at = 0;
    for (int f = 0; f < 4; ++f) {
      const size_t comma = f < 3 ? row.find(',', at) : row.size();
      if (comma == std::string_view::npos)
        fail(int(row.size()) + 1, "expected 4 fields (epoch,train_loss,val_loss,seconds)");
      const char *first = text.data() + start + at, *last = text.data() + start + comma;
      if (f == 2 && first == last) {
        fields[f] = std::numeric_limits<double>::quiet_NaN();
      } else {
        auto [ptr, ec] = std::from_chars(first, last, fields[f]);
        if (ec != std::errc() || ptr != last)
          fail(int(at) + 1, "not a number");
      }
      at = comma + 1;
    }
    if (fields[0] != double(out.size() + 1))
      fail(1, "expected epoch " + std::to_string(out.size() + 1));
    out.push_back({int64_t(fields[0]), fields[1], fields[2], fields[3]});
  }
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
  saveHistory(s);
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

void RunDirectory::saveHistory(const TrainState &s) const {
  const int64_t rows = int64_t(s.history.size());
  if (historyRows_ < 0 || historyRows_ > rows)
    writeFileAtomic(file("history.csv"), kHistoryHeader + historyRows(s.history, 0));
  else if (historyRows_ < rows)
    appendToFile(file("history.csv"), historyRows(s.history, size_t(historyRows_)));
  historyRows_ = rows;
}

void RunDirectory::saveCheckpoint(const TrainState &s) const {
  // The history first: a checkpoint never names rows that history.csv lacks.
  saveHistory(s);
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

TrainState RunDirectory::resume(const std::vector<std::string> &mayDiffer,
                                const ordered_json &defaults) const {
  const std::string path = file("checkpoint.json");
  ordered_json saved;
  TrainState s = readCheckpoint(path_, saved);
  std::string why = resumeSettingsMismatch(saved, info_.settings, mayDiffer, defaults);
  if (!why.empty())
    throw FileError(path, "cannot resume: " + why);
  if (s.params.size() != size_t(flatSize(info_.paramLayout)))
    throw FileError(path, "cannot resume: the checkpoint has " + std::to_string(s.params.size()) +
                              " parameters, the model has " +
                              std::to_string(flatSize(info_.paramLayout)));
  if (s.history.empty())
    s.history = readHistory(file("history.csv"), s.epoch);
  // Rows written after the checkpoint belong to epochs that will be run again.
  historyRows_ = -1;
  saveHistory(s);
  return s;
}

} // namespace odec
