#include "signal/Signal.h"

#include "../ErrorOf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

using namespace odec;
using odec::test::errorOf;

namespace {

const double NaN = std::numeric_limits<double>::quiet_NaN();
const double Inf = std::numeric_limits<double>::infinity();

// Component j (0-based) of the signal at t.
double at(const Signal &s, double t, int64_t j = 0) {
  std::vector<double> out(size_t(s.width()), NaN);
  s.evaluate(t, out.data());
  return out[size_t(j)];
}

// Samples of width 2 at `times`: (f(t_k), g(t_k)) row by row.
std::vector<double> sampled(const std::vector<double> &times,
                            const std::function<double(double)> &f,
                            const std::function<double(double)> &g) {
  std::vector<double> v;
  for (double t : times) {
    v.push_back(f(t));
    v.push_back(g(t));
  }
  return v;
}

// Times 0, 0.1, …, 1 as the decimal literals (k/10 rounds correctly to the nearest double), with
// sample k = (k, −k²).
Signal decimalHold() {
  std::vector<double> times, values;
  for (int k = 0; k <= 10; ++k) {
    times.push_back(k / 10.0);
    values.push_back(k);
    values.push_back(-k * k);
  }
  return Signal(Interpolation::Hold, times, values, 2);
}

std::vector<double> uniformGrid(double t0, double h, int n) {
  std::vector<double> t;
  for (int k = 0; k < n; ++k)
    t.push_back(t0 + k * h);
  return t;
}

// The largest |S(t) − cos(t)| at the midpoints of the natural spline through cos sampled every h
// on [0.3, 6.3], counting only midpoints in [2, 4.5]: cos''(end) ≠ 0 there, so the natural end
// condition is wrong at both ends, and its error decays away from them.
double splineErrorOnCos(double h) {
  const int n = int(std::lround(6.0 / h)) + 1;
  std::vector<double> times = uniformGrid(0.3, h, n), values;
  for (double t : times)
    values.push_back(std::cos(t));
  Signal s(Interpolation::CubicSpline, times, values, 1);
  double worst = 0;
  for (int k = 0; k + 1 < n; ++k) {
    double m = 0.5 * (times[k] + times[k + 1]);
    if (m >= 2 && m <= 4.5)
      worst = std::max(worst, std::abs(at(s, m) - std::cos(m)));
  }
  return worst;
}

// S''(t) by the central second difference with step d (exact for a cubic piece containing
// [t − d, t + d], up to rounding).
double secondDifference(const Signal &s, double t, double d, int64_t j) {
  return (at(s, t - d, j) - 2 * at(s, t, j) + at(s, t + d, j)) / (d * d);
}

} // namespace

TEST(Signal, InterpolationNamesRoundTripAndNothingElseParses) {
  for (Interpolation k : {Interpolation::Hold, Interpolation::Linear, Interpolation::CubicSpline})
    EXPECT_EQ(parseInterpolation(interpolationName(k)), k);
  EXPECT_STREQ(interpolationName(Interpolation::CubicSpline), "CubicSpline");
  for (const char *bad : {"hold", "Hold()", "Cubic", "Spline", "", " Linear"})
    EXPECT_EQ(parseInterpolation(bad), std::nullopt) << bad;
}

TEST(Signal, HoldReadsTheLastSampleAtOrBeforeT) {
  Signal s = decimalHold();
  EXPECT_EQ(s.samples(), 11);
  EXPECT_EQ(s.width(), 2);
  for (int k = 0; k < 10; ++k) {
    const double tk = k / 10.0, next = (k + 1) / 10.0;
    EXPECT_EQ(at(s, tk), k) << k;
    EXPECT_EQ(at(s, tk, 1), -k * k) << k;
    EXPECT_EQ(at(s, next - 1e-6), k) << k; // right-continuous: k holds until t_{k+1}
    EXPECT_EQ(at(s, 0.5 * (tk + next), 1), -k * k) << k;
  }
  // The last sample holds forever after.
  EXPECT_EQ(at(s, 1.0), 10);
  EXPECT_EQ(at(s, 1e6, 1), -100);
}

