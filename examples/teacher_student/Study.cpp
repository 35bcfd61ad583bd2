#include "Study.h"

#include "driver/WindowLoss.h"
#include "train/Trainer.h"
#include "train/Windows.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace odec::study {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kTestChunk = 256;

// Teacher t's generator: independent of the number of teachers, of the solvers and of the
// threads, so a larger study contains the smaller one's teachers.
uint64_t teacherSeed(uint64_t seed, int t) { return seed * 0x9E3779B97F4A7C15ull + uint64_t(t); }

// How a student's loss is evaluated through one solver: the fused MSE adjoint at fixed target
// steps (autonomous teachers), or the observation-time solver reading the input (driven ones:
// TrainConfig::windowLoss).
struct SolverLoss {
  LossGradCallback fixed;
  WindowLossCallback windows;

  double testLoss(const std::vector<double> &params, const WindowSet &test, double h) const {
    return windows ? meanSquaredError(windows, params, test, kTestChunk)
                   : meanSquaredError(fixed, params, test, h, kTestChunk);
  }
};

RunResult trainStudent(const StudyConfig &c, const SolverLoss &loss, std::vector<double> params,
                       const WindowSet &trainWindows, const WindowSet &test, uint64_t seed) {
  TrainConfig tc;
  tc.step = c.step;
  tc.epochs = c.epochs;
  tc.batchSize = c.batch;
  tc.adam.optimizer = c.optimizer;
  tc.adam.learningRate = c.learningRate;
  tc.adam.clipNorm = c.clipNorm;
  tc.seed = seed;
  tc.windowLoss = loss.windows;

  RunResult r;
  r.initialTestLoss = loss.testLoss(params, test, c.step);
  TrainState state = initialTrainState(std::move(params));
  try {
    train(tc, loss.fixed, trainWindows, &test, state);
  } catch (const std::runtime_error &) { // the trainer's non-finite loss
    r.diverged = true;
  }
  r.earlyTestLoss = kInf;
  r.minTestLoss = kInf;
  for (const EpochRecord &e : state.history) {
    if (!std::isfinite(e.valLoss))
      r.diverged = true;
    else if (!r.diverged)
      r.minTestLoss = std::min(r.minTestLoss, e.valLoss);
    if (e.epoch == earlyEpoch(c) && !r.diverged)
      r.earlyTestLoss = e.valLoss;
  }
  if (r.diverged)
    r.minTestLoss = kInf;
  return r;
}

// What every teacher shares: the compiled models and one loss per solver.
struct Compiled {
  Model teacher, student;
  Simulator rk4;
  std::vector<LossGradient> gradients; // kept alive for the `fixed` callbacks
  std::vector<SolverLoss> losses;

  Compiled(const Program &program, const StudyConfig &c)
      : teacher(program.model(c.teacherModel)), student(program.model(c.studentModel)),
        rk4(teacher.simulator("RK4")) {
    if (teacher.stateDim() != student.stateDim())
      throw std::invalid_argument("the " + c.teacherModel + " and " + c.studentModel +
                                  " models must have the same state");
    if (teacher.inputColumns() != student.inputColumns())
      throw std::invalid_argument("the " + c.teacherModel + " and " + c.studentModel +
                                  " models must have the same inputs");
    gradients.reserve(c.solvers.size());
    for (const std::string &s : c.solvers) {
      SolverLoss loss;
      if (student.autonomous()) {
        const LossGradient &g = gradients.emplace_back(student.lossGradient(s));
        loss.fixed = [&g](const LossGradArgs &a) { return call(g, a); };
      } else {
        loss.windows = observedWindowLoss(student.observedSolver(s), student.stateDim(), c.step);
      }
      losses.push_back(std::move(loss));
    }
  }
};

