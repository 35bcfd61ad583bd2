// odec generate and odec train end to end: a linear model's matrix recovered from data its
// teacher generated, --resume bit-identical to an uninterrupted run, Ctrl-C (a real SIGINT
// to a child process) leaving a checkpoint that resumes exactly.
#include "../cli/RunOdec.h"
#include "io/Csv.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <nlohmann/json.hpp>
#include <thread>

namespace {

const char *kLinear = "model Linear\n"
                      "    state x::Vector{2}\n"
                      "    param A::Matrix{2,2} ~ Normal(0, 0.1)\n"
                      "    ddt(x) = A * x\n"
                      "end\n";

struct TrainingData {
  TempDir dir;
  std::string node, train, val;
  TrainingData() {
    node = dir.file("lin.node", kLinear);
    std::string teacher = dir.file("teacher.json", R"({"A": [[-0.1, 1], [-1, -0.1]]})");
    train = dir.file("d.csv");
    val = dir.file("v.csv");
    for (auto [out, k, seed] : {std::tuple{train, 8, 1}, std::tuple{val, 2, 2}}) {
      OdecResult r =
          runOdec("generate " + node + " --params " + teacher +
                  " --tableau RK4 --step 0.1 --steps 40 --trajectories " + std::to_string(k) +
                  " --seed " + std::to_string(seed) + " --x0-range=-2,2 --out " + out);
      EXPECT_EQ(r.status, 0) << r.err;
    }
  }
  std::string trainArgs(const std::string &extra, const std::string &lr = "0.05") const {
    return "train " + node + " --tableau RK4 --step 0.1 --data " + train + " --val " + val +
           " --lr " + lr + " --batch 16 --seed 3 " + extra;
  }
};

// history.csv without the wall-clock column.
std::string historyLosses(const std::string &path) {
  std::stringstream in(slurp(path)), out;
  std::string line;
  while (std::getline(in, line))
    out << line.substr(0, line.rfind(',')) << "\n";
  return out.str();
}

} // namespace

TEST(GenerateCommand, WritesTrajectoriesOnTheGrid) {
  TrainingData s;
  std::string csv = slurp(s.train);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "traj,t,x[1],x[2]");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 8 * 41);
  EXPECT_NE(csv.find("\n8,4,"), std::string::npos); // trajectory 8 reaches t = 40·0.1
}

TEST(TrainCommand, RecoversTheTeachersMatrix) {
  TrainingData s;
  std::string run = s.dir.file("run");
  OdecResult r = runOdec(s.trainArgs("--epochs 60 --horizon 5 --json --out " + run));
  ASSERT_EQ(r.status, 0) << r.err;
  // One JSON object per epoch on stdout.
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 60);
  auto best = nlohmann::json::parse(slurp(run + "/best_params.json"));
  const double teacher[2][2] = {{-0.1, 1}, {-1, -0.1}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(best["A"][i][j].get<double>(), teacher[i][j], 1e-6) << i << "," << j;
  auto summary = nlohmann::json::parse(slurp(run + "/summary.json"));
  EXPECT_EQ(summary["epochs"], 60);
  EXPECT_LT(summary["best_loss"].get<double>(), 1e-12);
  EXPECT_NE(summary["command_line"].get<std::string>().find("--epochs 60"), std::string::npos);
  EXPECT_EQ(slurp(run + "/history.csv").substr(0, 34), "epoch,train_loss,val_loss,seconds\n");
}