TEST(Signal, HoldCountsATimeWithinTheToleranceAsTheSampleTime) {
  Signal s = decimalHold();
  for (int k = 1; k <= 10; ++k)
    EXPECT_EQ(at(s, k / 10.0 - 1e-12), k) << k;
  // Grid times computed with rounding: 3·0.1 and 0.1 + 0.2 are 0.30000000000000004 (above the
  // sample time 0.3, read as sample 3 anyway); ten steps of 0.1 sum to 0.9999999999999999, below
  // the sample time 1, which would read sample 9 without the tolerance.
  EXPECT_EQ(at(s, 3 * 0.1), 3);
  EXPECT_EQ(at(s, 0.1 + 0.2), 3);
  double t = 0;
  for (int k = 0; k < 10; ++k)
    t += 0.1;
  ASSERT_LT(t, 1.0);
  EXPECT_EQ(at(s, t), 10);
  EXPECT_EQ(at(s, t, 1), -100);
  // Beyond the tolerance (1e-9 near t = 0.5) the previous sample still holds.
  EXPECT_EQ(at(s, 0.5 - 2e-9), 4);
  EXPECT_EQ(at(s, 0.5 - 0.5e-9), 5);
  // Just before the first sample the first sample is read; further before, nothing is defined.
  EXPECT_EQ(at(s, -0.5e-9, 1), 0);
  EXPECT_THROW(at(s, -2e-9), std::out_of_range);
}

TEST(Signal, HoldWithOneSampleIsConstantFromItOn) {
  Signal s(Interpolation::Hold, {2.5}, {7, -1}, 2);
  EXPECT_EQ(s.firstTime(), 2.5);
  EXPECT_EQ(s.lastTime(), 2.5);
  EXPECT_EQ(at(s, 2.5), 7);
  EXPECT_EQ(at(s, 100, 1), -1);
  EXPECT_TRUE(s.covers(2.5, 1e9));
  EXPECT_FALSE(s.covers(2.4, 3));
}

TEST(Signal, LinearReproducesALinearFunctionOnIrregularTimes) {
  std::vector<double> times = {-1, -0.3, 0.2, 1.7, 4};
  auto f = [](double t) { return 2 - 3 * t; };
  auto g = [](double t) { return 0.5 * t + 1; };
  Signal s(Interpolation::Linear, times, sampled(times, f, g), 2);
  for (double t = -1; t <= 4; t += 0.0625) {
    EXPECT_NEAR(at(s, t, 0), f(t), 1e-14) << t;
    EXPECT_NEAR(at(s, t, 1), g(t), 1e-14) << t;
  }
}

TEST(Signal, LinearIsTheChordBetweenNeighbouringSamples) {
  // y = t² is not linear: between samples the chord, (y_k + y_{k+1})/2 at midpoints, and the
  // samples themselves exactly.
  std::vector<double> times = {0, 0.5, 2, 3};
  auto sq = [](double t) { return t * t; };
  auto cube = [](double t) { return t * t * t; };
  Signal s(Interpolation::Linear, times, sampled(times, sq, cube), 2);
  for (size_t k = 0; k < times.size(); ++k) {
    EXPECT_EQ(at(s, times[k], 0), sq(times[k])) << k;
    EXPECT_EQ(at(s, times[k], 1), cube(times[k])) << k;
  }
  for (size_t k = 0; k + 1 < times.size(); ++k) {
    const double m = 0.5 * (times[k] + times[k + 1]);
    EXPECT_NEAR(at(s, m, 0), 0.5 * (sq(times[k]) + sq(times[k + 1])), 1e-15) << k;
    EXPECT_NEAR(at(s, m, 1), 0.5 * (cube(times[k]) + cube(times[k + 1])), 1e-14) << k;
  }
  // A quarter of the way from 2 to 3: 4 + 0.25·(9 − 4).
  EXPECT_NEAR(at(s, 2.25), 5.25, 1e-15);
}

