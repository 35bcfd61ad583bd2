#include "Study.h"

#include "train/Trainer.h"
#include "train/Windows.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace odec::study {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Teacher t's generator: independent of the number of teachers and of the solvers, so a
// larger study contains the smaller one's teachers.
uint64_t teacherSeed(uint64_t seed, int t) { return seed * 0x9E3779B97F4A7C15ull + uint64_t(t); }

RunResult trainStudent(const StudyConfig &c, const LossGradient &lossGrad,
                       std::vector<double> params, const WindowSet &trainWindows,
                       const WindowSet &test, uint64_t seed) {
  LossGradCallback cb = [&lossGrad](const LossGradArgs &a) { return call(lossGrad, a); };
  TrainConfig tc;
  tc.step = c.step;
  tc.epochs = c.epochs;
  tc.batchSize = c.batch;
  tc.adam.learningRate = c.learningRate;
  tc.adam.clipNorm = c.clipNorm;
  tc.seed = seed;

  RunResult r;
  r.initialTestLoss = meanSquaredError(cb, params, test, c.step, 256);
  TrainState state = initialTrainState(std::move(params));
  try {
    train(tc, cb, trainWindows, &test, state);
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

} // namespace

int64_t earlyEpoch(const StudyConfig &config) { return std::max<int64_t>(1, config.epochs / 5); }

std::vector<RunResult> runStudy(const Program &program, const StudyConfig &c,
                                const std::function<void(int, int)> &progress) {
  const Model teacher = program.model("Teacher");
  const Model student = program.model("Student");
  if (teacher.stateDim() != student.stateDim())
    throw std::invalid_argument("the Teacher and Student models must have the same state");
  const Simulator rk4 = teacher.simulator("RK4");
  std::vector<LossGradient> lossGrads;
  for (const std::string &s : c.solvers)
    lossGrads.push_back(student.lossGradient(s));

  std::vector<RunResult> results;
  for (int t = 0; t < c.teachers; ++t) {
    const TeacherKind kind =
        t < c.teachers / 2 ? TeacherKind::InsideEuler : TeacherKind::OutsideRK4;
    const uint64_t seed = teacherSeed(c.seed, t);
    Random rng(seed);
    const Eigen::MatrixXd A =
        teacherMatrix(sampleTeacherPoles(kind, int(teacher.stateDim()), rng), c.step, rng);
    const WindowSet train =
        makeWindows(teacherTrajectories(rk4, teacher, A, c.step, c.trainData, rng), c.horizon);
    const WindowSet test =
        makeWindows(teacherTrajectories(rk4, teacher, A, c.step, c.testData, rng), c.horizon);

    for (size_t s = 0; s < c.solvers.size(); ++s) {
      InitSettings settings;
      settings.tableau = c.solvers[s];
      settings.step = c.step;
      settings.margin = c.initMargin;
      settings.strategy = InitSettings::Strategy::Placement;
      // The same seed for both: placement starts from the prior draw sampleParams(seed)
      // would give and moves one tensor, and the mini-batch order is shared.
      const std::pair<const char *, std::vector<double>> inits[] = {
          {"prior", student.sampleParams(seed)},
          {"stability", student.initialize(seed, settings).params}};
      for (const auto &[name, params] : inits) {
        RunResult r = trainStudent(c, lossGrads[s], params, train, test, seed);
        r.teacher = t;
        r.kind = kind;
        r.solver = c.solvers[s];
        r.init = name;
        results.push_back(std::move(r));
      }
    }
    if (progress)
      progress(t + 1, c.teachers);
  }
  return results;
}

} // namespace odec::study
