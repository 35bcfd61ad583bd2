// odec generate and odec train end to end: a linear model's matrix recovered from data its
// teacher generated, --resume bit-identical to an uninterrupted run, Ctrl-C (a real SIGINT
// to a child process) leaving a checkpoint that resumes exactly.
#include "../cli/RunOdec.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
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
  std::string trainArgs(const std::string &extra) const {
    return "train " + node + " --tableau RK4 --step 0.1 --data " + train + " --val " + val +
           " --lr 0.05 --batch 16 --seed 3 " + extra;
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

TEST(TrainCommand, DataErrorsPointIntoTheFile) {
  TrainingData s;
  std::string bad = s.dir.file("bad.csv", "traj,t,x[1],x[2]\n1,0,1,2\n1,0.1,1,2\n1,0.25,1,2\n");
  OdecResult r = runOdec("train " + s.node + " --tableau RK4 --step 0.1 --horizon 1 --data " + bad +
                         " --out " + s.dir.file("run"));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, bad + ":4:3: error: time 0.25 is off the uniform grid of trajectory 1 "
                         "(expected 0.2: one sample every training step of 0.1 from t = 0)\n"
                         "    1,0.25,1,2\n      ^\n");
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
  EXPECT_NE(slurp(err).find("Resume with the same options and --resume " + run), std::string::npos)
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