TEST(Signal, CubicSplineReproducesALinearFunction) {
  std::vector<double> times = {-1, -0.3, 0.2, 1.7, 4};
  auto f = [](double t) { return 2 - 3 * t; };
  auto g = [](double t) { return 0.5 * t + 1; };
  Signal s(Interpolation::CubicSpline, times, sampled(times, f, g), 2);
  for (double t = -1; t <= 4; t += 0.0625) {
    EXPECT_NEAR(at(s, t, 0), f(t), 1e-14) << t;
    EXPECT_NEAR(at(s, t, 1), g(t), 1e-14) << t;
  }
  // Two samples: the straight line.
  Signal two(Interpolation::CubicSpline, {1, 3}, {5, 1}, 1);
  EXPECT_NEAR(at(two, 1.5), 4, 1e-15);
  EXPECT_NEAR(at(two, 2.5), 2, 1e-15);
}

TEST(Signal, CubicSplineMatchesNaturalSplinesComputedByHand) {
  // (0,0),(1,1),(2,0),(3,1) with h = 1 gives 4M₁ + M₂ = −12, M₁ + 4M₂ = 12, so M₁ = −4, M₂ = 4,
  // and at midpoints S = (y_k + y_{k+1})/2 − (3/8)(M_k + M_{k+1})/6: 0.75, 0.5, 0.25. The second
  // component, y → 1 − y, is splined on its own: 1 − S, that is 0.25, 0.5, 0.75.
  Signal s(Interpolation::CubicSpline, {0, 1, 2, 3}, {0, 1, 1, 0, 0, 1, 1, 0}, 2);
  EXPECT_NEAR(at(s, 0.5, 0), 0.75, 1e-15);
  EXPECT_NEAR(at(s, 1.5, 0), 0.5, 1e-15);
  EXPECT_NEAR(at(s, 2.5, 0), 0.25, 1e-15);
  EXPECT_NEAR(at(s, 0.5, 1), 0.25, 1e-15);
  EXPECT_NEAR(at(s, 2.5, 1), 0.75, 1e-15);

  // (0,0),(1,1),(2,0): 4M₁ = −12, M₁ = −3, S(0.5) = 0.5 + (3/8)·3/6 = 0.6875 = S(1.5).
  Signal three(Interpolation::CubicSpline, {0, 1, 2}, {0, 1, 0}, 1);
  EXPECT_NEAR(at(three, 0.5), 0.6875, 1e-15);
  EXPECT_NEAR(at(three, 1.5), 0.6875, 1e-15);

  // Uneven spacing (0,0),(1,1),(3,0): h₀ = 1, h₁ = 2, 2(h₀ + h₁)M₁ = 6(−1/2 − 1), M₁ = −1.5;
  // S(0.5) = 0.5 + (3/8)·1.5/6 = 0.59375, S(2) = 0.5 + (3/8)·1.5·4/6 = 0.875.
  Signal uneven(Interpolation::CubicSpline, {0, 1, 3}, {0, 1, 0}, 1);
  EXPECT_NEAR(at(uneven, 0.5), 0.59375, 1e-15);
  EXPECT_NEAR(at(uneven, 2), 0.875, 1e-15);
}

TEST(Signal, CubicSplineInterpolatesTheSamplesAndIsNaturalAtTheEnds) {
  std::vector<double> times = {0, 0.4, 1, 1.3, 2.5, 3};
  std::vector<double> values = {0, 1, 1, -2, 0, 0.5, 2, 3, -1, 1, 0.25, 0};
  Signal s(Interpolation::CubicSpline, times, values, 2);
  for (size_t k = 0; k < times.size(); ++k)
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_NEAR(at(s, times[k], j), values[2 * k + j], 1e-15) << k << "," << j;
  // S'' is linear on each piece, so S''(end) = 2·S''(end ± d) − S''(end ± 2d), each by a central
  // second difference inside the end piece.
  const double d = 1e-3;
  for (int64_t j = 0; j < 2; ++j) {
    const double first = 2 * secondDifference(s, d, d, j) - secondDifference(s, 2 * d, d, j);
    const double last = 2 * secondDifference(s, 3 - d, d, j) - secondDifference(s, 3 - 2 * d, d, j);
    EXPECT_NEAR(first, 0, 1e-5) << j;
    EXPECT_NEAR(last, 0, 1e-5) << j;
    // Not vacuous: inside, the same estimate finds a curvature of order one.
    EXPECT_GT(std::abs(secondDifference(s, 1.15, d, j)), 0.5) << j;
  }
}

