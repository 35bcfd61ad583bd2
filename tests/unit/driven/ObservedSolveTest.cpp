// Solves to observation times off the solver's grid (ObservedSolver): shortened steps keep
// every explicit tableau's order; the loss over outputs with missing values and its gradient
// against finite differences; lockstep batches against lone solves; bad observations refused.
#include "Forced.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

using odec::test::forced;
using odec::test::kForced;

// A driven model with an input, the time, an output of its own and a parameter only the
// output reads.
const char *kDriven = R"(
model Driven
    state x::Vector{2}
    input u::Real ~ Linear()
    param W::Matrix{2,2} ~ Normal(0, 0.5)
    param B::Vector{2} ~ Normal(0, 0.5)
    param C::Matrix{1,2} ~ Normal(0, 1)
    param c::Real ~ Normal(0, 1)
    ddt(x) = tanh.(W * x .+ B .* u) .- 0.3 .* x .+ 0.1 .* sin(t)
    output y = C * x .+ c .* u
end
)";

std::vector<double> times(std::initializer_list<double> list) { return list; }

// Observation times that no grid of the steps below hits: every kind of tableau must keep its
// order when the step that crosses one is shortened to end on it.
TEST(ObservedSolve, ShortenedStepsKeepEveryExplicitTableausOrder) {
  const odec::Program prog = odec::Program::fromString(kForced, "forced.node");
  const odec::Model m = prog.model("Forced");
  const double t0 = 0.3, x0 = 0.7;
  odec::Drive drive;
  drive.t0 = {t0};
  const std::vector<double> tau = {0.3 + 0.377, 0.3 + 0.91, 0.3 + 1.4142, 0.3 + 2.718,
                                   0.3 + 3.1416, 0.3 + 4.0};
  int checked = 0;
  for (const std::string &name : prog.tableauNames()) {
    const odec::TableauInfo info = prog.tableau(name);
    if (!info.isExplicit)
      continue;
    SCOPED_TRACE(name);
    const odec::ObservedSolver solver = m.observedSolver(name);
    auto error = [&](double h) {
      const odec::ObservedSolver::Prediction p = solver.predict({1.0}, {x0}, h, {{tau, {}}}, drive);
      double worst = 0;
      for (size_t k = 0; k < tau.size(); ++k)
        worst = std::max(worst, std::abs(p.states[k] - forced(x0, t0, tau[k])));
      return worst;
    };
    const double h = info.order >= 4 ? 0.25 : 0.1;
    const double coarse = error(h), fine = error(h / 2);
    // Tsitouras made Tsit5's leading error terms small: at these steps the next order's still
    // show (an observed 5.4–5.5).
    EXPECT_NEAR(std::log2(coarse / fine), info.order, name == "Tsit5" ? 0.6 : 0.35)
        << coarse << " " << fine;
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

// On the grid, the solve is the fixed-step solve (the step scale is exactly 1 or within
// rounding of it), and observations reach the states at those steps.
TEST(ObservedSolve, ObservationsOnTheGridAreTheFixedStepSolve) {
  const odec::Program prog = odec::Program::fromString(kDriven, "driven.node");
  const odec::Model m = prog.model("Driven");
  const std::vector<double> p = m.sampleParams(3);
  odec::Drive drive;
  drive.t0 = {0.5};
  drive.inputs = {{{0.0, 1.0, 2.0, 3.0, 4.0}, {0.2, -0.4, 0.9, 0.1, -0.3}}};
  const double h = 0.1;
  const std::vector<double> x0 = {0.3, -0.2};
  const std::vector<double> fixed = m.simulator("RK4").simulate(p, x0, 1, 30, h, drive);
  const odec::ObservedSolver::Prediction got =
      m.observedSolver("RK4").predict(p, x0, h, {{times({0.8, 1.5, 1.6, 3.5}), {}}}, drive);
  const int64_t at[] = {3, 10, 11, 30};
  ASSERT_EQ(got.states.size(), 8u);
  for (int k = 0; k < 4; ++k)
    for (int d = 0; d < 2; ++d)
      EXPECT_NEAR(got.states[size_t(2 * k + d)], fixed[size_t(at[k] * 2 + d)], 1e-13)
          << "observation " << k;
  EXPECT_EQ(got.steps, 30);
  // The output y = C x + c u at the observation time, u read there.
  const std::vector<double> C = {p[6], p[7]};
  const double c = p[8];
  const double u08 = 0.2 + (-0.4 - 0.2) * 0.8; // Linear between the samples at 0 and 1
  EXPECT_NEAR(got.observed[0], C[0] * got.states[0] + C[1] * got.states[1] + c * u08, 1e-13);
}

// A batch steps in lockstep; a trajectory that reaches its observation before another pads
// with steps of length zero, which change nothing: each equals its solve alone.
TEST(ObservedSolve, LockstepBatchEqualsLoneSolves) {
  const odec::Program prog = odec::Program::fromString(kDriven, "driven.node");
  const odec::Model m = prog.model("Driven");
  const std::vector<double> p = m.sampleParams(5);
  const odec::ObservedSolver solver = m.observedSolver("DormandPrince5");
  odec::Drive drive;
  drive.t0 = {0.0, 1.0, -0.5};
  drive.inputs = {{{-1.0, 5.0}, {0.5, -0.5}}, {{0.0, 2.0, 6.0}, {1.0, 0.0, 2.0}},
                  {{-0.5, 0.5, 4.0}, {0.0, 0.3, -0.2}}};
  const std::vector<odec::Observations> obs = {
      {times({0.05, 1.0, 3.33}), {}}, {times({2.9}), {}}, {times({-0.45, -0.3, 0.1, 3.9}), {}}};
  const std::vector<double> x0 = {0.1, 0.2, -0.3, 0.4, 0.5, -0.6};
  const double h = 0.13;
  const odec::ObservedSolver::Prediction all = solver.predict(p, x0, h, obs, drive);
  size_t row = 0;
  for (size_t b = 0; b < 3; ++b) {
    odec::Drive one;
    one.t0 = {drive.t0[b]};
    one.inputs = {drive.inputs[b]};
    const odec::ObservedSolver::Prediction alone =
        solver.predict(p, {x0[2 * b], x0[2 * b + 1]}, h, {obs[b]}, one);
    for (size_t i = 0; i < alone.states.size(); ++i, ++row)
      EXPECT_NEAR(all.states[row], alone.states[i], 1e-14) << "trajectory " << b;
    EXPECT_LE(alone.steps, all.steps);
  }
  EXPECT_EQ(row, all.states.size());
}

// The loss over outputs, with irregular times, an input, the time and missing values: its
// gradient equals central finite differences, for the parameters (the output's own included)
// and for x0; a missing value is left out, not read as 0.
TEST(ObservedSolve, LossGradientEqualsFiniteDifferences) {
  const odec::Program prog = odec::Program::fromString(kDriven, "driven.node");
  const odec::Model m = prog.model("Driven");
  ASSERT_TRUE(m.hasOutputs());
  EXPECT_EQ(m.observedColumns(), std::vector<std::string>({"y[1]"}));
  const std::vector<double> p = m.sampleParams(11);
  odec::Drive drive;
  drive.t0 = {0.0, 0.4};
  drive.inputs = {{{0.0, 1.0, 2.0, 3.0}, {0.1, 0.8, -0.6, 0.3}},
                  {{0.0, 1.5, 3.0}, {-0.2, 0.5, 0.7}}};
  const std::vector<odec::Observations> obs = {
      {times({0.21, 0.9, 1.77, 2.5}), {0.1, kNaN, -0.3, 0.2}},
      {times({0.5, 2.05, 2.9}), {0.4, 0.0, kNaN}}};
  const std::vector<double> x0 = {0.3, -0.1, -0.2, 0.5};
  for (const char *tableau : {"RK4", "Midpoint", "DormandPrince5"}) {
    SCOPED_TRACE(tableau);
    const odec::ObservedSolver solver = m.observedSolver(tableau);
    const double h = 0.17;
    const odec::ObservedSolver::Result r = solver.loss(p, x0, h, obs, drive);
    EXPECT_EQ(r.count, 5);
    // The loss from the predictions, missing values left out.
    double sum = 0;
    size_t row = 0;
    for (const odec::Observations &o : obs)
      for (double v : o.values) {
        if (!std::isnan(v))
          sum += (r.observed[row] - v) * (r.observed[row] - v);
        ++row;
      }
    EXPECT_NEAR(r.loss, sum / 5, 1e-15);
    auto lossAt = [&](const std::vector<double> &pp, const std::vector<double> &xx) {
      return solver.loss(pp, xx, h, obs, drive).loss;
    };
    const double eps = 1e-6;
    for (size_t i = 0; i < p.size(); ++i) {
      std::vector<double> up = p, down = p;
      up[i] += eps;
      down[i] -= eps;
      const double fd = (lossAt(up, x0) - lossAt(down, x0)) / (2 * eps);
      EXPECT_NEAR(r.gradParams[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "param " << i;
    }
    for (size_t i = 0; i < x0.size(); ++i) {
      std::vector<double> up = x0, down = x0;
      up[i] += eps;
      down[i] -= eps;
      const double fd = (lossAt(p, up) - lossAt(p, down)) / (2 * eps);
      EXPECT_NEAR(r.gradX0[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "x0 " << i;
    }
  }
  // Missing is not zero: the same data with 0 where NaN was gives another loss.
  std::vector<odec::Observations> zeros = obs;
  zeros[0].values[1] = 0;
  const odec::ObservedSolver solver = m.observedSolver("RK4");
  EXPECT_EQ(solver.loss(p, x0, 0.17, zeros, drive).count, 6);
  EXPECT_NE(solver.loss(p, x0, 0.17, zeros, drive).loss, solver.loss(p, x0, 0.17, obs, drive).loss);
}

// Without outputs the state is observed; an autonomous model takes start times too.
TEST(ObservedSolve, StateIsObservedWithoutOutputs) {
  const odec::Program prog = odec::Program::fromString(R"(
model Decay
    state x::Real
    param k::Real ~ Constant(0.5)
    ddt(x) = -k * x
end
)",
                                                       "decay.node");
  const odec::Model m = prog.model("Decay");
  EXPECT_TRUE(m.autonomous());
  EXPECT_FALSE(m.hasOutputs());
  EXPECT_EQ(m.observedDim(), 1);
  odec::Drive drive;
  drive.t0 = {2.0};
  const odec::ObservedSolver::Result r = m.observedSolver("RK4").loss(
      {0.5}, {1.0}, 0.01, {{times({2.3, 3.7}), {std::exp(-0.15), kNaN}}}, drive);
  EXPECT_NEAR(r.observed[0], std::exp(-0.5 * 0.3), 1e-10);
  EXPECT_NEAR(r.observed[1], std::exp(-0.5 * 1.7), 1e-10);
  EXPECT_EQ(r.count, 1);
  EXPECT_LT(r.loss, 1e-18);
}

void expectMessage(const std::function<void()> &f, const std::string &part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << part;
  } catch (const std::invalid_argument &e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(ObservedSolve, BadObservationsAreRefusedPrecisely) {
  const odec::Program prog = odec::Program::fromString(kDriven, "driven.node");
  const odec::Model m = prog.model("Driven");
  const std::vector<double> p = m.sampleParams(1), x0 = {0, 0};
  const odec::ObservedSolver solver = m.observedSolver("RK4");
  odec::Drive drive;
  drive.inputs = {{{0.0, 2.0}, {0.0, 1.0}}};
  auto loss = [&](std::vector<double> t, std::vector<double> v, const odec::Drive &d) {
    return [&, t, v, d] { solver.loss(p, x0, 0.1, {{t, v}}, d); };
  };
  expectMessage(loss({0.5, 0.5}, {0, 0}, drive),
                "trajectory 0: observation time 1 (0.5) is not after the previous one (0.5)");
  expectMessage(loss({0.0}, {0}, drive),
                "trajectory 0: observation time 0 (0) is not after the start time (0)");
  expectMessage(loss({0.5, kNaN}, {0, 0}, drive), "observation time 1 is not finite");
  expectMessage(loss({0.5, 1.0}, {0}, drive),
                "trajectory 0 has 1 observed values for 2 times; expected 2 x 1");
  expectMessage(loss({0.5}, {INFINITY}, drive), "is infinite (NaN marks a missing value)");
  expectMessage(loss({0.5, 3.0}, {0, 0}, drive),
                "input 'u' (Linear) is sampled on [0, 2], but trajectory 0 is solved on [0, 3]");
  expectMessage(loss({0.5, 1e9}, {0, 0}, drive), "would take more than 100000000 steps");
  expectMessage(loss({0.5}, {0}, odec::Drive{}), "has inputs; the drive must give their samples");
  expectMessage([&] { solver.predict(p, x0, 0.1, {}); }, "no trajectories to solve");
  expectMessage([&] { solver.predict(p, {0}, 0.1, {{times({1.0}), {}}}, drive); },
                "x0 has 1 values, expected 2");
  expectMessage([&] { solver.predict(p, x0, -0.1, {{times({1.0}), {}}}, drive); }, "step");
  expectMessage([&] { m.observedSolver("GaussLegendre2"); }, "is implicit");
}

} // namespace
