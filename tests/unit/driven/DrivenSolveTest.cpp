// Non-autonomous models: the time `t` and `input` signals through the fused solvers and their
// discrete adjoint (the host API's Drive), against analytic solutions, matrix exponentials and
// finite differences.
#include "Driven.h"
#include "Forced.h"
#include "odec/odec.h"

#include <Eigen/Dense>
#include <unsupported/Eigen/MatrixFunctions>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

namespace {

using odec::test::forced;
using odec::test::kDriven;
using odec::test::kForced;
using odec::test::kHeldLinear;
using odec::test::signal;

// Every explicit built-in tableau converges with its order on a field that reads t, from a
// start time other than 0: the stages see t0 + (n + c_i) h.
TEST(DrivenSolve, TimeDependentFieldConvergesWithEveryExplicitTableausOrder) {
  const odec::Program prog = odec::Program::fromString(kForced, "forced.node");
  const odec::Model m = prog.model("Forced");
  EXPECT_FALSE(m.autonomous());
  const double t0 = 0.3, T = 4.0, x0 = 0.7;
  odec::Drive drive;
  drive.t0 = {t0};
  int checked = 0;
  for (const std::string &name : prog.tableauNames()) {
    const odec::TableauInfo info = prog.tableau(name);
    if (!info.isExplicit)
      continue;
    SCOPED_TRACE(name);
    const odec::Simulator sim = m.simulator(name);
    // The largest error at the coarse grid's points (one point alone may sit where errors
    // of opposite sign cancel), on grids in the asymptotic range and above rounding.
    const int64_t n = info.order >= 4 ? 16 : 40;
    auto error = [&](int64_t refine) {
      const int64_t steps = n * refine;
      const std::vector<double> out = sim.simulate({1.0}, {x0}, 1, steps, T / double(steps), drive);
      double worst = 0;
      for (int64_t k = 1; k <= n; ++k)
        worst = std::max(worst, std::abs(out[size_t(k * refine)] -
                                         forced(x0, t0, t0 + T * double(k) / double(n))));
      return worst;
    };
    const double coarse = error(2), fine = error(4);
    const double observed = std::log2(coarse / fine);
    // Tsitouras made Tsit5's leading error terms small: at these steps the next order's still
    // show (an observed 5.4–5.5).
    EXPECT_NEAR(observed, info.order, name == "Tsit5" ? 0.6 : 0.3) << coarse << " " << fine;
    ++checked;
  }
  EXPECT_GE(checked, 12);
  // Float code reads the stage times converted to float: within float rounding of double.
  const std::vector<double> d = m.simulator("RK4").simulate({1.0}, {x0}, 1, 40, 0.1, drive);
  const std::vector<double> f =
      m.simulator("RK4", odec::Precision::Float).simulate({1.0}, {x0}, 1, 40, 0.1, drive);
  for (size_t i = 0; i < d.size(); ++i)
    EXPECT_NEAR(f[i], d[i], 1e-5) << "step " << i;
}

// ẋ = A x + B u with u held between samples every H, solved by RK4 with H/h steps per hold:
// at the hold points it equals the exact zero-order-hold solution
// x_{k+1} = e^{AH} x_k + A^{-1}(e^{AH} − I) B u_k to 1e-10 (RK4's error at this h is ~1e-12).
TEST(DrivenSolve, HeldInputMatchesTheMatrixExponentialSolution) {
  const odec::Program prog = odec::Program::fromString(kHeldLinear, "linear.node");
  const odec::Model m = prog.model("Linear");
  Eigen::Matrix2d A;
  A << -0.5, 2.0, -2.0, -0.8;
  const Eigen::Vector2d B(1.0, -0.5);
  const std::vector<double> params = {A(0, 0), A(0, 1), A(1, 0), A(1, 1), B(0), B(1)};
  const double H = 0.25, h = H / 100;
  const std::vector<double> u = {1.0, -1.0, 0.5, 2.0, 0.0, -0.7, 1.2, 0.3};
  odec::InputSamples samples;
  for (size_t k = 0; k < u.size(); ++k) {
    samples.times.push_back(double(k) * H);
    samples.values.push_back(u[k]);
  }
  odec::Drive drive;
  drive.inputs = {samples};
  const int64_t steps = int64_t(u.size()) * 100;
  const std::vector<double> out =
      m.simulator("RK4").simulate(params, {0.4, -0.2}, 1, steps, h, drive);
  const Eigen::Matrix2d E = (A * H).exp();
  const Eigen::Vector2d G = A.inverse() * (E - Eigen::Matrix2d::Identity()) * B;
  Eigen::Vector2d x(0.4, -0.2);
  for (size_t k = 0; k < u.size(); ++k) {
    x = E * x + G * u[k];
    const size_t n = (k + 1) * 100;
    EXPECT_NEAR(out[2 * n], x(0), 1e-10) << "hold " << k;
    EXPECT_NEAR(out[2 * n + 1], x(1), 1e-10) << "hold " << k;
  }
}

// Each trajectory of a batch (chunked lanes, a partial last chunk) reads its own start time
// and inputs: the batch equals the trajectories solved one by one.
TEST(DrivenSolve, EveryTrajectoryReadsItsOwnTimeAndInputs) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  EXPECT_EQ(m.inputDim(), 3);
  EXPECT_EQ(m.inputColumns(), (std::vector<std::string>{"u[1]", "u[2]", "v"}));
  const std::vector<double> params = m.sampleParams(3);
  const int64_t B = 11, N = 25;
  const double h = 0.04;
  odec::Drive drive;
  std::vector<double> x0;
  for (int b = 0; b < B; ++b) {
    drive.t0.push_back(0.01 * b);
    drive.inputs.push_back(signal(b));
    x0.push_back(0.1 * b);
    x0.push_back(-0.05 * b);
  }
  const odec::Simulator sim = m.simulator("RK4");
  const std::vector<double> all = sim.simulate(params, x0, B, N, h, drive);
  for (int b = 0; b < B; ++b) {
    odec::Drive one{{drive.t0[size_t(b)]}, {drive.inputs[size_t(b)]}};
    const std::vector<double> alone =
        sim.simulate(params, {x0[size_t(2 * b)], x0[size_t(2 * b + 1)]}, 1, N, h, one);
    for (size_t i = 0; i < alone.size(); ++i)
      ASSERT_NEAR(all[size_t(b) * alone.size() + i], alone[i], 1e-14) << "trajectory " << b;
  }
  // The inputs matter: other samples give another trajectory.
  odec::Drive shifted = drive;
  shifted.inputs[0].values[0] += 1.0;
  EXPECT_NE(sim.simulate(params, x0, B, N, h, shifted)[2], all[2]);
}

