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

  /// R(z); infinite at poles where P does not vanish.
  std::complex<double> operator()(std::complex<double> z) const;
};

/// R = P/Q, exact when the tableau is (falls back to double if exact arithmetic overflows).
StabilityFunction stabilityFunction(const ButcherTableau &t);

} // namespace odec