// Adaptive steps: DormandPrince5 at a tight tolerance fits the RK4-generated data's matrix (the
// data's own error, RK4 at h = 0.1, bounds how close), the nominal step comes from the data,
// and the run resumes from its recorded tolerances.
TEST(TrainCommand, AdaptiveStepsRecoverTheTeachersMatrix) {
  TrainingData s;
  const std::string base = "train " + s.node + " --tableau DormandPrince5 --rtol 1e-9 --atol "
                           "1e-10 --data " + s.train + " --val " + s.val +
                           " --lr 0.05 --batch 16 --seed 3 --horizon 5 ";
  const std::string run = s.dir.file("run"), split = s.dir.file("split");
  OdecResult r = runOdec(base + "--epochs 40 --out " + run);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("note: adaptive steps: the nominal step (of the stability init) is the "
                       "data's median sample interval 0.1 (--step sets it)"),
            std::string::npos)
      << r.err;
  auto best = nlohmann::json::parse(slurp(run + "/best_params.json"));
  const double teacher[2][2] = {{-0.1, 1}, {-1, -0.1}};
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(best["A"][i][j].get<double>(), teacher[i][j], 1e-4) << i << "," << j;
  EXPECT_LT(nlohmann::json::parse(slurp(run + "/summary.json"))["best_loss"].get<double>(), 1e-9);
  // Resumed from its checkpoint alone: the same bits as the uninterrupted run.
  ASSERT_EQ(runOdec(base + "--epochs 25 --out " + split).status, 0);
  r = runOdec("train --resume " + split + " --epochs 40");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(historyLosses(split + "/history.csv"), historyLosses(run + "/history.csv"));
  EXPECT_EQ(slurp(split + "/best_params.json"), slurp(run + "/best_params.json"));
  // A tableau without embedded weights cannot step adaptively.
  r = runOdec("train " + s.node + " --tableau RK4 --rtol 1e-6 --data " + s.train + " --out " +
              s.dir.file("rk4"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("tableau 'RK4' has no embedded weights (bhat)"), std::string::npos) << r.err;
  r = runOdec("train " + s.node + " --tableau DormandPrince5 --rtol -1 --data " + s.train);
  EXPECT_EQ(r.err, "odec: error: --rtol and --atol must be finite numbers > 0\n");
}

TEST(TrainCommand, ResumeIsBitIdentical) {
  TrainingData s;
  std::string whole = s.dir.file("whole"), split = s.dir.file("split");
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 6 --out " + whole)).status, 0);
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 3 --out " + split)).status, 0);
  OdecResult r = runOdec(s.trainArgs("--epochs 6 --resume " + split));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(whole + "/params.json"), slurp(split + "/params.json"));
  EXPECT_EQ(slurp(whole + "/best_params.json"), slurp(split + "/best_params.json"));
  EXPECT_EQ(historyLosses(whole + "/history.csv"), historyLosses(split + "/history.csv"));

  // A changed setting is refused, by name.
  r = runOdec(s.trainArgs("--epochs 8 --horizon 4 --resume " + split));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot resume: the run was started with horizon = 5, now it is 4"),
            std::string::npos)
      << r.err;
  // A fresh run will not overwrite one.
  r = runOdec(s.trainArgs("--epochs 1 --out " + split));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("already holds a training run"), std::string::npos) << r.err;
}

// --optimizer nadam: another trajectory of parameters than Adam's, still fitting the data,
// recorded in the checkpoint and resumed bit-identically; a checkpoint written before the
// option existed (no "optimizer" setting) resumes as the Adam run it was.
TEST(TrainCommand, NAdamIsAnOptimizerOfItsOwnAndResumes) {
  TrainingData s;
  const std::string adam = s.dir.file("adam"), whole = s.dir.file("whole"),
                    split = s.dir.file("split");
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 6 --out " + adam)).status, 0);
  OdecResult r = runOdec(s.trainArgs("--epochs 6 --optimizer nadam --out " + whole));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(slurp(whole + "/params.json"), slurp(adam + "/params.json"));
  auto summary = nlohmann::json::parse(slurp(whole + "/summary.json"));
  EXPECT_TRUE(std::isfinite(summary["best_loss"].get<double>()));
  EXPECT_EQ(summary["epochs"], 6);
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 3 --optimizer nadam --out " + split)).status, 0);
  r = runOdec("train --resume " + split + " --epochs 6");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(whole + "/params.json"), slurp(split + "/params.json"));
  r = runOdec(s.trainArgs("--epochs 8 --optimizer adam --resume " + split));
  EXPECT_NE(r.err.find("cannot resume: the run was started with optimizer = \"nadam\", now it "
                       "is \"adam\""),
            std::string::npos)
      << r.err;

  // An older checkpoint: its settings without the key.
  const std::string path = adam + "/checkpoint.json";
  auto doc = nlohmann::ordered_json::parse(slurp(path));
  doc["settings"].erase("optimizer");
  std::ofstream(path) << doc.dump();
  r = runOdec("train --resume " + adam + " --epochs 7");
  EXPECT_EQ(r.status, 0) << r.err;
  r = runOdec("train --resume " + adam + " --epochs 8 --optimizer nadam");
  EXPECT_NE(r.err.find("the run was started with optimizer = \"adam\", now it is \"nadam\""),
            std::string::npos)
      << r.err;
}

