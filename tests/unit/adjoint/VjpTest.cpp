// Model::vjp: the vector–Jacobian product of a solve (include/odec/odec.h), checked against
// central finite differences of Simulator::simulate and against the MSE loss gradient, which
// is the VJP of its own cotangent.
#include "odec/odec.h"

#include "../RelativeError.h"
#include "../jit/JitTestSupport.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using odec::testing::randomVector;

odec::Model spiral() {
  return odec::Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node")
      .model("Spiral");
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

/// Central differences of L = c · simulate(θ, x0) in every parameter and initial state.
void expectFiniteDifferences(const odec::Model &m, const std::string &tableau, int64_t batch,
                             int64_t steps, double h, double tolerance) {
  const odec::Vjp vjp = m.vjp(tableau);
  const odec::Simulator sim = m.simulator(tableau);
  const int64_t D = m.stateDim();
  std::vector<double> params = m.sampleParams(3);
  for (double &p : params) // nonzero biases: every parameter's gradient matters
    p += 0.05;
  std::vector<double> x0 = randomVector(size_t(batch * D), 5, 1.0);
  const std::vector<double> cot = randomVector(size_t(batch * (steps + 1) * D), 7, 1.0);
  const odec::Vjp::Result r = vjp(params, x0, batch, steps, h, cot);
  EXPECT_EQ(r.trajectory, sim.simulate(params, x0, batch, steps, h));
  // The reverse sweep alone on that trajectory gives the same gradients, to the bit.
  std::vector<double> gp(params.size()), gx(x0.size());
  vjp.fromTrajectory(params.data(), x0.data(), batch, steps, h, cot.data(), r.trajectory.data(),
                     gp.data(), gx.data());
  EXPECT_EQ(gp, r.gradParams);
  EXPECT_EQ(gx, r.gradX0);
  // It reads the trajectory it is given (and leaves it alone), not a recomputed one.
  std::vector<double> shifted = r.trajectory;
  for (double &v : shifted)
    v += 0.25;
  const std::vector<double> before = shifted;
  vjp.fromTrajectory(params.data(), x0.data(), batch, steps, h, cot.data(), shifted.data(),
                     gp.data(), gx.data());
  EXPECT_EQ(shifted, before);
  EXPECT_GT(odec::test::relativeError(gp, r.gradParams), 1e-3);

  auto loss = [&](const std::vector<double> &p, const std::vector<double> &x) {
    return dot(cot, sim.simulate(p, x, batch, steps, h));
  };
  const double eps = 1e-6;
  std::vector<double> fdParams, fdX0;
  for (size_t i = 0; i < params.size(); ++i) {
    std::vector<double> up = params, down = params;
    up[i] += eps;
    down[i] -= eps;
    fdParams.push_back((loss(up, x0) - loss(down, x0)) / (2 * eps));
  }
  for (size_t i = 0; i < x0.size(); ++i) {
    std::vector<double> up = x0, down = x0;
    up[i] += eps;
    down[i] -= eps;
    fdX0.push_back((loss(params, up) - loss(params, down)) / (2 * eps));
  }
  EXPECT_LT(odec::test::relativeError(r.gradParams, fdParams), tolerance) << tableau;
  EXPECT_LT(odec::test::relativeError(r.gradX0, fdX0), tolerance) << tableau;
}

} // namespace

TEST(Vjp, ExplicitTableauxMatchFiniteDifferences) {
  const odec::Model m = spiral();
  // 11 trajectories: a full chunk of 8 and a masked tail; 3: the narrow code.
  expectFiniteDifferences(m, "RK4", 11, 12, 0.1, 1e-7);
  expectFiniteDifferences(m, "Kutta3", 3, 9, 0.1, 1e-7);
  expectFiniteDifferences(m, "Euler", 1, 5, 0.1, 1e-7);
  // An embedded pair stepped at a fixed h: b propagates; its last stage (b_7 = 0, only in
  // bhat) is dead and gets no adjoint, and the gradient is still the exact one.
  expectFiniteDifferences(m, "DormandPrince5", 5, 6, 0.1, 1e-7);
}

TEST(Vjp, ImplicitTableauMatchesFiniteDifferences) {
  const odec::Model m = spiral();
  EXPECT_TRUE(m.vjp("GaussLegendre2").isImplicit());
  expectFiniteDifferences(m, "GaussLegendre2", 2, 6, 0.1, 1e-6);
  // Diagonally implicit: the forward stages solved one at a time, the adjoint as for any.
  expectFiniteDifferences(m, "SDIRK3", 2, 6, 0.1, 1e-6);
  expectFiniteDifferences(m, "Trapezoid", 2, 6, 0.1, 1e-6);
}