TEST(Signal, CubicSplineConvergesAtFourthOrderAwayFromTheEnds) {
  const double coarse = splineErrorOnCos(0.1), fine = splineErrorOnCos(0.05);
  // Interior error ≈ (5/384) h⁴ max|f⁗|: halving h divides it by about 16 (linear would give 4).
  EXPECT_GT(coarse / fine, 12);
  EXPECT_LT(coarse / fine, 20);
  // Chords would be h²/8 ≈ 1.2e-5 off at h = 0.01.
  EXPECT_LT(splineErrorOnCos(0.01), 1e-6);
}

TEST(Signal, CoversDependsOnTheKind) {
  std::vector<double> times = {1, 2, 4}, values = {0, 1, 2};
  Signal hold(Interpolation::Hold, times, values, 1);
  EXPECT_TRUE(hold.covers(1, 1));
  EXPECT_TRUE(hold.covers(1, 1e6));
  EXPECT_TRUE(hold.covers(1 - 0.5e-9, 3));
  EXPECT_FALSE(hold.covers(1 - 2e-9, 3));
  EXPECT_FALSE(hold.covers(NaN, 2));
  EXPECT_FALSE(hold.covers(1, Inf));
  for (Interpolation k : {Interpolation::Linear, Interpolation::CubicSpline}) {
    Signal s(k, times, values, 1);
    SCOPED_TRACE(interpolationName(k));
    EXPECT_TRUE(s.covers(1, 4));
    EXPECT_TRUE(s.covers(4, 1));
    EXPECT_TRUE(s.covers(2.5, 2.5));
    EXPECT_TRUE(s.covers(1 - 0.5e-9, 4 + 3e-9)); // the tolerance at 4 is 4e-9
    EXPECT_FALSE(s.covers(1 - 2e-9, 4));
    EXPECT_FALSE(s.covers(1, 4 + 5e-9));
    EXPECT_FALSE(s.covers(0, 0.5));
    EXPECT_FALSE(s.covers(1, NaN));
    // Within the tolerance evaluate clamps to the end sample; beyond it throws.
    EXPECT_EQ(at(s, 4 + 3e-9), 2);
    EXPECT_EQ(at(s, 1 - 0.5e-9), 0);
    EXPECT_THROW(at(s, 4 + 5e-9), std::out_of_range);
    EXPECT_THROW(at(s, 1 - 2e-9), std::out_of_range);
  }
}

TEST(Signal, TheToleranceIsRelativeForLargeTimes) {
  Signal s(Interpolation::Linear, {1000, 1001}, {0, 1, 2, 3}, 2);
  EXPECT_TRUE(s.covers(1000, 1001 + 5e-7)); // tol(1001) ≈ 1.0e-6
  EXPECT_EQ(at(s, 1001 + 5e-7, 1), 3);
  EXPECT_FALSE(s.covers(1000, 1001 + 2e-6));
}

TEST(Signal, EvaluateOutsideTheRangeThrowsOutOfRange) {
  Signal lin(Interpolation::Linear, {0, 0.5, 1}, {1, 2, 3}, 1);
  EXPECT_THROW(at(lin, -0.1), std::out_of_range);
  EXPECT_THROW(at(lin, NaN), std::out_of_range);
  EXPECT_EQ(errorOf([&] { at(lin, 1.5); }),
            "input signal (Linear, 3 samples on [0, 1]) is not defined at t = 1.5");
  Signal hold(Interpolation::Hold, {0.25, 1}, {1, 2}, 1);
  EXPECT_EQ(errorOf([&] { at(hold, 0); }),
            "input signal (Hold, 2 samples on [0.25, 1]) is not defined at t = 0");
  EXPECT_THROW(at(hold, -Inf), std::out_of_range);
}