TEST(TrainCommand, DataErrorsPointIntoTheFile) {
  TrainingData s;
  std::string bad = s.dir.file("bad.csv", "traj,t,x[1],x[2]\n1,0,1,2\n1,0.1,1,2\n1,0.1,1,2\n");
  OdecResult r = runOdec("train " + s.node + " --tableau RK4 --step 0.1 --horizon 1 --data " + bad +
                         " --out " + s.dir.file("run"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, bad + ":4:3: error: time 0.1 is not after the previous sample's 0.1 (times "
                         "must increase strictly within trajectory 1)\n"
                         "    1,0.1,1,2\n      ^\n");
  // A window cannot start where a state value is missing (it would have no x0): left out, said.
  std::string gap = s.dir.file("gap.csv", "traj,t,x[1],x[2]\n1,0,1,2\n1,0.1,,2\n1,0.2,1,2\n");
  r = runOdec("train " + s.node + " --tableau RK4 --step 0.1 --horizon 1 --epochs 3 --data " + gap +
              " --out " + s.dir.file("run2"));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("note: 1 of the training windows are left out: their first sample, the "
                       "window's x0, misses a state value"),
            std::string::npos)
      << r.err;
  std::string none = s.dir.file("none.csv", "traj,t,x[1],x[2]\n1,0,,2\n1,0.1,1,2\n");
  r = runOdec("train " + s.node + " --tableau RK4 --step 0.1 --horizon 1 --data " + none +
              " --out " + s.dir.file("run3"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("every window starts at a sample whose state is incomplete"),
            std::string::npos)
      << r.err;
}

TEST(TrainCommand, CtrlCCheckpointsAndResumesExactly) {
  TrainingData s;
  std::string run = s.dir.file("run"), out = s.dir.file("stdout"), err = s.dir.file("stderr");
  const std::string args = s.trainArgs("--horizon 5 --out " + run + " --epochs 100000");
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
    ::execl("/bin/sh", "sh", "-c", ("exec " + std::string(ODEC_BINARY) + " " + args).c_str(),
            (char *)nullptr);
    ::_exit(127);
  }
  // Wait for the first checkpoint, let it train a little longer, then Ctrl-C.
  auto start = std::chrono::steady_clock::now();
  while (!std::filesystem::exists(run + "/checkpoint.json") &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ::kill(pid, SIGINT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130) << slurp(err);
  EXPECT_NE(slurp(err).find("Resume with --resume " + run), std::string::npos)
      << slurp(err);

  // Resuming to two epochs past the interruption equals training that far in one go.
  auto checkpoint = nlohmann::json::parse(slurp(run + "/checkpoint.json"));
  const int64_t epochs = checkpoint["epoch"].get<int64_t>() + 2;
  std::string whole = s.dir.file("whole");
  ASSERT_EQ(
      runOdec(s.trainArgs("--horizon 5 --epochs " + std::to_string(epochs) + " --out " + whole))
          .status,
      0);
  // The settings include --epochs only as the target, which a resumed run may change.
  OdecResult r =
      runOdec(s.trainArgs("--horizon 5 --epochs " + std::to_string(epochs) + " --resume " + run));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(whole + "/params.json"), slurp(run + "/params.json"));
  EXPECT_EQ(historyLosses(whole + "/history.csv"), historyLosses(run + "/history.csv"));
}

