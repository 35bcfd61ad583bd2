// Embedded pairs (`bhat`): the built-in pairs' two orders checked exactly, FSAL, the embedded
// method's stability function against one step of that method on y' = λy computed stage by
// stage, and the tableau block's errors for a bad bhat.
#include "driver/Compilation.h"
#include "tableau/SolverPlan.h"
#include "tableau/TableauReport.h"

#include <gtest/gtest.h>

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
                        Case{"CashKarp45", 5, 4, false}, Case{"DormandPrince5", 5, 4, true}}) {
    SCOPED_TRACE(k.name);
    const ButcherTableau &t = prelude(k.name);
    ASSERT_TRUE(t.hasEmbedded());
    EXPECT_TRUE(t.isExact());
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

} // namespace
} // namespace odec::test
