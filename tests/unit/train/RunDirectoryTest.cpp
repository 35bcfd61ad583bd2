// What a run leaves on disk: the run directory's files, the exact checkpoint format, resume
// checks, and the loss plot's log scale.
#include "../ErrorOf.h"
#include "train/RunDirectory.h"
#include "io/AtomicFile.h"
#include "io/ParamsJson.h"
#include "train/Checkpoint.h"
#include "train/LossPlot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

using namespace odec;
using nlohmann::ordered_json;

namespace {

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("odec_train_" + std::to_string(::getpid()) + "_" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::vector<TensorSlot> layout() { return {{"A", 2, 2, 2, 0, {}}}; }

TrainState sampleState() {
  TrainState s = initialTrainState({0.1, -0.0, 1e-310, 3});
  s.bestParams = {1.0 / 3, 2, 3, 4};
  s.adam = {{0.5, 0.25, 0.125, 1e-20}, {1, 2, 3, 4}, 17};
  s.epoch = 2;
  s.batch = 3;
  s.epochLossSum = 0.7;
  s.seconds = 1.5;
  s.history = {{1, 0.25, 0.5, 0.75}, {2, 0.125, 0.0625, 1.25}};
  s.bestEpoch = 2;
  s.bestLoss = 0.0625;
  return s;
}

using odec::test::errorOf;

} // namespace

TEST(Checkpoint, DoublesAreHexadecimalAndExact) {
  TrainState s = sampleState();
  std::string text = checkpointToJson(s, {{"seed", 3}});
  EXPECT_NE(text.find("\"0x1.999999999999ap-4\""), std::string::npos); // 0.1
  EXPECT_NE(text.find("\"-0x0p+0\""), std::string::npos);              // −0 keeps its sign
  ordered_json settings;
  TrainState r = parseCheckpoint(text, "c.json", settings);
  EXPECT_EQ(settings, (ordered_json{{"seed", 3}}));
  EXPECT_EQ(std::memcmp(r.params.data(), s.params.data(), 32), 0);
  EXPECT_EQ(r.bestParams, s.bestParams);
  EXPECT_EQ(r.adam.m, s.adam.m);
  EXPECT_EQ(r.adam.v, s.adam.v);
  EXPECT_EQ(r.adam.step, 17);
  EXPECT_EQ(r.epoch, 2);
  EXPECT_EQ(r.batch, 3);
  EXPECT_EQ(r.epochLossSum, 0.7);
  EXPECT_TRUE(r.history.empty()); // history.csv's, read back by RunDirectory::resume
  EXPECT_EQ(r.bestLoss, 0.0625);
}

TEST(Checkpoint, SizeDoesNotGrowWithTheEpochs) {
  TrainState s = sampleState();
  const size_t two = checkpointToJson(s, {}).size();
  for (int64_t e = 3; e <= 100000; ++e)
    s.history.push_back({e, 1.0 / double(e), NAN, double(e)});
  s.epoch = 100000;
  // Only the digits of the epoch count and of history_rows differ.
  EXPECT_EQ(checkpointToJson(s, {}).size(), two + 2 * 5);
}

TEST(Checkpoint, VersionOneWithItsHistoryStillReads) {
  const std::string v1 = R"({"format": "odec-checkpoint", "version": 1, "settings": {},
    "epoch": 1, "batch": 0, "epoch_loss_sum": "0x0p+0", "seconds": "0x1p+0",
    "params": ["0x1p+0"], "adam": {"step": 4, "m": ["0x0p+0"], "v": ["0x0p+0"]},
    "best": {"epoch": 1, "loss": "0x1p-2", "params": ["0x1p+0"]},
    "history": [{"epoch": 1, "train_loss": "0x1p-2", "val_loss": null, "seconds": "0x1p+0"}]})";
  ordered_json settings;
  TrainState r = parseCheckpoint(v1, "c.json", settings);
  ASSERT_EQ(r.history.size(), 1u);
  EXPECT_EQ(r.history[0].trainLoss, 0.25);
  EXPECT_TRUE(std::isnan(r.history[0].valLoss));
  std::string bad = v1;
  bad.replace(bad.find("\"epoch\": 1,"), 11, "\"epoch\": 2,");
  EXPECT_EQ(errorOf([&] { parseCheckpoint(bad, "c.json", settings); }),
            "c.json: error: not a valid odec checkpoint: the epoch count and the history disagree");
}