TEST(TrainCommand, ThreadsGiveTheSameBits) {
  // 40 windows per mini-batch: 5 pieces of 8 shared by 1, 2 or 3 threads.
  TrainingData s;
  const std::string args = "train " + s.node + " --tableau RK4 --step 0.1 --data " + s.train +
                           " --val " + s.val + " --lr 0.05 --batch 40 --seed 3 --epochs 4";
  std::string one = s.dir.file("one");
  ASSERT_EQ(runOdec(args + " --threads 1 --out " + one).status, 0);
  for (const char *k : {"2", "3"}) {
    std::string many = s.dir.file(std::string("many") + k);
    OdecResult r = runOdec(args + " --threads " + k + " --out " + many);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(one + "/params.json"), slurp(many + "/params.json")) << k;
    EXPECT_EQ(historyLosses(one + "/history.csv"), historyLosses(many + "/history.csv")) << k;
  }
}

TEST(TrainCommand, ResumeAloneContinuesWithTheRecordedOptions) {
  TrainingData s;
  std::string whole = s.dir.file("whole"), split = s.dir.file("split");
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 6 --out " + whole)).status, 0);
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 3 --out " + split)).status, 0);
  // No file, no options: all from the checkpoint; only the new epoch target is given, and
  // --out may name the same directory.
  OdecResult r = runOdec("train --resume " + split + " --out " + split + " --epochs 6");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(whole + "/params.json"), slurp(split + "/params.json"));
  EXPECT_EQ(historyLosses(whole + "/history.csv"), historyLosses(split + "/history.csv"));
  // Without --epochs it continues to the recorded target: already there, nothing changes.
  r = runOdec("train --resume " + split);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(slurp(whole + "/params.json"), slurp(split + "/params.json"));
  // An option given again must match.
  r = runOdec("train --resume " + split + " --lr 0.1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("cannot resume: the run was started with lr = 0.05, now it is 0.1"),
            std::string::npos)
      << r.err;
  r = runOdec("train --resume " + split + " --out " + whole);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: --out " + whole + " and --resume " + split +
                       " name different directories; a resumed run continues in its own (give "
                       "--resume alone)\n");
  r = runOdec("train " + s.node + " --step 0.1 --data " + s.train);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: --tableau is required (or --resume DIR to continue a run with "
                   "the options it recorded)\n");
}

