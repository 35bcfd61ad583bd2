// The implicit solver's exact discrete adjoint (implicit function theorem) against central
// finite differences of the implicit solve itself, with respect to the parameters and the
// initial states: on a hand-written pendulum (runtime only), on the Hamiltonian network of
// the adjoint tests and on examples/spiral.node (JIT-compiled point functions, host API).
#include "SolveTestSupport.h"

#include "../adjoint/AdjointTestSupport.h"

#include "driver/ImplicitSolver.h"
#include "lower/LowerModel.h"
#include "odec/odec.h"

#include <gtest/gtest.h>

#include <functional>

namespace odec::testing {
namespace {

using Simulate = std::function<std::vector<double>(const std::vector<double> &params,
                                                   const std::vector<double> &x0)>;

// Central differences of the loss of `simulate` in every parameter and every x0 component.
void finiteDifferences(const Simulate &simulate, const LossProblem &p,
                       const std::vector<double> &params, std::vector<double> &gParams,
                       std::vector<double> &gX0) {
  auto diff = [&](std::vector<double> &v, size_t i, const std::vector<double> &theta,
                  const std::vector<double> &x0, bool isParam) {
    const double eps = 1e-5 * std::max(1.0, std::abs(v[i])), saved = v[i];
    v[i] = saved + eps;
    double up = p.loss(simulate(isParam ? v : theta, isParam ? x0 : v));
    v[i] = saved - eps;
    double down = p.loss(simulate(isParam ? v : theta, isParam ? x0 : v));
    v[i] = saved;
    return (up - down) / (2 * eps);
  };
  std::vector<double> theta = params, x0 = p.x0;
  gParams.assign(params.size(), 0);
  gX0.assign(x0.size(), 0);
  for (size_t i = 0; i < theta.size(); ++i)
    gParams[i] = diff(theta, i, params, p.x0, true);
  for (size_t i = 0; i < x0.size(); ++i)
    gX0[i] = diff(x0, i, params, p.x0, false);
}

// Every component within 1e-6 of the gradient's largest component.
void expectMatches(const std::vector<double> &got, const std::vector<double> &fd,
                   const std::string &what) {
  double scale = 0;
  for (double v : fd)
    scale = std::max(scale, std::abs(v));
  ASSERT_GT(scale, 1e-8) << what << ": a vanishing gradient tests nothing";
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], fd[i], 1e-6 * scale) << what << " component " << i;
}

void checkAgainstFiniteDifferences(const jit::LossGradient &lg, const Simulate &simulate,
                                   const LossProblem &p, const std::vector<double> &params,
                                   const std::string &what) {
  LossAndGradient r = runAdjoint(lg, p, params);
  EXPECT_NEAR(r.loss, p.loss(simulate(params, p.x0)), 1e-14 * std::max(1.0, r.loss)) << what;
  std::vector<double> fdParams, fdX0;
  finiteDifferences(simulate, p, params, fdParams, fdX0);
  expectMatches(r.gradParams, fdParams, what + " parameters");
  expectMatches(r.gradX0, fdX0, what + " x0");
}

// ImplicitRungeKutta::lossGradient as a jit::LossGradient, for runtime-only fields.
struct RuntimeLossGrad : jit::LossGradient {
  explicit RuntimeLossGrad(const ImplicitRungeKutta &rk) : rk(rk) {}
  double operator()(const LossGradArgs &args) const override { return rk.lossGradient(args); }
  const ImplicitRungeKutta &rk;
};

// The host API's handle behind the same interface.
struct HostLossGrad : jit::LossGradient {
  explicit HostLossGrad(odec::LossGradient g) : g(std::move(g)) {}
  double operator()(const LossGradArgs &args) const override { return call(g, args); }
  odec::LossGradient g;
};

Simulate simulatorOf(const ImplicitRungeKutta &rk, const LossProblem &p) {
  return [&rk, p](const std::vector<double> &params, const std::vector<double> &x0) {
    std::vector<double> out(size_t(p.batch * (p.steps + 1) * p.D));
    rk.simulate(params.data(), x0.data(), out.data(), p.batch, p.steps, p.h);
    return out;
  };
}

TEST(ImplicitAdjoint, PendulumMatchesFiniteDifferences) {
  LossProblem p = makeProblem(/*batch=*/2, /*steps=*/12, /*h=*/0.25, /*D=*/2, {0, 4, 12, 12}, 7);
  for (const char *name : {"BackwardEuler", "ImplicitMidpoint", "GaussLegendre3", "RadauIIA5"}) {
    ImplicitRungeKutta rk(pendulumField(), preludeTableau(name));
    checkAgainstFiniteDifferences(RuntimeLossGrad(rk), simulatorOf(rk, p), p, {1.3}, name);
  }
}

TEST(ImplicitAdjoint, HamiltonianNetworkMatchesFiniteDifferences) {
  ir::ModelIR m = hamiltonianModel();
  std::vector<double> params = randomVector(size_t(m.paramCount()), 3, 0.8);
  LossProblem p = makeProblem(/*batch=*/3, /*steps=*/8, /*h=*/0.2, m.stateDim(), {2, 5, 8}, 11);
  for (const char *name : {"ImplicitMidpoint", "GaussLegendre2", "RadauIIA3"}) {
    ButcherTableau t = preludeTableau(name);
    std::unique_ptr<jit::LossGradient> lg = compileDiscreteLossGrad(m, t);
    std::shared_ptr<const ImplicitRungeKutta> rk = compileImplicitSolver(m, t);
    checkAgainstFiniteDifferences(*lg, simulatorOf(*rk, p), p, params, name);
  }
}

TEST(ImplicitAdjoint, SpiralThroughTheHostApi) {
  Model m = Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node").model();
  std::vector<double> params = m.sampleParams(5);
  LossProblem p = makeProblem(/*batch=*/2, /*steps=*/10, /*h=*/0.1, m.stateDim(), {3, 10}, 5);
  for (const char *name : {"GaussLegendre2", "RadauIIA5"}) {
    LossGradient lg = m.lossGradient(name);
    Simulator sim = m.simulator(name);
    ASSERT_TRUE(sim.isImplicit());
    HostLossGrad host(lg);
    Simulate simulate = [&](const std::vector<double> &theta, const std::vector<double> &x0) {
      return sim.simulate(theta, x0, p.batch, p.steps, p.h);
    };
    checkAgainstFiniteDifferences(host, simulate, p, params, name);
  }
}

TEST(ImplicitAdjoint, ContinuousAdjointRejectsImplicitTableaux) {
  Model m = Program::fromFile(std::string(ODEC_SOURCE_DIR) + "/examples/spiral.node").model();
  try {
    m.lossGradient("GaussLegendre2", Adjoint::Continuous);
    FAIL() << "no exception";
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "tableau 'GaussLegendre2' is implicit; the continuous adjoint needs an "
                           "explicit tableau (the discrete adjoint supports implicit ones)");
  }
}

} // namespace
} // namespace odec::testing