TEST(Checkpoint, MalformedOnesAreFileErrors) {
  ordered_json settings;
  EXPECT_EQ(errorOf([&] { parseCheckpoint("{}", "c.json", settings); }),
            "c.json: error: not a valid odec checkpoint: no \"format\": \"odec-checkpoint\"");
  std::string text = checkpointToJson(sampleState(), {});
  text.replace(text.find("\"0x1.999999999999ap-4\""), 22, "0.1");
  EXPECT_EQ(errorOf([&] { parseCheckpoint(text, "c.json", settings); }),
            "c.json: error: not a valid odec checkpoint: params must be a hexadecimal "
            "floating-point string");
}

TEST(Checkpoint, SettingsMismatchNamesTheSetting) {
  ordered_json saved = {{"tableau", "RK4"}, {"step", 0.1}, {"epochs", 3}};
  EXPECT_EQ(
      resumeSettingsMismatch(saved, {{"tableau", "RK4"}, {"step", 0.1}, {"epochs", 6}}, {"epochs"}),
      "");
  EXPECT_EQ(resumeSettingsMismatch(saved, {{"tableau", "RK4"}, {"step", 0.05}, {"epochs", 3}},
                                   {"epochs"}),
            "the run was started with step = 0.1, now it is 0.05");
}

TEST(RunDirectory, WritesEveryFile) {
  TempDir tmp;
  RunInfo info{"Linear", "RK4", 0.1, 5, "odec train x.node", layout(), {{"seed", 1}}};
  RunDirectory run((tmp.path / "run").string(), info);
  TrainState s = sampleState();
  s.batch = 0;
  run.saveResults(s);
  run.saveCheckpoint(s);
  EXPECT_EQ(loadParamsJson(run.file("params.json"), layout()), s.params);
  EXPECT_EQ(loadParamsJson(run.file("best_params.json"), layout()), s.bestParams);
  EXPECT_EQ(readFile(run.file("history.csv")),
            "epoch,train_loss,val_loss,seconds\n1,0.25,0.5,0.75\n2,0.125,0.0625,1.25\n");
  ordered_json summary = ordered_json::parse(readFile(run.file("summary.json")));
  EXPECT_EQ(summary["model"], "Linear");
  EXPECT_EQ(summary["tableau"], "RK4");
  EXPECT_EQ(summary["step"], 0.1);
  EXPECT_EQ(summary["horizon"], 5);
  EXPECT_EQ(summary["epochs"], 2);
  EXPECT_EQ(summary["loss"], "validation");
  EXPECT_EQ(summary["best_epoch"], 2);
  EXPECT_EQ(summary["best_loss"], 0.0625);
  EXPECT_EQ(summary["final_loss"], 0.0625);
  EXPECT_EQ(summary["wall_seconds"], 1.5);
  EXPECT_EQ(summary["command_line"], "odec train x.node");
  EXPECT_NE(readFile(run.file("loss.svg")).find("<svg"), std::string::npos);
  TrainState back = run.resume({});
  EXPECT_EQ(back.params, s.params);
  EXPECT_EQ(back.history.size(), 2u);
}