// The discrete adjoint of a driven solve equals central finite differences of the solve.
TEST(DrivenSolve, GradientsEqualFiniteDifferences) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const std::vector<double> params = m.sampleParams(5);
  const int64_t B = 3, N = 20;
  const double h = 0.05;
  odec::Drive drive{{0.0, 0.1, 0.2}, {signal(1), signal(2), signal(3)}};
  const std::vector<double> x0 = {0.3, -0.2, 0.1, 0.4, -0.5, 0.2};
  const std::vector<int64_t> targetSteps = {5, 12, 20};
  std::vector<double> targets(size_t(B * 3 * 2));
  for (size_t i = 0; i < targets.size(); ++i)
    targets[i] = 0.1 * std::sin(double(i));
  for (const char *tableau : {"RK4", "Midpoint", "DormandPrince5"}) {
    SCOPED_TRACE(tableau);
    const odec::LossGradient g = m.lossGradient(tableau);
    const odec::LossGradient::Result r =
        g.meanSquaredError(params, x0, B, N, h, targetSteps, targets, drive);
    auto loss = [&](const std::vector<double> &p, const std::vector<double> &x) {
      return g.meanSquaredError(p, x, B, N, h, targetSteps, targets, drive).loss;
    };
    const double eps = 1e-6;
    for (size_t i = 0; i < params.size(); i += 3) {
      std::vector<double> up = params, down = params;
      up[i] += eps;
      down[i] -= eps;
      const double fd = (loss(up, x0) - loss(down, x0)) / (2 * eps);
      EXPECT_NEAR(r.gradParams[i], fd, 1e-6 * (std::abs(fd) + 1e-3)) << "parameter " << i;
    }
    for (size_t i = 0; i < x0.size(); ++i) {
      std::vector<double> up = x0, down = x0;
      up[i] += eps;
      down[i] -= eps;
      const double fd = (loss(params, up) - loss(params, down)) / (2 * eps);
      EXPECT_NEAR(r.gradX0[i], fd, 1e-6 * (std::abs(fd) + 1e-3)) << "x0 " << i;
    }
    // The VJP with the MSE's cotangent gives the same gradient.
    const odec::Vjp vjp = m.vjp(tableau);
    std::vector<double> cot(size_t(B * (N + 1) * 2), 0.0);
    const std::vector<double> traj = m.simulator(tableau).simulate(params, x0, B, N, h, drive);
    for (int64_t b = 0; b < B; ++b)
      for (size_t t = 0; t < targetSteps.size(); ++t)
        for (int d = 0; d < 2; ++d) {
          const size_t at = size_t((b * (N + 1) + targetSteps[t]) * 2 + d);
          cot[at] += 2.0 / double(3 * B * 2) *
                     (traj[at] - targets[size_t((b * 3 + int64_t(t)) * 2 + d)]);
        }
    const odec::Vjp::Result v = vjp(params, x0, B, N, h, cot, drive);
    for (size_t i = 0; i < params.size(); ++i)
      ASSERT_NEAR(v.gradParams[i], r.gradParams[i], 1e-12 * (1 + std::abs(r.gradParams[i])));
  }
}

