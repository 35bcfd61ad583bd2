// The real stability interval of random explicit tableaux (6 to 20 stages) against an
// independent reference: R(x) computed by running the method on y' = λy (no polynomial), and
// the first x < 0 with |R(x)| = 1 bracketed on a fine grid, then bisected. A polynomial R is
// never stable at −∞, so every interval is finite.
#include "TestTableaux.h"

#include "tableau/StabilityRegion.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace odec::test {
namespace {

// One step of the explicit method from y = 1 with hλ = x: Y_i = 1 + x Σ_j a_ij Y_j.
double stepOfLinearProblem(const ButcherTableau &t, double x) {
  std::vector<double> Y(size_t(t.stages));
  double y = 1;
  for (int i = 0; i < t.stages; ++i) {
    double sum = 0;
    for (int j = 0; j < i; ++j)
      sum += t.a(i, j) * Y[size_t(j)];
    Y[size_t(i)] = 1 + x * sum;
    y += x * t.b[size_t(i)].value * Y[size_t(i)];
  }
  return y;
}

// The left end of the stable interval: the first grid point from 0 leftwards with |R| > 1
// brackets the crossing, which bisection then pins down.
double referenceLeftEnd(const ButcherTableau &t) {
  const double dx = 1e-3;
  double inside = 0;
  for (int k = 1; k < 10000000; ++k) {
    const double x = -k * dx;
    if (std::abs(stepOfLinearProblem(t, x)) > 1) {
      double lo = x, hi = inside; // |R(lo)| > 1 ≥ |R(hi)|
      for (int it = 0; it < 100; ++it) {
        const double mid = 0.5 * (lo + hi);
        (std::abs(stepOfLinearProblem(t, mid)) > 1 ? lo : hi) = mid;
      }
      return 0.5 * (lo + hi);
    }
    inside = x;
  }
  return -std::numeric_limits<double>::infinity();
}

// Consistent (Σb = 1, c = row sums) with nonnegative entries; exact rationals k/8, or doubles.
ButcherTableau randomExplicit(std::mt19937_64 &rng, int stages, bool rational) {
  std::uniform_int_distribution<int> eighth(0, 8);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  ButcherTableau t;
  t.name = "random";
  t.stages = stages;
  std::vector<double> b(static_cast<size_t>(stages));
  double bSum = 0;
  for (double &v : b)
    bSum += v = rational ? eighth(rng) + 1 : unit(rng) + 0.05;
  for (int i = 0; i < stages; ++i) {
    Q rowSum(0);
    double rowSumD = 0;
    for (int j = 0; j < stages; ++j) {
      if (j >= i) {
        t.A.push_back(Coefficient::rational(Q(0)));
        continue;
      }
      if (rational) {
        const Q a(eighth(rng), 8);
        rowSum = rowSum + a;
        t.A.push_back(Coefficient::rational(a));
      } else {
        const double a = unit(rng);
        rowSumD += a;
        t.A.push_back(Coefficient::real(a));
      }
    }
    t.c.push_back(rational ? Coefficient::rational(rowSum) : Coefficient::real(rowSumD));
  }
  for (double v : b)
    t.b.push_back(rational ? Coefficient::rational(Q(int64_t(v), int64_t(bSum)))
                           : Coefficient::real(v / bSum));
  return t;
}

/// Checks realStabilityInterval on 90 random explicit tableaux against referenceLeftEnd,
/// allowing |left − reference| ≤ tolerance · max(1, |reference|).
void checkRandomExplicitIntervals(double tolerance) {
  std::mt19937_64 rng(2026);
  int checked = 0;
  for (int stages = 6; stages <= 20; ++stages)
    for (bool rational : {true, false})
      for (int rep = 0; rep < 3; ++rep) {
        const ButcherTableau t = randomExplicit(rng, stages, rational);
        const double expected = referenceLeftEnd(t);
        SCOPED_TRACE(std::to_string(stages) + " stages, " + (rational ? "rational" : "double") +
                     ", reference " + std::to_string(expected));
        ASSERT_TRUE(std::isfinite(expected));
        const RealInterval I = realStabilityInterval(stabilityFunction(t));
        EXPECT_TRUE(std::isfinite(I.left));
        EXPECT_NEAR(I.left, expected, tolerance * std::max(1.0, std::abs(expected)));
        EXPECT_EQ(I.right, 0);
        ++checked;
      }
  EXPECT_EQ(checked, 90);
}

// Before the fix 15 of these came out as [−inf, 0] or off by more than 1; evaluating F in the
// monomial basis also lost the ends by up to 1e-3 where the c_i are large.
TEST(StabilityRegion, RandomExplicitIntervalsAreFiniteAndMatchRootBracketing) {
  checkRandomExplicitIntervals(1e-6);
}

} // namespace
} // namespace odec::test