TEST(TrainCommand, DivergenceStopsWithExitOneAndKeepsTheBest) {
  TrainingData s;
  std::string run = s.dir.file("run");
  OdecResult r = runOdec(s.trainArgs("--epochs 200 --out " + run, "3"));
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("odec: error: training diverged: the "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("more than 1000 times the best epoch's "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--diverge-factor 0 to train on"), std::string::npos) << r.err;
  auto summary = nlohmann::json::parse(slurp(run + "/summary.json"));
  EXPECT_EQ(summary["stopped"], "diverged");
  const int64_t best = summary["best_epoch"].get<int64_t>();
  ASSERT_GT(best, 0);
  EXPECT_LT(summary["epochs"].get<int64_t>(), 200);
  EXPECT_TRUE(std::filesystem::exists(run + "/checkpoint.json"));
  // best_params.json holds the parameters after the best epoch: what a run stopped there has.
  std::string upTo = s.dir.file("upto");
  ASSERT_EQ(runOdec(s.trainArgs("--epochs " + std::to_string(best) + " --out " + upTo, "3"))
                .status,
            0);
  EXPECT_EQ(slurp(run + "/best_params.json"), slurp(upTo + "/params.json"));

  // --diverge-factor 0 trains on; a factor <= 1 is refused.
  std::string on = s.dir.file("on");
  r = runOdec(s.trainArgs("--epochs 200 --diverge-factor 0 --out " + on, "3"));
  EXPECT_EQ(nlohmann::json::parse(slurp(on + "/summary.json"))["stopped"] == "diverged", false);
  r = runOdec(s.trainArgs("--diverge-factor 0.5 --out " + on));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: --diverge-factor must be a finite number > 1 (0: never stop for "
                   "divergence)\n");
}

namespace {
// kLinear with an init block; `region` is the T of stability(T).
std::string withInitBlock(const std::string &region) {
  return std::string(kLinear) + "init Linear\n"
                                "    solver = RK4\n"
                                "    step = 0.1\n"
                                "    require eigvals(step * jacobian(ddt(x), x)) in stability(" +
         region + ", margin = 0.9)\n"
                  "    strategy = placement()\n"
                  "end\n";
}
} // namespace

TEST(TrainCommand, StabilityInitIsForTheTrainingSolverAndStep) {
  TrainingData s;
  std::string node = s.dir.file("init.node", withInitBlock("RK4")), run = s.dir.file("run");
  OdecResult r = runOdec("train " + node + " --tableau Euler --step 0.05 --data " + s.train +
                         " --init stability --epochs 1 --seed 2 --out " + run);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("note: the init block of Linear sets solver = RK4, step = 0.1; "
                       "initializing for the training's tableau Euler and step 0.05\n"
                       "initialized Linear for Euler (step 0.05, margin 0.9) by placement\n"),
            std::string::npos)
      << r.err;
  auto init = nlohmann::json::parse(slurp(run + "/summary.json"))["init"];
  EXPECT_EQ(init["solver"], "Euler");
  EXPECT_EQ(init["region"], "Euler");
  EXPECT_EQ(init["step"], 0.05);
  // max |R(hλ)| is Euler's |1 + hλ| at h = 0.05, recomputed from the reported λ.
  double worst = 0;
  for (const auto &l : init["eigenvalues"])
    worst = std::max(worst, std::hypot(1 + 0.05 * l[0].get<double>(), 0.05 * l[1].get<double>()));
  EXPECT_NEAR(init["max_abs_R"].get<double>(), worst, 1e-12);
  EXPECT_LE(worst, 0.9);

  // A block whose region is another tableau than its solver cannot be re-targeted...
  std::string euler = s.dir.file("euler.node", withInitBlock("Euler"));
  r = runOdec("train " + euler + " --tableau Heun --step 0.1 --data " + s.train +
              " --init stability --epochs 1 --out " + s.dir.file("refused"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "odec: error: init = stability: the init block of Linear constrains hλ to "
                   "stability(Euler) while its solver is RK4, so it cannot be re-targeted to "
                   "the tableau Heun: make the block's solver Heun (keeping stability(Euler) if "
                   "that region is meant), or initialize from the priors\n");
  // ...but trains with its own solver, the region kept.
  std::string kept = s.dir.file("kept");
  r = runOdec("train " + euler + " --tableau RK4 --step 0.1 --data " + s.train +
              " --init stability --epochs 1 --out " + kept);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(kept + "/summary.json"))["init"]["region"], "Euler");
}