// The stages of steps on the loss gradient's tape (the last ones: 64 to 256 steps of this field
// with RK4, by level) read their step's inputs as recomputed ones do: over 300 steps, which
// take both, the gradient is the VJP's (which recomputes every step) of the loss's cotangent.
TEST(DrivenSolve, TapedAndRecomputedStepsReadTheSameInputs) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const std::vector<double> params = m.sampleParams(5);
  const int64_t B = 3, N = 300, D = 2;
  const double h = 0.003; // t0 + N h stays within the samples' [0, 1.2]
  odec::Drive drive{{0.0, 0.1, 0.2}, {signal(1), signal(2), signal(3)}};
  const std::vector<double> x0 = {0.3, -0.2, 0.1, 0.4, -0.5, 0.2};
  const std::vector<int64_t> targetSteps = {7, 150, 300};
  const std::vector<double> weights(3, 0.5);
  std::vector<double> targets(size_t(B * 3 * D));
  for (size_t i = 0; i < targets.size(); ++i)
    targets[i] = 0.1 * std::sin(double(i));
  for (const char *tableau : {"RK4", "Midpoint"}) {
    SCOPED_TRACE(tableau);
    std::vector<double> traj(size_t(B * (N + 1) * D)), gp(params.size()), gx(x0.size());
    m.lossGradient(tableau)(params.data(), x0.data(), B, N, h, 3, targetSteps.data(),
                            weights.data(), targets.data(), traj.data(), gp.data(), gx.data(),
                            drive);
    EXPECT_EQ(traj, m.simulator(tableau).simulate(params, x0, B, N, h, drive));
    std::vector<double> cot(traj.size(), 0.0);
    for (int64_t b = 0; b < B; ++b)
      for (size_t t = 0; t < targetSteps.size(); ++t)
        for (int64_t d = 0; d < D; ++d) {
          const size_t at = size_t((b * (N + 1) + targetSteps[t]) * D + d);
          cot[at] += 2 * weights[t] * (traj[at] - targets[size_t((b * 3 + int64_t(t)) * D + d)]);
        }
    const odec::Vjp::Result v = m.vjp(tableau)(params, x0, B, N, h, cot, drive);
    for (size_t i = 0; i < params.size(); ++i)
      EXPECT_NEAR(v.gradParams[i], gp[i], 1e-12 * (1 + std::abs(gp[i]))) << "parameter " << i;
    for (size_t i = 0; i < x0.size(); ++i)
      EXPECT_NEAR(v.gradX0[i], gx[i], 1e-12 * (1 + std::abs(gx[i]))) << "x0 " << i;
  }
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

// Drives that do not fit the model or the solve are refused by name, never read past.
TEST(DrivenSolve, BadDrivesAreRefusedPrecisely) {
  const odec::Model m = odec::Program::fromString(kDriven, "driven.node").model("Driven");
  const odec::Simulator sim = m.simulator("RK4");
  const std::vector<double> p = m.sampleParams(1), x0 = {0.0, 0.0};
  EXPECT_EQ(errorOf([&] { sim.simulate(p, x0, 1, 10, 0.1); }),
            "model 'Driven' has inputs; the drive must give their samples");
  EXPECT_EQ(errorOf([&] { sim.simulate(p, x0, 1, 20, 0.1, odec::Drive{{}, {signal(0)}}); }),
            "input 'u' (CubicSpline) is sampled on [0, 1.2], but trajectory 0 is solved on "
            "[0, 2] (no extrapolation)");
  EXPECT_EQ(errorOf([&] { sim.simulate(p, x0, 1, 10, 0.1, odec::Drive{{-0.5}, {signal(0)}}); }),
            "input 'u' (CubicSpline) is sampled on [0, 1.2], but trajectory 0 is solved on "
            "[-0.5, 0.5] (no extrapolation)");
  odec::InputSamples bad = signal(0);
  std::swap(bad.times[3], bad.times[4]);
  EXPECT_EQ(errorOf([&] { sim.simulate(p, x0, 1, 10, 0.1, odec::Drive{{}, {bad}}); })
                .rfind("the input samples, input 'u': input times must be strictly increasing", 0),
            0u);
  odec::InputSamples shortValues = signal(0);
  shortValues.values.pop_back();
  EXPECT_EQ(errorOf([&] { sim.simulate(p, x0, 1, 10, 0.1, odec::Drive{{}, {shortValues}}); }),
            "the input samples: 38 input values for 13 times; expected 13 x 3");
  EXPECT_EQ(errorOf([&] {
              sim.simulate(p, {0, 0, 0, 0}, 2, 10, 0.1,
                           odec::Drive{{0, 0, 0}, {signal(0)}});
            }),
            "the drive has 3 start times; expected 1 or the batch's 2");
  // An autonomous model takes no drive.
  const odec::Model plain = odec::Program::fromString(R"(
model Decay
    state x::Real
    ddt(x) = -x
end
)", "decay.node").model("Decay");
  EXPECT_TRUE(plain.autonomous());
  EXPECT_EQ(errorOf([&] {
              plain.simulator("RK4").simulate({}, {1.0}, 1, 10, 0.1, odec::Drive{{1.0}, {}});
            }),
            "model 'Decay' reads neither the time nor inputs; its solves take no drive");
  // Paths that do not support driven models yet say so.
  EXPECT_EQ(errorOf([&] { m.simulator("RadauIIA3"); }),
            "model 'Driven' reads the time or inputs, which implicit tableaux do not support "
            "yet; use an explicit tableau");
  EXPECT_EQ(errorOf([&] { m.lossGradient("RK4", odec::Adjoint::Continuous); }),
            "the continuous adjoint needs an autonomous model; model 'Driven' reads the time or "
            "inputs: use the discrete adjoint");
}

} // namespace

