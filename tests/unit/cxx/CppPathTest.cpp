// The C++ code path (emitted C++ through in-process Clang into ORC) against the LLVM path:
// trajectories, losses and gradients of every example model agree to 1e-12 relative.
#include "../RelativeError.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <pthread.h>
#include <random>

namespace fs = std::filesystem;

namespace {

using odec::test::relativeError;

/// Every .node file under examples/ (the teacher/student, forecasting and IMDE ones
/// included), and the model with identifiers that are C++ keywords or not ASCII.
std::vector<std::string> modelFiles() {
  std::vector<std::string> files;
  for (const auto &e : fs::recursive_directory_iterator(std::string(ODEC_SOURCE_DIR) + "/examples"))
    if (e.path().extension() == ".node")
      files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  files.push_back(std::string(ODEC_SOURCE_DIR) + "/tests/unit/cppgen/mangling.node");
  return files;
}

void expectPathsAgree(const odec::Model &m, const std::string &tableau, unsigned seed) {
  SCOPED_TRACE(m.name() + " with " + tableau);
  const int64_t B = 3, N = 9, D = m.stateDim();
  const double h = 0.05;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> params = m.sampleParams(seed), x0, targets;
  for (double &v : params) // priors like Zeros() would leave terms untested
    v += 0.3 * u(rng);
  for (int64_t i = 0; i < B * D; ++i)
    x0.push_back(u(rng));
  const std::vector<int64_t> targetSteps = {0, 4, 9};
  for (int64_t i = 0; i < B * 3 * D; ++i)
    targets.push_back(u(rng));

  const std::vector<double> llvm = m.simulator(tableau).simulate(params, x0, B, N, h);
  const std::vector<double> cpp =
      m.simulator(tableau, odec::CodePath::Cpp).simulate(params, x0, B, N, h);
  EXPECT_LE(relativeError(cpp, llvm), 1e-12);

  const auto ref =
      m.lossGradient(tableau).meanSquaredError(params, x0, B, N, h, targetSteps, targets);
  const auto got = m.lossGradient(tableau, odec::Adjoint::Discrete, odec::CodePath::Cpp)
                       .meanSquaredError(params, x0, B, N, h, targetSteps, targets);
  EXPECT_GT(ref.loss, 0);
  EXPECT_LE(relativeError({got.loss}, {ref.loss}), 1e-12);
  if (!ref.gradParams.empty()) {
    EXPECT_LE(relativeError(got.gradParams, ref.gradParams), 1e-12);
  }
  EXPECT_LE(relativeError(got.gradX0, ref.gradX0), 1e-12);
}

TEST(CppPath, EveryExampleModelMatchesTheLlvmPath) {
  unsigned seed = 3;
  int models = 0;
  for (const std::string &file : modelFiles()) {
    SCOPED_TRACE(file);
    const odec::Program prog = odec::Program::fromFile(file);
    for (const std::string &name : prog.modelNames()) {
      const odec::Model m = prog.model(name);
      if (!m.autonomous()) // its solves need a drive: DrivenModelMatchesTheLlvmPath below
        continue;
      for (const char *tableau : {"RK4", "SSPRK3"})
        expectPathsAgree(m, tableau, seed++);
      ++models;
    }
  }
  EXPECT_GE(models, 8); // the examples hold at least this many models today
}

TEST(CppPath, RejectsWhatTheEmittedCppCannotDo) {
  const odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/oscillator.node").model();
  EXPECT_THROW(m.simulator("BackwardEuler", odec::CodePath::Cpp), std::invalid_argument);
  EXPECT_THROW(m.lossGradient("RK4", odec::Adjoint::Continuous, odec::CodePath::Cpp),
               std::invalid_argument);
}

// A driven model (t and a Hold, a Linear and a CubicSpline input) through the C++ path: the
// stage values pass through the C ABI, and solves and gradients equal the LLVM path's.
TEST(CppPath, DrivenModelMatchesTheLlvmPath) {
  const odec::Model m =
      odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/tests/unit/cppgen/driven.node")
          .model();
  const std::vector<double> params = m.sampleParams(7), x0 = {0.3, -0.4, 0.1, 0.9};
  odec::Drive drive;
  drive.t0 = {0.2, -0.5};
  for (int b = 0; b < 2; ++b) {
    odec::InputSamples in;
    for (int k = 0; k < 8; ++k) {
      in.times.push_back(-0.6 + 0.37 * k);
      for (double v : {std::sin(k + b), 0.5 * k - 1, std::cos(2.0 * k), 0.3 * k * (b + 1)})
        in.values.push_back(v);
    }
    drive.inputs.push_back(in);
  }
  const int64_t N = 12;
  const double h = 0.1;
  for (const char *tableau : {"RK4", "DormandPrince5"}) {
    SCOPED_TRACE(tableau);
    const std::vector<double> llvm = m.simulator(tableau).simulate(params, x0, 2, N, h, drive);
    const std::vector<double> cpp =
        m.simulator(tableau, odec::CodePath::Cpp).simulate(params, x0, 2, N, h, drive);
    EXPECT_LE(relativeError(cpp, llvm), 1e-12);
    const std::vector<int64_t> targetSteps = {3, 12};
    const std::vector<double> targets(2 * 2 * 2, 0.25);
    const auto ref = m.lossGradient(tableau).meanSquaredError(params, x0, 2, N, h, targetSteps,
                                                               targets, drive);
    const auto got = m.lossGradient(tableau, odec::Adjoint::Discrete, odec::CodePath::Cpp)
                         .meanSquaredError(params, x0, 2, N, h, targetSteps, targets, drive);
    EXPECT_LE(relativeError({got.loss}, {ref.loss}), 1e-12);
    EXPECT_LE(relativeError(got.gradParams, ref.gradParams), 1e-12);
    EXPECT_LE(relativeError(got.gradX0, ref.gradX0), 1e-12);
  }
}

/// Runs f on a thread with a stack of `bytes` (a stack overflow there crashes the test).
void onSmallStack(size_t bytes, const std::function<void()> &f) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
  pthread_t thread;
  auto run = [](void *arg) -> void * {
    (*static_cast<const std::function<void()> *>(arg))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attr, run, const_cast<std::function<void()> *>(&f)), 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

// Params, a 128 x 128 temporary and its transpose are 128 KiB each: the emitted C++ once
// kept them all on the stack (a 1024 x 1024 matrix overflowed the main thread's 8 MiB).
TEST(CppPath, LargeTemporariesLiveOnTheHeap) {
  const odec::Model m = odec::Program::fromString(R"(model Wide
    state x::Vector{128}
    param W::Matrix{128,128} ~ Normal(0, 0.1)
    ddt(x) = -0.01 .* ((W * transpose(W)) * tanh.(x))
end
)").model();
  const int64_t B = 2, N = 3, D = m.stateDim();
  const double h = 0.1;
  const std::vector<double> params = m.sampleParams(1);
  std::vector<double> x0, targets;
  for (int64_t i = 0; i < B * D; ++i)
    x0.push_back(std::sin(double(i)));
  for (int64_t i = 0; i < B * D; ++i)
    targets.push_back(std::cos(double(i)));
  const auto simulator = m.simulator("RK4", odec::CodePath::Cpp);
  const auto gradient = m.lossGradient("RK4", odec::Adjoint::Discrete, odec::CodePath::Cpp);
  std::vector<double> traj;
  odec::LossGradient::Result got;
  onSmallStack(size_t(256) << 10, [&] {
    traj = simulator.simulate(params, x0, B, N, h);
    got = gradient.meanSquaredError(params, x0, B, N, h, {N}, targets);
  });
  EXPECT_LE(relativeError(traj, m.simulator("RK4").simulate(params, x0, B, N, h)), 1e-12);
  const auto ref = m.lossGradient("RK4").meanSquaredError(params, x0, B, N, h, {N}, targets);
  EXPECT_LE(relativeError({got.loss}, {ref.loss}), 1e-12);
  EXPECT_LE(relativeError(got.gradParams, ref.gradParams), 1e-12);
}

} // namespace