std::vector<RunResult> studyTeacher(const Compiled &m, const StudyConfig &c, int t) {
  const TeacherKind kind = t < c.teachers / 2 ? TeacherKind::InsideEuler : TeacherKind::OutsideRK4;
  const uint64_t seed = teacherSeed(c.seed, t);
  Random rng(seed);
  const int D = int(m.teacher.stateDim());
  const Eigen::MatrixXd A = teacherMatrix(sampleTeacherPoles(kind, D, rng), c.step, rng);
  TrajectoryData trainData, testData;
  if (c.setting == Setting::Driven) {
    const Eigen::VectorXd B = teacherInputMatrix(D, rng);
    trainData = drivenTeacherTrajectories(m.teacher, A, B, c.step, c.trainData, rng);
    testData = drivenTeacherTrajectories(m.teacher, A, B, c.step, c.testData, rng);
  } else {
    trainData = teacherTrajectories(m.rk4, m.teacher, A, c.step, c.trainData, rng);
    testData = teacherTrajectories(m.rk4, m.teacher, A, c.step, c.testData, rng);
  }
  const WindowSet train = makeWindows(trainData, c.horizon);
  const WindowSet test = makeWindows(testData, c.horizon);

  std::vector<RunResult> results;
  for (size_t s = 0; s < c.solvers.size(); ++s) {
    InitSettings settings;
    settings.tableau = c.solvers[s];
    settings.step = c.step;
    settings.margin = c.initMargin;
    settings.strategy = InitSettings::Strategy::Placement;
    // The same seed for both: placement starts from the prior draw sampleParams(seed) would
    // give and moves one tensor, and the mini-batch order is shared.
    const std::pair<const char *, std::vector<double>> inits[] = {
        {"prior", m.student.sampleParams(seed)},
        {"stability", m.student.initialize(seed, settings).params}};
    for (const auto &[name, params] : inits) {
      RunResult r = trainStudent(c, m.losses[s], params, train, test, seed);
      r.teacher = t;
      r.kind = kind;
      r.solver = c.solvers[s];
      r.init = name;
      results.push_back(std::move(r));
    }
  }
  return results;
}

} // namespace

const char *settingName(Setting s) { return s == Setting::Driven ? "driven" : "autonomous"; }

StudyConfig studyConfig(Setting setting) {
  StudyConfig c;
  c.setting = setting;
  if (setting == Setting::Driven) {
    c.solvers = {"Euler", "Midpoint", "Heun", "Ralston", "Kutta3", "SSPRK3", "RK4", "RK38"};
    c.optimizer = Optimizer::NAdam;
    c.trainData = {2, 301, 1}; // 30 s at 0.1 s
    c.testData = {1, 301, 1};
    c.teacherModel = "DrivenTeacher";
    c.studentModel = "DrivenStudent";
  } else {
    c.solvers = {"Euler", "Midpoint", "Kutta3", "RK4"};
    c.optimizer = Optimizer::Adam;
    c.trainData = {8, 31, 20};
    c.testData = {4, 31, 20};
    c.teacherModel = "Teacher";
    c.studentModel = "Student";
  }
  return c;
}

int64_t earlyEpoch(const StudyConfig &config) { return std::max<int64_t>(1, config.epochs / 5); }

std::vector<RunResult> runStudy(const Program &program, const StudyConfig &c,
                                const std::function<void(int, int)> &progress) {
  const Compiled compiled(program, c);
  std::vector<std::vector<RunResult>> perTeacher(size_t(c.teachers));
  std::atomic<int> next{0};
  std::mutex mutex;
  int done = 0;
  std::exception_ptr failure;
  auto worker = [&] {
    for (int t; (t = next++) < c.teachers;) {
      try {
        perTeacher[size_t(t)] = studyTeacher(compiled, c, t);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure)
          failure = std::current_exception();
        next = c.teachers;
        return;
      }
      std::lock_guard<std::mutex> lock(mutex);
      if (progress)
        progress(++done, c.teachers);
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, c.threads); ++i)
    threads.emplace_back(worker);
  worker();
  for (std::thread &th : threads)
    th.join();
  if (failure)
    std::rethrow_exception(failure);
  std::vector<RunResult> results;
  for (std::vector<RunResult> &rs : perTeacher)
    results.insert(results.end(), rs.begin(), rs.end());
  return results;
}

} // namespace odec::study
