#include "train/Checkpoint.h"

#include "io/ParamsJson.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace odec {

using nlohmann::ordered_json;

namespace {

std::string hexDouble(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

ordered_json hexArray(const std::vector<double> &v) {
  ordered_json a = ordered_json::array();
  for (double x : v)
    a.push_back(hexDouble(x));
  return a;
}

// Reading: every problem becomes one FileError naming the checkpoint file.
struct Reader {
  const std::string &file;

  [[noreturn]] void fail(const std::string &msg) const {
    throw FileError(file, "not a valid odec checkpoint: " + msg);
  }
  const ordered_json &field(const ordered_json &obj, const char *key) const {
    if (!obj.is_object() || !obj.contains(key))
      fail(std::string("missing '") + key + "'");
    return obj[key];
  }
  double number(const ordered_json &v, const char *what) const {
    if (!v.is_string())
      fail(std::string(what) + " must be a hexadecimal floating-point string");
    const std::string &s = v.get_ref<const std::string &>();
    char *end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0')
      fail(std::string(what) + ": '" + s + "' is not a number");
    return d;
  }
  int64_t integer(const ordered_json &v, const char *what) const {
    if (!v.is_number_integer())
      fail(std::string(what) + " must be an integer");
    return v.get<int64_t>();
  }
  std::vector<double> numbers(const ordered_json &v, const char *what) const {
    if (!v.is_array())
      fail(std::string(what) + " must be an array");
    std::vector<double> out;
    for (const ordered_json &x : v)
      out.push_back(number(x, what));
    return out;
  }
};

} // namespace

std::string checkpointToJson(const TrainState &s, const ordered_json &settings) {
  ordered_json doc;
  doc["format"] = "odec-checkpoint";
  doc["version"] = 2;
  doc["settings"] = settings;
  doc["epoch"] = s.epoch;
  doc["batch"] = s.batch;
  doc["epoch_loss_sum"] = hexDouble(s.epochLossSum);
  doc["seconds"] = hexDouble(s.seconds);
  doc["params"] = hexArray(s.params);
  doc["adam"] = {{"step", s.adam.step}, {"m", hexArray(s.adam.m)}, {"v", hexArray(s.adam.v)}};
  doc["best"] = {
      {"epoch", s.bestEpoch}, {"loss", hexDouble(s.bestLoss)}, {"params", hexArray(s.bestParams)}};
  // The per-epoch history is history.csv's (train/RunDirectory.h), appended a line at a time:
  // kept here it made every save cost time in proportion to the epochs run.
  doc["history_rows"] = int64_t(s.history.size());
  return doc.dump(1) + "\n";
}

TrainState parseCheckpoint(const std::string &text, const std::string &file,
                           ordered_json &settings) {
  Reader r{file};
  ordered_json doc;
  try {
    doc = ordered_json::parse(text);
  } catch (const ordered_json::parse_error &e) {
    r.fail(e.what());
  }
  if (!doc.is_object() || doc.value("format", "") != "odec-checkpoint")
    r.fail("no \"format\": \"odec-checkpoint\"");
  const int64_t version = r.integer(r.field(doc, "version"), "version");
  if (version != 1 && version != 2)
    r.fail("unsupported version " + doc["version"].dump());
  settings = r.field(doc, "settings");
  TrainState s;
  s.epoch = r.integer(r.field(doc, "epoch"), "epoch");
  s.batch = r.integer(r.field(doc, "batch"), "batch");
  s.epochLossSum = r.number(r.field(doc, "epoch_loss_sum"), "epoch_loss_sum");
  s.seconds = r.number(r.field(doc, "seconds"), "seconds");
  s.params = r.numbers(r.field(doc, "params"), "params");
  const ordered_json &adam = r.field(doc, "adam");
  s.adam.step = r.integer(r.field(adam, "step"), "adam.step");
  s.adam.m = r.numbers(r.field(adam, "m"), "adam.m");
  s.adam.v = r.numbers(r.field(adam, "v"), "adam.v");
  const ordered_json &best = r.field(doc, "best");
  s.bestEpoch = r.integer(r.field(best, "epoch"), "best.epoch");
  s.bestLoss = r.number(r.field(best, "loss"), "best.loss");
  s.bestParams = r.numbers(r.field(best, "params"), "best.params");
  if (s.epoch < 0 || s.batch < 0)
    r.fail("negative progress");
  if (version == 1) {
    // Version 1 carried the history itself; such checkpoints still resume.
    const ordered_json &history = r.field(doc, "history");
    if (!history.is_array())
      r.fail("history must be an array");
    for (const ordered_json &h : history) {
      EpochRecord e;
      e.epoch = r.integer(r.field(h, "epoch"), "history.epoch");
      e.trainLoss = r.number(r.field(h, "train_loss"), "history.train_loss");
      if (!r.field(h, "val_loss").is_null())
        e.valLoss = r.number(h["val_loss"], "history.val_loss");
      e.seconds = r.number(r.field(h, "seconds"), "history.seconds");
      s.history.push_back(e);
    }
    if (int64_t(s.history.size()) != s.epoch)
      r.fail("the epoch count and the history disagree");
  } else if (r.integer(r.field(doc, "history_rows"), "history_rows") != s.epoch) {
    r.fail("the epoch count and the history disagree");
  }
  if (s.bestParams.size() != s.params.size() ||
      (!s.adam.m.empty() &&
       (s.adam.m.size() != s.params.size() || s.adam.v.size() != s.params.size())))
    r.fail("the parameter and moment vectors differ in size");
  return s;
}

std::string resumeSettingsMismatch(const ordered_json &saved, const ordered_json &now,
                                   const std::vector<std::string> &ignored,
                                   const ordered_json &defaults) {
  for (auto it = now.begin(); it != now.end(); ++it) {
    if (std::find(ignored.begin(), ignored.end(), it.key()) != ignored.end())
      continue;
    ordered_json before = saved.contains(it.key())      ? saved[it.key()]
                          : defaults.contains(it.key()) ? defaults[it.key()]
                                                        : ordered_json();
    if (before != it.value())
      return "the run was started with " + it.key() + " = " + before.dump() + ", now it is " +
             it.value().dump();
  }
  return "";
}

} // namespace odec
