// The stability function of a Runge–Kutta method: applied to y' = λy with step h, one step
// multiplies y by R(z), z = hλ, where
//   R(z) = P(z) / Q(z),  P(z) = det(I − zA + z·1bᵀ),  Q(z) = det(I − zA).
// Both determinants are det(I − zM) = z^s χ_M(1/z) for M = A − 1bᵀ and M = A, so their
// coefficients are those of the characteristic polynomial χ_M reversed. We compute χ_M by
// the Faddeev–LeVerrier recurrence: it needs only matrix products, traces and division by
// integers, so it is exact over Rational, needs no pivoting, and the same template serves
// the double path. Hence P(0) = Q(0) = 1 by construction. P and Q are not reduced by
// common factors (only reducible methods have any).
#pragma once

#include "tableau/ButcherTableau.h"
#include "tableau/Polynomial.h"

#include <complex>

namespace odec {

struct StabilityFunction {
  bool exact = false;                    // numeratorExact/denominatorExact are set
  Polynomial<Rational> numeratorExact;   // P, lowest power first
  Polynomial<Rational> denominatorExact; // Q, Q(0) = 1
  Polynomial<double> numerator;          // P in double (always set)
  Polynomial<double> denominator;        // Q in double (always set)

  /// The tableau in double (A row-major), for realValue.
  int stages = 0;
  std::vector<double> A, b;

  /// R(z); infinite at poles where P does not vanish.
  std::complex<double> operator()(std::complex<double> z) const;

  /// R(x) for real x as one step of the method on y' = λy from y = 1: Y = (I − xA)⁻¹ 1 (forward
  /// substitution when A is strictly lower triangular, else elimination with partial pivoting),
  /// R = 1 + x bᵀY. Unlike P(x)/Q(x) in the monomial basis, whose terms cancel catastrophically
  /// for |x| of a few units when the c_i are large, this stays accurate. NaN at a pole.
  double realValue(double x) const;
};

/// R = P/Q, exact when the tableau is (falls back to double if exact arithmetic overflows).
StabilityFunction stabilityFunction(const ButcherTableau &t);

} // namespace odec
