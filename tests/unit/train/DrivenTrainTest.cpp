// Training on what real data look like: a driven system observed at irregular times with gaps.
// A student recovers its teacher's matrices from such a file; the result does not depend on
// the number of threads.
#include "../cli/RunOdec.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char *kPlant = R"(
model Plant
    state x::Vector{2}
    input u::Real ~ Hold()
    param A::Matrix{2,2} ~ Normal(0, 0.1)
    param B::Vector{2} ~ Normal(0, 0.1)
    ddt(x) = A * x .+ B .* u
end
)";

const std::vector<double> kTeacher = {-0.3, 1.0, -1.0, -0.3, 0.5, 1.0}; // A row-major, then B

// Eight trajectories of 30 samples at irregular times (gaps 0.07 … 0.31, off the grid of the
// step 0.1), driven by a pulse-width-modulated input read at the samples and held between them,
// solved by the teacher; every seventh state value after the first sample is left empty.
std::string teacherCsv(const odec::Model &m) {
  const odec::ObservedSolver solver = m.observedSolver("RK4");
  std::ostringstream csv;
  csv.precision(17);
  csv << "traj,t,x[1],x[2],u\n";
  uint64_t seed = 12345;
  auto uniform = [&seed] { // a fixed LCG: the file is the same everywhere
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return double(seed >> 11) / double(1ull << 53);
  };
  int blank = 0;
  for (int b = 0; b < 8; ++b) {
    std::vector<double> times = {0.0};
    while (times.size() < 30)
      times.push_back(times.back() + 0.07 + 0.24 * uniform());
    std::vector<double> u;
    for (double t : times)
      u.push_back(std::sin(2 * M_PI * t / 1.7 + b) > 0.3 ? 1.0 : -1.0);
    odec::Drive drive;
    drive.t0 = {0.0};
    drive.inputs = {{times, u}};
    const std::vector<double> x0 = {2 * uniform() - 1, 2 * uniform() - 1};
    const odec::ObservedSolver::Prediction p = solver.predict(
        kTeacher, x0, 0.1, {{std::vector<double>(times.begin() + 1, times.end()), {}}}, drive);
    for (size_t k = 0; k < times.size(); ++k) {
      csv << b + 1 << "," << times[k];
      for (int d = 0; d < 2; ++d) {
        const double x = k == 0 ? x0[size_t(d)] : p.states[(k - 1) * 2 + size_t(d)];
        csv << ",";
        if (k == 0 || ++blank % 7 != 0)
          csv << x;
      }
      csv << "," << u[k] << "\n";
    }
  }
  return csv.str();
}

odec::TrainSettings settings(const std::string &data, const std::string &dir) {
  odec::TrainSettings t;
  t.tableau = "RK4";
  t.step = 0.1;
  t.data = data;
  t.horizon = 5;
  t.batch = 16;
  t.learningRate = 0.03;
  t.seed = 2;
  t.directory = dir;
  return t;
}

odec::TrainResult trainLogged(const odec::Model &m, const odec::TrainSettings &t,
                              std::ostringstream &log) {
  odec::TrainOutput out;
  out.log = &log;
  return m.train(t, out);
}

TEST(DrivenTrain, StudentRecoversItsTeacherFromIrregularGappyDrivenData) {
  TempDir dir;
  const odec::Model m = odec::Program::fromString(kPlant, "plant.node").model();
  const std::string data = dir.file("plant.csv", teacherCsv(m));
  odec::TrainSettings t = settings(data, dir.file("run"));
  t.epochs = 120;
  std::ostringstream log;
  const odec::TrainResult r = trainLogged(m, t, log);
  ASSERT_EQ(r.outcome, odec::TrainResult::Outcome::Finished) << log.str();
  EXPECT_NE(log.str().find("note: the observation times are not on one grid of steps of 0.1; "
                           "each step that crosses one is shortened to end on it"),
            std::string::npos)
      << log.str();
  EXPECT_NE(log.str().find("windows are left out: their first sample, the window's x0, misses "
                           "a state value"),
            std::string::npos);
  for (size_t i = 0; i < kTeacher.size(); ++i)
    EXPECT_NEAR(r.params[i], kTeacher[i], 0.02) << "parameter " << i;
  EXPECT_LT(r.bestLoss, 1e-5);
}

// Adaptive steps on the same data: each window solved with error control at its own times,
// the held input's jumps as step ends; the same teacher comes out, the same bits on 1 and 2
// threads.
TEST(DrivenTrain, AdaptiveStepsRecoverTheTeacher) {
  TempDir dir;
  const odec::Model m = odec::Program::fromString(kPlant, "plant.node").model();
  const std::string data = dir.file("plant.csv", teacherCsv(m));
  odec::TrainSettings t = settings(data, dir.file("run"));
  t.tableau = "DormandPrince5";
  t.step = 0;
  t.rtol = 1e-8;
  t.atol = 1e-10;
  t.epochs = 120;
  std::ostringstream log;
  const odec::TrainResult r = trainLogged(m, t, log);
  ASSERT_EQ(r.outcome, odec::TrainResult::Outcome::Finished) << log.str();
  EXPECT_NE(log.str().find("note: adaptive steps: the nominal step (of the stability init) is "
                           "the data's median sample interval"),
            std::string::npos)
      << log.str();
  for (size_t i = 0; i < kTeacher.size(); ++i)
    EXPECT_NEAR(r.params[i], kTeacher[i], 0.02) << "parameter " << i;
  EXPECT_LT(r.bestLoss, 1e-5);
  odec::TrainSettings one = t, two = t;
  one.directory = dir.file("one");
  two.directory = dir.file("two");
  one.epochs = two.epochs = 2;
  two.threads = 2;
  EXPECT_EQ(m.train(one).params, m.train(two).params);
}

TEST(DrivenTrain, ThreadsDoNotChangeTheResult) {
  TempDir dir;
  const odec::Model m = odec::Program::fromString(kPlant, "plant.node").model();
  const std::string data = dir.file("plant.csv", teacherCsv(m));
  odec::TrainSettings one = settings(data, dir.file("one")), two = settings(data, dir.file("two"));
  one.epochs = two.epochs = 3;
  two.threads = 2;
  two.batch = one.batch = 64; // several SIMD chunks per mini-batch, shared between the threads
  EXPECT_EQ(m.train(one).params, m.train(two).params);
}

} // namespace
