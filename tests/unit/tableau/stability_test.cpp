// Stability functions, axis summaries, A-stability and symplecticity against closed forms
// and published constants.
#include "TestTableaux.h"

#include "tableau/StabilityRegion.h"
#include "tableau/Symplecticity.h"

#include <gtest/gtest.h>

#include <limits>

namespace odec::test {
namespace {

const double kInf = std::numeric_limits<double>::infinity();
// Roots of 1 + x + x²/2 + x³/6 + x⁴/24 = 1 and 1 + x + x²/2 + x³/6 = −1 (40-digit bisection).
const double kRK4Left = -2.785293563405281623;
const double kRK3Left = -2.512745326618328624;

std::vector<Q> coeffs(const Polynomial<Rational> &p) { return p.coeffs; }

// R(z) = 1 + z bᵀ (I − zA)⁻¹ 1, by complex Gaussian elimination: an independent route to the
// stability function.
std::complex<double> directR(const ButcherTableau &t, std::complex<double> z) {
  const int s = t.stages;
  std::vector<std::complex<double>> M(size_t(s * s)), k(size_t(s), 1.0);
  for (int i = 0; i < s; ++i)
    for (int j = 0; j < s; ++j)
      M[size_t(i * s + j)] = (i == j ? 1.0 : 0.0) - z * t.a(i, j);
  for (int p = 0; p < s; ++p)
    for (int i = p + 1; i < s; ++i) {
      std::complex<double> f = M[size_t(i * s + p)] / M[size_t(p * s + p)];
      for (int j = p; j < s; ++j)
        M[size_t(i * s + j)] -= f * M[size_t(p * s + j)];
      k[size_t(i)] -= f * k[size_t(p)];
    }
  for (int i = s - 1; i >= 0; --i) {
    for (int j = i + 1; j < s; ++j)
      k[size_t(i)] -= M[size_t(i * s + j)] * k[size_t(j)];
    k[size_t(i)] /= M[size_t(i * s + i)];
  }
  std::complex<double> r = 1.0;
  for (int i = 0; i < s; ++i)
    r += z * t.b[size_t(i)].value * k[size_t(i)];
  return r;
}

TEST(StabilityFunction, ExplicitMethodsGiveTruncatedExponentials) {
  StabilityFunction R = stabilityFunction(rk4());
  ASSERT_TRUE(R.exact);
  EXPECT_EQ(coeffs(R.numeratorExact), (std::vector<Q>{1, 1, Q(1, 2), Q(1, 6), Q(1, 24)}));
  EXPECT_EQ(coeffs(R.denominatorExact), (std::vector<Q>{1}));
  EXPECT_EQ(coeffs(stabilityFunction(rk38()).numeratorExact), coeffs(R.numeratorExact));
  EXPECT_EQ(coeffs(stabilityFunction(kutta3()).numeratorExact),
            (std::vector<Q>{1, 1, Q(1, 2), Q(1, 6)}));
  EXPECT_EQ(coeffs(stabilityFunction(euler()).numeratorExact), (std::vector<Q>{1, 1}));
}

TEST(StabilityFunction, ImplicitOneStageMethods) {
  StabilityFunction im = stabilityFunction(implicitMidpoint());
  EXPECT_EQ(coeffs(im.numeratorExact), (std::vector<Q>{1, Q(1, 2)}));
  EXPECT_EQ(coeffs(im.denominatorExact), (std::vector<Q>{1, Q(-1, 2)}));
  StabilityFunction be = stabilityFunction(backwardEuler());
  EXPECT_EQ(coeffs(be.numeratorExact), (std::vector<Q>{1}));
  EXPECT_EQ(coeffs(be.denominatorExact), (std::vector<Q>{1, -1}));
}

TEST(StabilityFunction, GaussLegendreIsThePadeApproximant) {
  // The (2,2) Padé approximant of e^z: (1 + z/2 + z²/12) / (1 − z/2 + z²/12).
  StabilityFunction R = stabilityFunction(gaussLegendre2());
  EXPECT_FALSE(R.exact);
  ASSERT_EQ(R.numerator.coeffs.size(), 3u);
  ASSERT_EQ(R.denominator.coeffs.size(), 3u);
  const double P[] = {1, 0.5, 1.0 / 12}, Qd[] = {1, -0.5, 1.0 / 12};
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(R.numerator.coeffs[size_t(k)], P[k], 1e-14);
    EXPECT_NEAR(R.denominator.coeffs[size_t(k)], Qd[k], 1e-14);
  }
}

TEST(StabilityFunction, AgreesWithDirectSolveAtComplexPoints) {
  for (const ButcherTableau &t : {rk4(), rk38(), ssprk3(), gaussLegendre2(), backwardEuler()}) {
    StabilityFunction R = stabilityFunction(t);
    for (std::complex<double> z : {std::complex<double>(-1.3, 0.7), {0.4, -2.1}, {-3, 3}}) {
      std::complex<double> expected = directR(t, z);
      EXPECT_NEAR(std::abs(R(z) - expected), 0, 1e-12 * (1 + std::abs(expected))) << t.name;
      EXPECT_NEAR(amplification(R, z), std::abs(expected), 1e-12 * (1 + std::abs(expected)));
    }
  }
}

TEST(StabilityRegion, InsideUsesTheMargin) {
  StabilityFunction R = stabilityFunction(euler()); // |1 + z|
  EXPECT_TRUE(inside(R, {-1, 0.9}));
  EXPECT_FALSE(inside(R, {-1, 1.1}));
  EXPECT_TRUE(inside(R, {-1, 1.1}, 1.2));
  EXPECT_FALSE(inside(R, {0.1, 0}));
  EXPECT_FALSE(inside(stabilityFunction(backwardEuler()), {1, 0})); // the pole
}

TEST(StabilityRegion, RealIntervalsOfExplicitMethods) {
  struct Case {
    ButcherTableau t;
    double left;
  };
  for (const Case &c : {Case{euler(), -2}, Case{midpoint(), -2}, Case{heun(), -2},
                        Case{ralston(), -2}, Case{kutta3(), kRK3Left}, Case{ssprk3(), kRK3Left},
                        Case{rk4(), kRK4Left}, Case{rk38(), kRK4Left}}) {
    RealInterval I = realStabilityInterval(stabilityFunction(c.t));
    EXPECT_NEAR(I.left, c.left, 1e-11) << c.t.name;
    EXPECT_EQ(I.right, 0) << c.t.name;
  }
}

TEST(StabilityRegion, RealIntervalsOfImplicitMethods) {
  for (const ButcherTableau &t : {backwardEuler(), implicitMidpoint(), gaussLegendre2()}) {
    RealInterval I = realStabilityInterval(stabilityFunction(t));
    EXPECT_EQ(I.left, -kInf) << t.name;
    EXPECT_EQ(I.right, 0) << t.name;
  }
  // θ = 1/4: R = (1 + 3z/4)/(1 − z/4), |R(x)| = 1 again at x = −4.
  EXPECT_NEAR(realStabilityInterval(stabilityFunction(theta(Q(1, 4)))).left, -4, 1e-11);
}

TEST(StabilityRegion, ImaginaryExtents) {
  EXPECT_EQ(imaginaryExtent(stabilityFunction(euler())), 0);
  EXPECT_EQ(imaginaryExtent(stabilityFunction(heun())), 0); // |1 + iy − y²/2|² = 1 + y⁴/4
  EXPECT_NEAR(imaginaryExtent(stabilityFunction(rk4())), 2 * std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(imaginaryExtent(stabilityFunction(rk38())), 2 * std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(imaginaryExtent(stabilityFunction(kutta3())), std::sqrt(3.0), 1e-9);
  EXPECT_EQ(imaginaryExtent(stabilityFunction(implicitMidpoint())), kInf); // |R(iy)| ≡ 1
  EXPECT_EQ(imaginaryExtent(stabilityFunction(gaussLegendre2())), kInf);
  EXPECT_EQ(imaginaryExtent(stabilityFunction(backwardEuler())), kInf);
}

TEST(StabilityRegion, AStability) {
  for (const ButcherTableau &t :
       {implicitMidpoint(), gaussLegendre2(), backwardEuler(), theta(Q(3, 4))})
    EXPECT_TRUE(isAStable(stabilityFunction(t))) << t.name;
  for (const ButcherTableau &t :
       {euler(), midpoint(), heun(), ralston(), kutta3(), ssprk3(), rk4(), rk38(), theta(Q(1, 4))})
    EXPECT_FALSE(isAStable(stabilityFunction(t))) << t.name;
}

TEST(StabilityRegion, APoleInTheLeftHalfPlaneIsNotAStable) {
  // R = 1/(1 + z): |R(iy)| ≤ 1 on the whole axis, but a pole at z = −1.
  StabilityFunction R;
  R.numerator = Polynomial<double>({1.0});
  R.denominator = Polynomial<double>({1.0, 1.0});
  EXPECT_EQ(imaginaryExtent(R), kInf);
  EXPECT_FALSE(isAStable(R));
  R.exact = true;
  R.numeratorExact = Polynomial<Rational>({1});
  R.denominatorExact = Polynomial<Rational>({1, 1});
  EXPECT_FALSE(isAStable(R));
}

TEST(Symplecticity, GaussMethodsAreSymplecticExplicitOnesAreNot) {
  EXPECT_TRUE(isSymplectic(implicitMidpoint()));
  EXPECT_TRUE(isSymplectic(gaussLegendre2()));
  EXPECT_TRUE(isSymplectic(gaussLegendre3()));
  EXPECT_FALSE(isSymplectic(butcher6()));
  EXPECT_FALSE(isSymplectic(rk4()));
  EXPECT_FALSE(isSymplectic(backwardEuler()));
  EXPECT_FALSE(isSymplectic(theta(Q(3, 4))));
}

} // namespace
} // namespace odec::test