// The MSE gradient is the VJP of c_{b,s_t} = 2 w_t (x_{b,s_t} − y_{b,t}) (zero elsewhere).
// Computed apart: LossGradient compiles the adjoint alone, which in batch code keeps the last
// steps' stage values (a tape) and recomputes the earlier ones; the VJP, compiled with the
// forward solver, recomputes every step. Their trajectories are the forward solver's, to the bit.
void expectMseGradientIsTheVjp(const odec::Model &m, const std::string &tableau, int64_t batch,
                               int64_t steps, double h, const std::vector<int64_t> &targetSteps) {
  const int64_t D = m.stateDim(), T = int64_t(targetSteps.size());
  const std::vector<double> params = m.sampleParams(9), x0 = randomVector(size_t(batch * D), 1, 1.0);
  const std::vector<double> targets = randomVector(size_t(batch * T * D), 2, 1.0);
  const double w = 1.0 / double(T * batch * D);
  const std::vector<double> weights(size_t(T), w);
  std::vector<double> traj(size_t(batch * (steps + 1) * D)), gp(params.size()), gx(x0.size());
  m.lossGradient(tableau)(params.data(), x0.data(), batch, steps, h, T, targetSteps.data(),
                          weights.data(), targets.data(), traj.data(), gp.data(), gx.data());
  EXPECT_EQ(traj, m.simulator(tableau).simulate(params, x0, batch, steps, h)) << tableau;
  std::vector<double> cot(traj.size(), 0.0);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t d = 0; d < D; ++d) {
        const size_t at = size_t((b * (steps + 1) + targetSteps[size_t(t)]) * D + d);
        cot[at] += 2 * w * (traj[at] - targets[size_t((b * T + t) * D + d)]);
      }
  const odec::Vjp::Result r = m.vjp(tableau)(params, x0, batch, steps, h, cot);
  EXPECT_LT(odec::test::relativeError(r.gradParams, gp), 1e-12) << tableau;
  EXPECT_LT(odec::test::relativeError(r.gradX0, gx), 1e-12) << tableau;
}

TEST(Vjp, MseGradientIsTheVjpOfItsCotangent) {
  const odec::Model m = spiral();
  for (const std::string tableau : {"RK38", "ImplicitMidpoint"})
    expectMseGradientIsTheVjp(m, tableau, 13, 20, 0.05, {0, 4, 4, 20});
}

// The tape holds 32 to 227 steps of this field (by level and tableau): 400 steps take both
// taped and recomputed ones.
TEST(Vjp, StepsOffTheTapeAreRecomputedAlike) {
  const odec::Model m = spiral();
  for (const std::string tableau : {"RK4", "DormandPrince5"})
    expectMseGradientIsTheVjp(m, tableau, 11, 400, 0.01, {0, 150, 399, 400});
}

TEST(Vjp, FloatPrecisionIsCloseToDouble) {
  const odec::Model m = spiral();
  const int64_t batch = 20, steps = 10, D = m.stateDim();
  const std::vector<double> params = m.sampleParams(2), x0 = randomVector(size_t(batch * D), 3, 1.0);
  const std::vector<double> cot = randomVector(size_t(batch * (steps + 1) * D), 4, 1.0);
  const odec::Vjp::Result d = m.vjp("RK4")(params, x0, batch, steps, 0.1, cot);
  const odec::Vjp::Result f =
      m.vjp("RK4", odec::Precision::Float)(params, x0, batch, steps, 0.1, cot);
  EXPECT_LT(odec::test::relativeError(f.gradParams, d.gradParams), 1e-5);
  EXPECT_LT(odec::test::relativeError(f.gradX0, d.gradX0), 1e-5);
  EXPECT_GT(odec::test::relativeError(f.gradParams, d.gradParams), 0.0) << "float ran double";
  EXPECT_THROW(m.vjp("GaussLegendre2", odec::Precision::Float), std::invalid_argument);
}

TEST(Vjp, WrongSizesAreRejected) {
  const odec::Model m = spiral();
  const odec::Vjp vjp = m.vjp("RK4");
  const std::vector<double> params = m.sampleParams(1), x0(4, 0.5);
  try {
    vjp(params, x0, 2, 3, 0.1, std::vector<double>(15, 1.0));
    FAIL() << "no exception";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "the cotangent has 15 values, expected 16");
  }
  EXPECT_THROW(vjp(params, x0, 3, 3, 0.1, std::vector<double>(24, 1.0)), std::invalid_argument);
  EXPECT_THROW(m.vjp("NoSuchTableau"), std::invalid_argument);
}