namespace {

std::string firstError(const std::string &source) {
  try {
    odec::Program::fromString(source, "d.node");
  } catch (const odec::CompileError &e) {
    const std::string all = e.what();
    return all.substr(0, all.find('\n'));
  }
  return "";
}

// The language's driven parts: located errors for inputs, outputs and the time.
TEST(DrivenLanguage, DeclarationsAreCheckedWithLocatedErrors) {
  EXPECT_EQ(firstError("model M\n  state x::Real\n  input u::Matrix{2,2} ~ Hold()\n"
                       "  ddt(x) = -x\nend\n"),
            "d.node:3:12: error: an input is a Real or a Vector{n}, got Matrix{2,2}");
  EXPECT_EQ(firstError("model M\n  state x::Real\n  input u::Real ~ Spline()\n  ddt(x) = u\nend\n"),
            "d.node:3:19: error: unknown interpolation 'Spline'; known interpolations are Hold, "
            "Linear and CubicSpline");
  EXPECT_EQ(firstError("model M\n  state x::Real\n  input u::Real\n  ddt(x) = u\nend\n"),
            "d.node:3:9: error: input 'u' needs an interpolation: input u::T ~ Linear() (or "
            "Hold(), CubicSpline())");
  EXPECT_EQ(firstError("model M\n  state x::Real\n  input u::Real ~ Hold(1)\n  ddt(x) = u\nend\n"),
            "d.node:3:19: error: 'Hold' takes no arguments");
  EXPECT_EQ(firstError("model M\n  const c = t\n  state x::Real\n  ddt(x) = -x\nend\n"),
            "d.node:2:13: error: 't' (the time) is not a constant");
  EXPECT_EQ(firstError("model M\n  state x::Real\n  param W::Matrix{2,2} ~ Zeros()\n"
                       "  output y = W\n  ddt(x) = -x\nend\n"),
            "d.node:4:14: error: output 'y' must be a Real or a Vector, got Matrix{2,2}");
  // A model that names something `t` keeps its own `t`; `input` and `output` stay usable names.
  const odec::Program own = odec::Program::fromString(
      "model M\n  state x::Real\n  t = 2.0\n  input = 1.0\n  output = input * t\n"
      "  ddt(x) = -output * x\nend\n",
      "own.node");
  EXPECT_TRUE(own.model("M").autonomous());
}

} // namespace

namespace {

// Initialization linearizes a driven field at t = 0 with zero inputs: ∂f/∂x of
// A x cos(t) + u is A there. The IMDE, built for autonomous fields, refuses.
TEST(DrivenLanguage, LinearizedAtTimeZeroWithZeroInputs) {
  const odec::Model m = odec::Program::fromString(R"(
model M
    state x::Vector{2}
    input u::Vector{2} ~ Linear()
    param A::Matrix{2,2} ~ Zeros()
    ddt(x) = (A * x) .* cos(t) .+ u .* x
end
)", "m.node").model("M");
  const auto lambda = m.eigenvalues({-1.0, 0.0, 0.0, -3.0}, {{0.5, 0.5}});
  ASSERT_EQ(lambda.size(), 1u);
  ASSERT_EQ(lambda[0].size(), 2u);
  EXPECT_NEAR(std::min(lambda[0][0].real(), lambda[0][1].real()), -3.0, 1e-12);
  EXPECT_NEAR(std::max(lambda[0][0].real(), lambda[0][1].real()), -1.0, 1e-12);
  EXPECT_EQ(errorOf([&] { m.imde("RK4", 2); }),
            "model 'M' reads the time or inputs; the IMDE is implemented for autonomous fields "
            "only");
}

} // namespace
