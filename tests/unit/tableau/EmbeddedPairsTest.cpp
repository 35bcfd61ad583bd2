// Embedded pairs (`bhat`) and continuous extensions (`dense`): the built-in pairs' two orders
// (exactly where their coefficients are rational), FSAL, the embedded method's stability
// function against one step of that method on y' = λy computed stage by stage, the dense
// outputs' orders and the Hermite fallback against the solution of y' = λy, and the tableau
// block's errors for a bad bhat or dense.
#include "driver/Compilation.h"
#include "tableau/OrderConditions.h"
#include "tableau/SolverPlan.h"
#include "tableau/TableauReport.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>

namespace odec::test {
namespace {

const ButcherTableau &prelude(const std::string &name) {
  static const std::shared_ptr<Compilation> c = Compilation::fromText("<none>", "");
  return c->tableau(name);
}

// One step of size 1 from y = 1 of y' = z y with weights w: the stages directly, no algebra.
std::complex<double> stepOfLinearTest(const ButcherTableau &t, const std::vector<Coefficient> &w,
                                      std::complex<double> z) {
  std::vector<std::complex<double>> k;
  std::complex<double> y1 = 1;
  for (int i = 0; i < t.stages; ++i) {
    std::complex<double> Y = 1;
    for (int j = 0; j < i; ++j)
      Y += t.a(i, j) * k[size_t(j)];
    k.push_back(z * Y);
  }
  for (int i = 0; i < t.stages; ++i)
    y1 += w[size_t(i)].value * k[size_t(i)];
  return y1;
}

std::complex<double> evaluate(const StabilityFunction &R, std::complex<double> z) {
  std::complex<double> num = 0, den = 0, p = 1;
  for (size_t k = 0; k < std::max(R.numerator.coeffs.size(), R.denominator.coeffs.size()); ++k) {
    if (k < R.numerator.coeffs.size())
      num += R.numerator.coeffs[k] * p;
    if (k < R.denominator.coeffs.size())
      den += R.denominator.coeffs[k] * p;
    p *= z;
  }
  return num / den;
}

TEST(EmbeddedPairs, BuiltInOrdersAreExact) {
  struct Case {
    const char *name;
    int order, embeddedOrder;
    bool fsal;
  };
  for (const Case &k : {Case{"BogackiShampine3", 3, 2, true}, Case{"Fehlberg45", 4, 5, false},
                        Case{"CashKarp45", 5, 4, false}, Case{"DormandPrince5", 5, 4, true},
                        Case{"Tsit5", 5, 4, true}}) {
    SCOPED_TRACE(k.name);
    const ButcherTableau &t = prelude(k.name);
    ASSERT_TRUE(t.hasEmbedded());
    // Tsitouras' coefficients are decimals: its orders hold to kTableauTolerance in double.
    EXPECT_EQ(t.isExact(), k.name != std::string("Tsit5"));
    const TableauReport r = analyzeTableau(t);
    EXPECT_EQ(r.order.order, k.order);
    ASSERT_TRUE(r.embedded);
    EXPECT_EQ(r.embedded->order.order, k.embeddedOrder);
    EXPECT_TRUE(r.rowSumConsistent);
    EXPECT_EQ(r.fsal, k.fsal);
    const SolverPlan plan = SolverPlan::of(t);
    EXPECT_TRUE(plan.isExplicit());
    EXPECT_TRUE(plan.embedded);
    EXPECT_EQ(plan.fsal, k.fsal);
    // Both stability functions are what one step of each method does to y' = λy.
    for (std::complex<double> z : {std::complex<double>(-1.5, 0), {-0.3, 2.0}, {0.4, -0.7}}) {
      EXPECT_LT(std::abs(evaluate(r.stability, z) - stepOfLinearTest(t, t.b, z)), 1e-13);
      EXPECT_LT(std::abs(evaluate(r.embedded->stability, z) - stepOfLinearTest(t, t.bhat, z)),
                1e-13);
    }
  }
  // A fixed-step tableau has no second method.
  EXPECT_FALSE(analyzeTableau(prelude("RK4")).embedded);
  EXPECT_FALSE(SolverPlan::of(prelude("RK4")).embedded);
}

// Dormand–Prince's textbook values: its 7th stage only feeds the error estimate, so the
// fixed-step solver (which propagates b) never evaluates its adjoint.
TEST(EmbeddedPairs, DormandPrinceLastStageOnlyEstimatesTheError) {
  const SolverPlan plan = SolverPlan::of(prelude("DormandPrince5"));
  EXPECT_FALSE(plan.live[6]);
  EXPECT_NEAR(analyzeTableau(prelude("DormandPrince5")).realInterval.left, -3.3066, 1e-4);
}

// x(θh) of one step of size h from y = 1 on y' = λy by a dense output plan (SolverPlan::dense).
double denseStep(const ButcherTableau &t, double lambda, double h, double theta) {
  const SolverPlan plan = SolverPlan::of(t);
  std::vector<double> k;
  double y1 = 1;
  for (int i = 0; i < t.stages; ++i) {
    double Y = 1;
    for (int j = 0; j < i; ++j)
      Y += h * t.a(i, j) * k[size_t(j)];
    k.push_back(lambda * Y);
    y1 += h * t.b[size_t(i)].value * k.back();
  }
  k.push_back(lambda * y1); // f(x_{n+1})
  double x = 1;
  for (size_t i = 0; i < plan.dense.size(); ++i) {
    double w = 0, p = theta;
    for (double c : plan.dense[i]) {
      w += c * p;
      p *= theta;
    }
    x += h * w * k[i];
  }
  return x;
}

TEST(EmbeddedPairs, DenseOutputHasItsOrder) {
  struct Case {
    const char *name;
    int order; // of the local error at every θ: O(h^(order+1))
    bool hermite;
  };
  for (const Case &k : {Case{"DormandPrince5", 4, false}, Case{"Tsit5", 4, false},
                        Case{"BogackiShampine3", 3, true}, Case{"CashKarp45", 3, true},
                        Case{"Fehlberg45", 3, true}}) {
    SCOPED_TRACE(k.name);
    const ButcherTableau &t = prelude(k.name);
    const TableauReport r = analyzeTableau(t);
    ASSERT_TRUE(r.embedded);
    EXPECT_EQ(r.embedded->hermite, k.hermite);
    EXPECT_EQ(r.embedded->denseOrder, k.order);
    EXPECT_EQ(denseOrder(t), k.hermite ? -1 : k.order);
    EXPECT_EQ(SolverPlan::of(t).hermite, k.hermite);
    // Halving h divides the error at θ = 0.3 and 0.7 by at least about 2^(order+1) (more where
    // the leading error term happens to vanish: Tsit5 at 0.7 on this problem); θ = 1 is the
    // step.
    for (double theta : {0.3, 0.7, 1.0}) {
      auto err = [&](double h) {
        return std::abs(denseStep(t, -1.0, h, theta) - std::exp(-theta * h));
      };
      const double rate = std::log2(err(0.1) / err(0.05));
      if (theta < 1)
        EXPECT_GT(rate, k.order + 0.7) << "θ = " << theta;
      else
        EXPECT_LT(std::abs(denseStep(t, -1.0, 0.1, 1.0) -
                           stepOfLinearTest(t, t.b, {-0.1, 0}).real()),
                  1e-15);
    }
  }
  // The tableau's own extension: exact order conditions for Dormand–Prince's rationals.
  EXPECT_TRUE(prelude("DormandPrince5").isExact());
}

std::string errorsOf(const std::string &text) {
  std::shared_ptr<Compilation> c = Compilation::fromText("t.node", text);
  return c->diags.formatAll();
}

TEST(EmbeddedPairs, BadEmbeddedWeightsAreLocated) {
  const std::string head = "tableau T\n    c = [0, 1]\n    A = [0 0; 1 0]\n    b = [1//2, 1//2]\n";
  EXPECT_NE(errorsOf(head + "    bhat = [1, 0, 0]\nend\n")
                .find("t.node:5:12: error: bhat is Vector{3}, but b has 2 entries: bhat must be "
                      "Vector{2}"),
            std::string::npos)
      << errorsOf(head + "    bhat = [1, 0, 0]\nend\n");
  EXPECT_NE(errorsOf(head + "    bhat = [1//2, 1//2]\nend\n")
                .find("t.node:5:12: error: bhat equals b: an embedded pair needs weights of "
                      "another order"),
            std::string::npos);
  // Heun with Euler embedded: a valid 2(1) pair.
  std::shared_ptr<Compilation> ok = Compilation::fromText("t.node", head + "    bhat = [1, 0]\nend\n");
  ASSERT_TRUE(ok->ok) << ok->diags.formatAll();
  const TableauReport r = analyzeTableau(ok->tableau("T"));
  EXPECT_EQ(r.order.order, 2);
  EXPECT_EQ(r.embedded->order.order, 1);
}

TEST(EmbeddedPairs, BadDenseOutputIsLocated) {
  const std::string head = "tableau T\n    c = [0, 1]\n    A = [0 0; 1 0]\n    b = [1//2, 1//2]\n"
                           "    bhat = [1, 0]\n";
  const std::string wrongShape = errorsOf(head + "    dense = [1 0; 0 1; 0 0]\nend\n");
  EXPECT_NE(wrongShape.find("t.node:6:13: error: dense is Matrix{3,2}, but b has 2 entries: "
                            "dense must be a Matrix{2,p}"),
            std::string::npos)
      << wrongShape;
  const std::string wrongSum = errorsOf(head + "    dense = [1 -1//4; 0 1//4]\nend\n");
  EXPECT_NE(wrongSum.find("t.node:6:13: error: dense row 1 sums to 3//4, but b[1] = 1//2: a "
                          "continuous extension must end on the step (b_i(1) = b_i)"),
            std::string::npos)
      << wrongSum;
  // Heun's linear interpolant b_i(θ) = θ b_i: order 1.
  std::shared_ptr<Compilation> ok =
      Compilation::fromText("t.node", head + "    dense = [1//2; 1//2]\nend\n");
  ASSERT_TRUE(ok->ok) << ok->diags.formatAll();
  EXPECT_EQ(denseOrder(ok->tableau("T")), 1);
  EXPECT_FALSE(analyzeTableau(ok->tableau("T")).embedded->hermite);
  // θ b_1 + θ² (…): the quadratic that also matches f(x_n) has order 2.
  ok = Compilation::fromText("t.node", head + "    dense = [1 -1//2; 0 1//2]\nend\n");
  ASSERT_TRUE(ok->ok) << ok->diags.formatAll();
  EXPECT_EQ(denseOrder(ok->tableau("T")), 2);
}

} // namespace
} // namespace odec::test