TEST(TrainCommand, CtrlCBeforeTrainingEndsAtOnceWithOneLine) {
  // The data file is a FIFO no one writes: odec blocks in reading it, before training, as it
  // would in the JIT compile. Ctrl-C there ends the process promptly with exit 130.
  TrainingData s;
  std::string fifo = s.dir.file("blocked.csv"), err = s.dir.file("stderr");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
    ::execl(ODEC_BINARY, ODEC_BINARY, "train", s.node.c_str(), "--tableau", "RK4", "--step", "0.1",
            "--data", fifo.c_str(), "--out", s.dir.file("run").c_str(), (char *)nullptr);
    ::_exit(127);
  }
  // Wait until the child has opened the FIFO for reading (it blocks there), then Ctrl-C.
  auto start = std::chrono::steady_clock::now();
  auto blocked = [&] {
    std::ifstream wchan("/proc/" + std::to_string(pid) + "/wchan");
    std::string where;
    wchan >> where;
    return where == "wait_for_partner" || where.find("fifo") != std::string::npos;
  };
  while (!blocked() && std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ::kill(pid, SIGINT);
  const auto sent = std::chrono::steady_clock::now();
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - sent, std::chrono::seconds(5));
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_EQ(slurp(err), "odec: interrupted (Ctrl-C); nothing was saved\n");
}

// The host API's Model::train is what `odec train` runs: the same settings give the CLI's
// parameters to the bit, the checkpoint's settings read back, and bad settings are refused by
// name before anything is written.
TEST(HostTrain, IsTheCommandsRunAndRecordsItsSettings) {
  TrainingData s;
  const std::string cli = s.dir.file("cli"), host = s.dir.file("host");
  ASSERT_EQ(runOdec(s.trainArgs("--epochs 4 --horizon 3 --out " + cli)).status, 0);

  odec::Model m = odec::Program::fromFile(s.node).model();
  odec::TrainSettings t;
  t.tableau = "RK4";
  t.step = 0.1;
  t.data = s.train;
  t.validation = s.val;
  t.learningRate = 0.05;
  t.batch = 16;
  t.seed = 3;
  t.epochs = 4;
  t.horizon = 3;
  t.directory = host;
  const odec::TrainResult r = m.train(t);
  EXPECT_EQ(r.outcome, odec::TrainResult::Outcome::Finished);
  EXPECT_EQ(r.epoch, 4);
  EXPECT_TRUE(r.validation);
  EXPECT_EQ(slurp(host + "/params.json"), slurp(cli + "/params.json"));
  EXPECT_EQ(m.paramsToJson(r.params), slurp(host + "/params.json"));

  const odec::TrainSettings back = odec::TrainSettings::recorded(host);
  EXPECT_EQ(back.model, "Linear");
  EXPECT_EQ(back.tableau, "RK4");
  EXPECT_EQ(back.step, 0.1);
  EXPECT_EQ(back.validation, s.val);
  EXPECT_EQ(back.learningRate, 0.05);
  EXPECT_EQ(back.horizon, 3);
  EXPECT_EQ(back.seed, 3u);
  EXPECT_TRUE(back.resume);

  // Continued to 6 epochs from the recorded settings: a resumed run.
  odec::TrainSettings more = back;
  more.epochs = 6;
  EXPECT_EQ(m.train(more).epoch, 6);

  auto refused = [&](odec::TrainSettings bad, const std::string &message) {
    bad.directory = s.dir.file("refused");
    try {
      m.train(bad);
      ADD_FAILURE() << "accepted: " << message;
    } catch (const std::invalid_argument &e) {
      EXPECT_EQ(std::string(e.what()), message);
    }
    EXPECT_FALSE(std::filesystem::exists(bad.directory));
  };
  odec::TrainSettings bad = t;
  bad.step = -0.1;
  refused(bad, "the training step must be a positive finite number");
  bad = t;
  bad.learningRate = std::nan("");
  refused(bad, "the learning rate must be a positive finite number");
  bad = t;
  bad.init = "zeros";
  refused(bad, "init must be \"prior\" or \"stability\", not \"zeros\"");
  bad = t;
  bad.threads = 0;
  refused(bad, "the number of threads must be >= 1");
  // A fresh run does not overwrite one.
  try {
    m.train(t);
    ADD_FAILURE() << "overwrote a run";
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find("already holds a training run"), std::string::npos);
  }
}

