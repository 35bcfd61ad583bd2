// Newton's method itself: failures name the step and trajectory; the JIT-compiled point
// functions drive the solver to the same trajectory as the fused explicit solver; the host
// API reports Newton statistics.
#include "SolveTestSupport.h"

#include "../jit/JitTestSupport.h"

#include "driver/ImplicitSolver.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

namespace odec::testing {
namespace {

// ẋ = x² with θ unused. Backward Euler's step x' = x + h x'² has a real solution only while
// h·x ≤ 1/4; from x0 = 0.1 with h = 1 the iterates are 0.1127, 0.1295, 0.1529, 0.1884,
// 0.2518, so step 6 has none, while x0 = 0.01 stays solvable for all 10 steps.
PointField blowUp() {
  PointField f;
  f.stateDim = 1;
  f.field = [](const double *, const double *x, double *out) { out[0] = x[0] * x[0]; };
  f.jacobian = [](const double *, const double *x, double *J) { J[0] = 2 * x[0]; };
  f.vjp = [](const double *, const double *x, const double *l, double *xBar, double *) {
    xBar[0] = 2 * x[0] * l[0];
  };
  return f;
}

TEST(Newton, FailureNamesStepAndTrajectory) {
  ImplicitRungeKutta rk(blowUp(), preludeTableau("BackwardEuler"));
  const double x0[2] = {0.01, 0.1};
  std::vector<double> out(2 * 11);
  try {
    rk.simulate(nullptr, x0, out.data(), 2, 10, 1.0);
    FAIL() << "no exception";
  } catch (const NewtonFailure &e) {
    EXPECT_EQ(e.step, 6);
    EXPECT_EQ(e.trajectory, 2);
    const std::string what = e.what();
    const std::string head = "Newton's method did not converge at step 6 of trajectory 2 "
                             "(tableau BackwardEuler, 20 iterations, residual ";
    EXPECT_EQ(what.substr(0, head.size()), head) << what;
    const std::string tail = "); reduce the step h";
    EXPECT_EQ(what.substr(what.size() - tail.size()), tail) << what;
    EXPECT_GT(e.residual, 1e-3); // no real root: the residual stays large
  }
}

TEST(Newton, SmallerStepSucceeds) {
  ImplicitRungeKutta rk(blowUp(), preludeTableau("BackwardEuler"));
  const double x0 = 0.1, h = 0.25;
  std::vector<double> out(21);
  NewtonStats stats = rk.simulate(nullptr, &x0, out.data(), 1, 20, h); // up to x(5) ≈ 0.2
  // Each step solves x' = x + h x'² exactly: x' = (1 − √(1 − 4hx)) / (2h).
  double x = x0;
  for (int n = 1; n <= 20; ++n) {
    x = (1 - std::sqrt(1 - 4 * h * x)) / (2 * h);
    EXPECT_NEAR(out[size_t(n)], x, 1e-14 * x) << n;
  }
  EXPECT_EQ(stats.solves, 20);
  EXPECT_GE(stats.maxIterations, 3); // nonlinear: more than the linear case's 2
  EXPECT_LE(stats.maxIterations, 8);
  EXPECT_LE(stats.maxResidual, 1e-15);
}

TEST(Newton, CompiledPointFunctionsMatchTheFusedSolver) {
  // The Newton-based solver accepts explicit tableaux: with RK4 it must reproduce the fused
  // JIT solver, which checks the compiled field's argument layout.
  ir::ModelIR m = spiralModel();
  std::vector<double> params = randomVector(size_t(m.paramCount()), 2, 0.7);
  std::vector<double> x0 = randomVector(size_t(3 * m.stateDim()), 4, 1.0);
  ButcherTableau rk4 = preludeTableau("RK4");
  std::vector<double> fused =
      simulate(*jit::compileSimulator(m, rk4), params, x0, 3, 25, 0.1, m.stateDim());
  std::vector<double> viaNewton(fused.size());
  compileImplicitSolver(m, rk4)->simulate(params.data(), x0.data(), viaNewton.data(), 3, 25, 0.1);
  for (size_t i = 0; i < fused.size(); ++i)
    EXPECT_NEAR(viaNewton[i], fused[i], 1e-12) << i;
}

TEST(Newton, HostApiReportsStatistics) {
  Model m = Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/oscillator.node").model();
  std::vector<double> theta = {1.5};
  NewtonSummary newton;
  Simulator implicitSim = m.simulator("GaussLegendre3");
  EXPECT_TRUE(implicitSim.isImplicit());
  implicitSim.simulate(theta, {1.0, 0.0, 0.5, 0.5}, 2, 30, 0.1, newton);
  EXPECT_EQ(newton.solves, 60);
  EXPECT_EQ(newton.maxIterations, 2); // a linear field
  EXPECT_GE(newton.iterations, 60);
  EXPECT_LE(newton.maxResidual, 1e-14);
  NewtonSummary none;
  Simulator explicitSim = m.simulator("RK4");
  EXPECT_FALSE(explicitSim.isImplicit());
  explicitSim.simulate(theta, {1.0, 0.0}, 1, 3, 0.1, none);
  EXPECT_EQ(none.solves, 0);
}

} // namespace
} // namespace odec::testing
