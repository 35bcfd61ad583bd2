// Univariate polynomials over a number field T (Rational for exact analysis, double
// otherwise), coefficients lowest power first. Used for stability functions R = P/Q and for
// the polynomials whose signs decide stability on the real and imaginary axes.
#pragma once

#include "tableau/Rational.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <vector>

namespace odec {

/// Coefficients of magnitude up to this are zero in double arithmetic: the tolerance of every
/// inexact tableau computation (order conditions, trimming, symplecticity).
inline constexpr double kTableauTolerance = 1e-12;

inline bool isNegligible(const Rational &r) { return r.isZero(); }
inline bool isNegligible(double x) { return std::abs(x) <= kTableauTolerance; }
inline double asDouble(const Rational &r) { return r.toDouble(); }
inline double asDouble(double x) { return x; }

template <class T> struct Polynomial {
  std::vector<T> coeffs; // coeffs[k] multiplies z^k; no trailing negligible entries once trimmed

  Polynomial() = default;
  explicit Polynomial(std::vector<T> c) : coeffs(std::move(c)) { trim(); }

  /// Drops trailing (negligible) coefficients, so the zero polynomial has no coefficients.
  void trim() {
    while (!coeffs.empty() && isNegligible(coeffs.back()))
      coeffs.pop_back();
  }
  bool isZero() const { return coeffs.empty(); }
  /// -1 for the zero polynomial.
  int degree() const { return int(coeffs.size()) - 1; }
  T coeff(size_t k) const { return k < coeffs.size() ? coeffs[k] : T(0); }

  /// Horner's rule in double (or complex) arithmetic, whatever T is.
  template <class X> X operator()(X x) const {
    X acc(0);
    for (size_t k = coeffs.size(); k-- > 0;)
      acc = acc * x + X(asDouble(coeffs[k]));
    return acc;
  }

  /// The same coefficients in double. Not re-trimmed: a tiny exact coefficient is kept.
  Polynomial<double> toDouble() const {
    Polynomial<double> p;
    for (const T &c : coeffs)
      p.coeffs.push_back(asDouble(c));
    return p;
  }

  friend Polynomial operator+(const Polynomial &a, const Polynomial &b) {
    Polynomial r;
    r.coeffs.resize(std::max(a.coeffs.size(), b.coeffs.size()), T(0));
    for (size_t k = 0; k < r.coeffs.size(); ++k)
      r.coeffs[k] = a.coeff(k) + b.coeff(k);
    r.trim();
    return r;
  }
  friend Polynomial operator-(const Polynomial &a, const Polynomial &b) {
    Polynomial r;
    r.coeffs.resize(std::max(a.coeffs.size(), b.coeffs.size()), T(0));
    for (size_t k = 0; k < r.coeffs.size(); ++k)
      r.coeffs[k] = a.coeff(k) - b.coeff(k);
    r.trim();
    return r;
  }
  friend Polynomial operator*(const Polynomial &a, const Polynomial &b) {
    Polynomial r;
    if (a.isZero() || b.isZero())
      return r;
    r.coeffs.assign(a.coeffs.size() + b.coeffs.size() - 1, T(0));
    for (size_t i = 0; i < a.coeffs.size(); ++i)
      for (size_t j = 0; j < b.coeffs.size(); ++j)
        r.coeffs[i + j] += a.coeffs[i] * b.coeffs[j];
    r.trim();
    return r;
  }
};

} // namespace odec