namespace {

const char *kPlant = "model Plant\n"
                     "    state x::Vector{2}\n"
                     "    input u::Real ~ Hold()\n"
                     "    param A::Matrix{2,2} ~ Normal(0, 0.1)\n"
                     "    param B::Vector{2} ~ Normal(0, 0.1)\n"
                     "    ddt(x) = A * x .+ B .* u\n"
                     "end\n";

} // namespace

// generate --input: each trajectory driven by its own signal of a family, the samples written
// as the data's input column; re-simulating a trajectory from those samples reproduces it, and
// training reads them.
TEST(GenerateCommand, DrivesEachTrajectoryByASignalFamily) {
  TempDir dir;
  const std::string node = dir.file("plant.node", kPlant);
  const std::string teacher =
      dir.file("teacher.json", R"({"A": [[-0.3, 1], [-1, -0.3]], "B": [0.5, 1]})");
  const std::string base = "generate " + node + " --params " + teacher +
                           " --tableau RK4 --step 0.1 --steps 60 --trajectories 3 --seed 4";
  const std::string data = dir.file("d.csv");
  OdecResult r = runOdec(base + " --input pwm --out " + data);
  ASSERT_EQ(r.status, 0) << r.err;
  const odec::CsvTable t = odec::parseCsv(slurp(data), data);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"traj", "t", "x[1]", "x[2]", "u"}));
  ASSERT_EQ(t.rows(), 3u * 61);
  std::string u1 = "t,u\n";
  bool switches = false;
  for (size_t row = 0; row < t.rows(); ++row) {
    const double u = t.at(row, 4);
    EXPECT_TRUE(u == 1 || u == -1) << u;
    if (row > 0 && row < 61)
      switches = switches || u != t.at(row - 1, 4);
    if (row < 61)
      u1 += odec::formatNumber(t.at(row, 1)) + "," + odec::formatNumber(u) + "\n";
  }
  EXPECT_TRUE(switches);
  // Trajectory 1 again from its own x0 and input samples.
  r = runOdec("simulate " + node + " --params " + teacher + " --tableau RK4 --step 0.1 --steps 60 "
              "--x0 " + odec::formatNumber(t.at(0, 2)) + "," + odec::formatNumber(t.at(0, 3)) +
              " --inputs " + dir.file("u1.csv", u1));
  ASSERT_EQ(r.status, 0) << r.err;
  const odec::CsvTable again = odec::parseCsv(r.out, "stdout");
  for (size_t n = 0; n <= 60; ++n)
    for (size_t d = 0; d < 2; ++d)
      EXPECT_NEAR(again.at(n, 1 + d), t.at(n, 2 + d), 1e-13) << "sample " << n;
  // The same seeds give the same file; another input seed other inputs.
  EXPECT_EQ(runOdec(base + " --input pwm").out, slurp(data));
  EXPECT_NE(runOdec(base + " --input pwm --input-seed 9").out, slurp(data));
  for (const char *family : {"prbs", "sine", "steps"})
    EXPECT_EQ(runOdec(base + " --input " + family).status, 0) << family;
  // Training reads the input column.
  r = runOdec("train " + node + " --tableau RK4 --step 0.1 --horizon 5 --epochs 2 --data " +
              data + " --out " + dir.file("run"));
  EXPECT_EQ(r.status, 0) << r.err;

  r = runOdec(base);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("model Plant has inputs: give a signal family with --input "
                       "prbs|pwm|sine|steps, or samples with --inputs FILE.csv (not both)"),
            std::string::npos)
      << r.err;
  r = runOdec(base + " --input square");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--input must be prbs, pwm, sine or steps, not 'square'"),
            std::string::npos)
      << r.err;
  const std::string offGrid = dir.file("u.csv", "t,u\n0,1\n0.15,2\n");
  r = runOdec(base + " --inputs " + offGrid);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("the file has 2 input samples; the data has 61"), std::string::npos)
      << r.err;
}
