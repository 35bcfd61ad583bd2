#include "tableau/StabilityRegion.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace odec {

static constexpr double kInf = std::numeric_limits<double>::infinity();
static constexpr int kSamplesPerSide = 1 << 18;

double amplification(const StabilityFunction &R, std::complex<double> z) {
  // IEEE division: +inf at a pole, NaN (never "inside") where P and Q share a root.
  return std::abs(R.numerator(z)) / std::abs(R.denominator(z));
}

bool inside(const StabilityFunction &R, std::complex<double> z, double margin) {
  return amplification(R, z) <= margin;
}

// Runs f(P, Q) on the exact polynomials when R has them, else (or on overflow) on doubles.
template <class F> static auto withPolynomials(const StabilityFunction &R, F &&f) {
  if (R.exact) {
    try {
      return f(R.numeratorExact, R.denominatorExact);
    } catch (const RationalOverflow &) {
    }
  }
  return f(R.numerator, R.denominator);
}

template <class T> static int sign(const T &x) { return isNegligible(x) ? 0 : (T(0) < x ? 1 : -1); }

// |p(iy)|² as a polynomial in y: with p(iy) = a(y) + i b(y), a collects the even powers
// (signs alternating from +), b the odd ones.
template <class T> static Polynomial<T> squaredModulusOnImaginaryAxis(const Polynomial<T> &p) {
  Polynomial<T> re, im;
  re.coeffs.assign(p.coeffs.size(), T(0));
  im.coeffs.assign(p.coeffs.size(), T(0));
  for (size_t k = 0; k < p.coeffs.size(); ++k) {
    T c = (k / 2) % 2 == 0 ? p.coeffs[k] : -p.coeffs[k]; // i^k = ±1 or ±i
    (k % 2 == 0 ? re : im).coeffs[k] = c;
  }
  re.trim();
  im.trim();
  return re * re + im * im;
}

// f along one axis direction, with what exact arithmetic knows about its sign.
struct AxisPolynomial {
  Polynomial<double> f;
  bool identicallyZero = false;
  int lowestSign = 0;  // sign of the lowest nonzero coefficient
  int lowestPower = 0; // its power
  int leadingSign = 0;
  bool allNonnegative = false;
};

template <class T> static AxisPolynomial describe(const Polynomial<T> &f) {
  AxisPolynomial a;
  a.f = f.toDouble();
  a.identicallyZero = f.isZero();
  if (a.identicallyZero)
    return a;
  a.leadingSign = sign(f.coeffs.back());
  a.allNonnegative = true;
  for (size_t k = 0; k < f.coeffs.size(); ++k) {
    int sg = sign(f.coeffs[k]);
    if (sg != 0 && a.lowestSign == 0) {
      a.lowestSign = sg;
      a.lowestPower = int(k);
    }
    a.allNonnegative = a.allNonnegative && sg >= 0;
  }
  return a;
}

// Q² − P², its trailing coefficients kept unless exactly zero: for a method of many stages
// the leading one (the square of 1/s!-sized terms) is far below kTableauTolerance, and without
// it F has the wrong degree and sign at infinity.
template <class T>
static Polynomial<T> squaresDifference(const Polynomial<T> &Q, const Polynomial<T> &P) {
  Polynomial<T> f;
  f.coeffs.assign(2 * std::max(P.coeffs.size(), Q.coeffs.size()), T(0));
  for (const auto *p : {&Q, &P})
    for (size_t i = 0; i < p->coeffs.size(); ++i)
      for (size_t j = 0; j < p->coeffs.size(); ++j)
        f.coeffs[i + j] += (p == &Q ? T(1) : T(-1)) * p->coeffs[i] * p->coeffs[j];
  while (!f.coeffs.empty() && f.coeffs.back() == T(0))
    f.coeffs.pop_back();
  return f;
}

static AxisPolynomial realAxisPolynomial(const StabilityFunction &R) {
  return withPolynomials(
      R, [](const auto &P, const auto &Q) { return describe(squaresDifference(Q, P)); });
}

static AxisPolynomial imaginaryAxisPolynomial(const StabilityFunction &R) {
  return withPolynomials(R, [](const auto &P, const auto &Q) {
    return describe(squaredModulusOnImaginaryAxis(Q) - squaredModulusOnImaginaryAxis(P));
  });
}

// f(x) ≥ 0 up to rounding: the tolerance is relative to the size of the terms summed.
static bool nonnegative(const Polynomial<double> &f, double x) {
  double value = 0, magnitude = 0;
  for (size_t k = f.coeffs.size(); k-- > 0;) {
    value = value * x + f.coeffs[k];
    magnitude = magnitude * std::abs(x) + std::abs(f.coeffs[k]);
  }
  return value >= -kTableauTolerance * magnitude;
}

