// The teacher–student study: for every teacher, students trained with the prior and with the
// stability-informed initialization through each solver, on the same data, the same initial
// prior draw and the same mini-batch order, so the initialization is the only difference.
#pragma once

#include "Teachers.h"

#include "train/Adam.h"

#include <odec/odec.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace odec::study {

/// The two settings: the paper's (science.md §1: teachers driven by a PWM-like input, all eight
/// explicit built-in tableaux, NAdam, 30 s at 0.1 s) and the earlier autonomous one (teachers
/// without input, four solvers, Adam, 3 s trajectories).
enum class Setting { Driven, Autonomous };
const char *settingName(Setting s); // "driven", "autonomous"

struct StudyConfig {
  Setting setting = Setting::Driven;
  int teachers = 100; // the first half inside Euler's region, the second outside RK4's
  std::vector<std::string> solvers;
  double step = 0.1; // h, the paper's
  int64_t epochs = 30;
  int64_t batch = 32;
  int64_t horizon = 10; // the paper's windows of 10 samples
  Optimizer optimizer = Optimizer::Adam;
  double learningRate = 1e-2;
  double clipNorm = 1; // the paper's gradient clip
  double initMargin = 0.9;
  uint64_t seed = 1;
  int threads = 1; // teachers studied at once; the results do not depend on it
  TrajectorySpec trainData, testData;
  std::string teacherModel, studentModel; // in the program runStudy is given
};

/// The defaults of each setting (--teachers 100, --epochs 30 for the autonomous one).
StudyConfig studyConfig(Setting setting);

/// One student's training run.
struct RunResult {
  int teacher = 0; // 0-based
  TeacherKind kind = TeacherKind::InsideEuler;
  std::string solver;
  std::string init;           // "prior" or "stability"
  bool diverged = false;      // the loss became non-finite
  double initialTestLoss = 0; // before training
  double earlyTestLoss = 0;   // after epoch earlyEpoch(); +inf when diverged before it
  double minTestLoss = 0;     // over all epochs; +inf when diverged
};

/// The epoch whose test loss measures speed of convergence: a fifth of the way in.
int64_t earlyEpoch(const StudyConfig &config);

/// Runs the whole study on the Teacher and Student models of `program`. `progress` is called
/// after each teacher with (teachers done, total).
std::vector<RunResult> runStudy(const Program &program, const StudyConfig &config,
                                const std::function<void(int, int)> &progress = {});

} // namespace odec::study