TEST(Signal, ConstructorNamesTheFirstProblem) {
  auto error = [](Interpolation k, std::vector<double> t, std::vector<double> v, int64_t w) {
    try {
      Signal(k, std::move(t), std::move(v), w);
    } catch (const std::invalid_argument &e) {
      return std::string(e.what());
    }
    return std::string("(no std::invalid_argument)");
  };
  const Interpolation H = Interpolation::Hold, L = Interpolation::Linear,
                      C = Interpolation::CubicSpline;
  EXPECT_EQ(error(H, {0}, {}, 0), "input width must be at least 1, got 0");
  EXPECT_EQ(error(L, {0, 1}, {1, 2}, -1), "input width must be at least 1, got -1");
  EXPECT_EQ(error(H, {}, {}, 1), "Hold interpolation needs at least 1 sample, got 0");
  EXPECT_EQ(error(L, {0}, {1}, 1), "Linear interpolation needs at least 2 samples, got 1");
  EXPECT_EQ(error(C, {0}, {1}, 1), "CubicSpline interpolation needs at least 2 samples, got 1");
  EXPECT_EQ(error(H, {0, 1, 2}, {1, 2, 3, 4, 5}, 2),
            "input values: 3 samples of width 2 need 6 numbers, got 5");
  EXPECT_EQ(error(L, {0, NaN, 2}, {1, 2, 3}, 1), "input time t[1] = nan is not finite");
  EXPECT_EQ(error(C, {0, 1, Inf}, {1, 2, 3}, 1), "input time t[2] = inf is not finite");
  EXPECT_EQ(error(H, {0, 0.1, 0.3, 0.2}, {1, 2, 3, 4}, 1),
            "input times must be strictly increasing: t[3] = 0.2 after t[2] = 0.3");
  EXPECT_EQ(error(L, {0, 0.1, 0.1}, {1, 2, 3}, 1),
            "input times must be strictly increasing: t[2] = 0.1 after t[1] = 0.1");
  EXPECT_EQ(error(C, {0, 0.25, 0.5}, {1, 2, 3, 4, 5, NaN}, 2),
            "input value u[2] = nan at t = 0.5 (t[2]) is not finite");
  EXPECT_EQ(error(H, {0, 0.25}, {-Inf, 0}, 1),
            "input value u[1] = -inf at t = 0 (t[0]) is not finite");
  EXPECT_EQ(error(C, {0, 0.25, 0.5}, {1, 2, 3, 4, 5, 6}, 2), "(no std::invalid_argument)");
}

// A solver step ending on a sample time reads a held input from the left (the step's own
// piece); continuous kinds are the same from either side.
TEST(Signal, HoldFromTheLeftReadsThePreviousSampleAtASampleTime) {
  const odec::Signal hold(odec::Interpolation::Hold, {0.0, 0.1, 0.2, 0.3}, {1, 2, 3, 4}, 1);
  double v = 0;
  hold.evaluate(0.1 + 0.2, &v, odec::Signal::Side::Left); // 0.30000000000000004
  EXPECT_EQ(v, 3);
  hold.evaluate(0.3, &v, odec::Signal::Side::Right);
  EXPECT_EQ(v, 4);
  hold.evaluate(0.25, &v, odec::Signal::Side::Left);
  EXPECT_EQ(v, 3);
  hold.evaluate(0.0, &v, odec::Signal::Side::Left); // nothing before the first sample
  EXPECT_EQ(v, 1);
  const odec::Signal linear(odec::Interpolation::Linear, {0.0, 1.0}, {0, 2}, 1);
  double left = 0, right = 0;
  linear.evaluate(0.5, &left, odec::Signal::Side::Left);
  linear.evaluate(0.5, &right, odec::Signal::Side::Right);
  EXPECT_EQ(left, right);
  EXPECT_DOUBLE_EQ(left, 1.0);
}