// How far f ≥ 0 extends from 0 in direction dir (±1): the distance to the first point where
// f turns negative, or +inf.
// `stable(x)`, when given, replaces the sign test of f at x: a numerically stable evaluation
// of |R(x)| ≤ 1 that the real axis has (StabilityFunction::realValue).
static double stableReach(const AxisPolynomial &a, int dir,
                          const std::function<int(double)> &stable = nullptr) {
  // 1: f ≥ 0 (stable), 0: within rounding of 0, −1: f < 0.
  const auto signAt = [&](double x) {
    if (stable)
      return stable(x);
    return a.f(x) >= 0 ? 1 : nonnegative(a.f, x) ? 0 : -1;
  };
  if (a.identicallyZero)
    return kInf;
  int signNextToZero = a.lowestSign * (a.lowestPower % 2 == 1 ? dir : 1);
  if (signNextToZero < 0)
    return 0;
  const std::vector<double> &c = a.f.coeffs;
  if (c.size() <= 1) // a nonzero constant, positive by now
    return kInf;
  // Fujiwara: every root has |x| ≤ 2 max_k |c_k / c_n|^(1/(n−k)), formed in logarithms so a
  // tiny leading coefficient neither overflows it nor (as Cauchy's 1 + max |c_k / c_n| did)
  // inflates it so far that the samples step over the roots. 1% more keeps the last sample
  // clear of a root on the bound.
  const size_t n = c.size() - 1;
  double logBound = -kInf;
  for (size_t k = 0; k < n; ++k)
    if (c[k] != 0)
      logBound = std::max(logBound, (std::log(std::abs(c[k])) - std::log(std::abs(c[n]))) /
                                        double(n - k));
  const double bound = 2.02 * std::exp(logBound);
  double lo = 0, hi = 0;
  bool found = false;
  for (int j = 1; j <= kSamplesPerSide && !found; ++j) {
    const double u = double(j) / kSamplesPerSide;
    const double x = bound * u * u * u;
    if (signAt(dir * x) >= 0)
      lo = x;
    else {
      hi = x;
      found = true;
    }
  }
  if (!found) // no root lies beyond the bound, so f keeps its sign there
    return kInf;
  // The tolerance served to ignore rounding-level dips at touching roots while scanning; the
  // crossing itself is located by the exact sign of f, so the tolerance does not move it.
  // [lo, hi] may hold several roots (a narrow unstable gap and more): plain bisection could
  // settle on any of them, so each round keeps the first of 64 sub-steps where f < 0.
  while (hi - lo > 1e-13 * std::max(1.0, hi)) {
    const double step = (hi - lo) / 64;
    if (!(lo + step > lo))
      break;
    for (int j = 1; j <= 64; ++j) {
      const double x = j == 64 ? hi : lo + step * j;
      if (signAt(dir * x) < 1) {
        lo = std::max(lo, x - step);
        hi = x;
        break;
      }
    }
  }
  return 0.5 * (lo + hi);
}

RealInterval realStabilityInterval(const StabilityFunction &R) {
  AxisPolynomial F = realAxisPolynomial(R);
  // |R(x)| ≤ 1 from one step of the method; 1e-12 of slack is rounding at a touching root.
  const auto stable = [&R](double x) {
    const double r = std::abs(R.realValue(x));
    return r <= 1 ? 1 : r <= 1 + kTableauTolerance ? 0 : -1;
  };
  return {0.0 - stableReach(F, -1, stable), stableReach(F, +1, stable)}; // 0.0 −: no "-0"
}

double imaginaryExtent(const StabilityFunction &R) {
  return stableReach(imaginaryAxisPolynomial(R), +1);
}

// Routh–Hurwitz: every root of p has Re < 0 iff the first column of the Routh array is
// nonzero and of one sign (a zero entry means roots on or right of the imaginary axis).
template <class T> static bool isHurwitz(const Polynomial<T> &p) {
  const int n = p.degree();
  if (n <= 0)
    return true;
  const size_t width = size_t(n) / 2 + 2;
  std::vector<std::vector<T>> rows(2, std::vector<T>(width, T(0)));
  for (int k = n, j = 0; k >= 0; --k, ++j)
    rows[size_t(j % 2)][size_t(j / 2)] = p.coeffs[size_t(k)];
  for (int r = 2; r <= n; ++r) {
    const std::vector<T> &up = rows[size_t(r - 2)], &prev = rows[size_t(r - 1)];
    if (isNegligible(prev[0]))
      return false;
    std::vector<T> row(width, T(0));
    for (size_t j = 0; j + 1 < width; ++j)
      row[j] = (prev[0] * up[j + 1] - up[0] * prev[j + 1]) / prev[0];
    rows.push_back(std::move(row));
  }
  int s = sign(rows[0][0]);
  for (const std::vector<T> &row : rows)
    if (sign(row[0]) != s)
      return false;
  return true;
}

static bool allPolesInRightHalfPlane(const StabilityFunction &R) {
  return withPolynomials(R, [](const auto &, const auto &Q) {
    auto reflected = Q; // Q(−z): its roots are those of Q mirrored through the imaginary axis
    for (size_t k = 1; k < reflected.coeffs.size(); k += 2)
      reflected.coeffs[k] = -reflected.coeffs[k];
    return isHurwitz(reflected);
  });
}

bool isAStable(const StabilityFunction &R) {
  if (!allPolesInRightHalfPlane(R))
    return false;
  AxisPolynomial E = imaginaryAxisPolynomial(R);
  if (E.identicallyZero || E.allNonnegative)
    return true;
  if (E.lowestSign < 0 || E.leadingSign < 0)
    return false;
  return stableReach(E, +1) == kInf;
}

} // namespace odec