// history.csv grows by appending (the same file, not a replacement), and resuming keeps the
// rows the checkpoint continues, bit for bit, and drops those written after it.
TEST(RunDirectory, HistoryIsAppendedAndResumeDropsRowsAfterTheCheckpoint) {
  TempDir tmp;
  RunInfo info{"Linear", "RK4", 0.1, 5, "", layout(), {{"seed", 1}}};
  const std::string dir = (tmp.path / "run").string();
  RunDirectory run(dir, info);
  TrainState s = sampleState();
  s.batch = 0;
  s.history[0].trainLoss = 0.1; // no short decimal: read back exactly or not at all
  s.history[1].valLoss = NAN;
  run.saveCheckpoint(s);
  struct stat before {};
  ASSERT_EQ(::stat(run.file("history.csv").c_str(), &before), 0);
  TrainState later = s;
  later.history.push_back({3, 1.0 / 3, 0.5, 2});
  later.epoch = 3;
  run.saveResults(later);
  struct stat after {};
  ASSERT_EQ(::stat(run.file("history.csv").c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(readFile(run.file("history.csv")),
            "epoch,train_loss,val_loss,seconds\n1,0.1,0.5,0.75\n2,0.125,,1.25\n"
            "3,0.3333333333333333,0.5,2\n");

  TrainState back = RunDirectory(dir, info).resume({});
  ASSERT_EQ(back.history.size(), 2u);
  EXPECT_EQ(back.history[0].trainLoss, 0.1);
  EXPECT_EQ(back.history[0].valLoss, 0.5);
  EXPECT_TRUE(std::isnan(back.history[1].valLoss));
  EXPECT_EQ(back.history[1].seconds, 1.25);
  EXPECT_EQ(readFile(run.file("history.csv")),
            "epoch,train_loss,val_loss,seconds\n1,0.1,0.5,0.75\n2,0.125,,1.25\n");
}

TEST(RunDirectory, ResumeNeedsTheHistoryTheCheckpointContinues) {
  TempDir tmp;
  RunInfo info{"Linear", "RK4", 0.1, 5, "", layout(), {{"seed", 1}}};
  const std::string dir = (tmp.path / "run").string();
  RunDirectory(dir, info).saveCheckpoint(sampleState());
  const std::string csv = dir + "/history.csv";
  writeFileAtomic(csv, "epoch,train_loss,val_loss,seconds\n1,0.25,0.5,0.75\n2,0.1");
  EXPECT_EQ(errorOf([&] { RunDirectory(dir, info).resume({}); }),
            csv + ": error: has 1 complete rows, the checkpoint 2 epochs");
  writeFileAtomic(csv, "epoch,train_loss,val_loss,seconds\n1,0.25,0.5,0.75\n2,0.1x,,1\n");
  const std::string bad = errorOf([&] { RunDirectory(dir, info).resume({}); });
  EXPECT_EQ(bad.substr(0, bad.find('\n')), csv + ":3:3: error: not a number");
  EXPECT_NE(bad.find("2,0.1x,,1"), std::string::npos); // the line, with a caret under it
  std::filesystem::remove(csv);
  EXPECT_EQ(errorOf([&] { RunDirectory(dir, info).resume({}); }),
            csv + ": error: missing: the checkpoint continues 2 epochs of history recorded there");
}

TEST(RunDirectory, ResumeChecks) {
  TempDir tmp;
  const std::string dir = (tmp.path / "run").string();
  RunInfo info{"Linear", "RK4", 0.1, 5, "", layout(), {{"seed", 1}}};
  EXPECT_EQ(errorOf([&] { RunDirectory(dir, info).resume({}); }),
            dir + "/checkpoint.json: error: no checkpoint to resume from (is '" + dir +
                "' the --out directory of an earlier run?)");
  RunDirectory(dir, info).saveCheckpoint(sampleState());
  info.settings = {{"seed", 2}};
  EXPECT_EQ(errorOf([&] { RunDirectory(dir, info).resume({}); }),
            dir + "/checkpoint.json: error: cannot resume: the run was started with seed = 1, "
                  "now it is 2");
}

TEST(LossPlot, LogScaleAxesAndLegend) {
  std::vector<EpochRecord> h = {{1, 1e-2, 2e-2, 0}, {2, 1e-3, 3e-3, 0}, {3, 1e-4, 1e-3, 0}};
  std::string svg = lossPlotSvg(h, "Loss of M");
  // Decades 1e-4 .. 1e-1 span the 400 px plot area from y = 48, so 1e-2, one decade below
  // the top, is at y = 48 + 400/3; epoch 1 is at the left edge, x = 78.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("class=\"training\" d=\"M([0-9.]+) ([0-9.]+)")));
  EXPECT_NEAR(std::stod(m[1]), 78, 0.01);
  EXPECT_NEAR(std::stod(m[2]), 48 + 400.0 / 3, 0.01);
  EXPECT_NE(svg.find(">1e-4</text>"), std::string::npos);
  EXPECT_NE(svg.find(">1e-1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">validation</text>"), std::string::npos);
  EXPECT_NE(svg.find(">training</text>"), std::string::npos);
  EXPECT_NE(svg.find(">epoch</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>Loss of M</title>"), std::string::npos);
  // A long history is drawn as each run of epochs' extremes: the file stays small, and the
  // lowest loss (at an epoch no sampling would hit) is still drawn at the bottom of the axis.
  std::vector<EpochRecord> longRun;
  for (int64_t e = 1; e <= 200000; ++e)
    longRun.push_back({e, e == 123457 ? 1e-9 : 1e-2, NAN, 0});
  const std::string big = lossPlotSvg(longRun, "t");
  EXPECT_LT(big.size(), 100000u);
  EXPECT_NE(big.find(">1e-9</text>"), std::string::npos);
  // Without validation data there is one curve and one legend entry.
  for (EpochRecord &r : h)
    r.valLoss = NAN;
  EXPECT_EQ(lossPlotSvg(h, "t").find("validation"), std::string::npos);
}
