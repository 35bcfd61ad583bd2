// Where a Runge–Kutta method is stable: the set of z = hλ with |R(z)| ≤ 1, queried
// pointwise and summarized along the axes, plus A-stability.
//
// Both axis summaries reduce to the sign of a real polynomial f with f(0) = 0 (|R(0)| = 1):
//   real axis       F(x) = Q(x)² − P(x)²            (|R(x)| ≤ 1  ⇔  F(x) ≥ 0)
//   imaginary axis  E(y) = |Q(iy)|² − |P(iy)|²      (|R(iy)| ≤ 1 ⇔  E(y) ≥ 0)
// A pole where P ≠ 0 makes f negative, so it ends a stable stretch as it should. f is formed
// exactly when R is. Next to 0 the sign of f is that of its lowest nonzero term (exact);
// beyond Fujiwara's root bound B it is that of its leading term (so an explicit method, R a
// polynomial, always has a finite interval); in between f is sampled at 2^18 points per side,
// x_j = B (j/2^18)³ (densest near 0, where intervals end), and the first sign change is
// narrowed to 1e-13 relative, 64 sub-steps a round so that the first of several roots in a
// bracket is kept. On the real axis the sign is taken from R(x) computed by one step of the
// method (StabilityFunction::realValue), not from F: in the monomial basis F's terms cancel
// catastrophically once the c_i are a few units. (An unstable gap narrower than the local
// spacing, 3 B^(1/3) x^(2/3) / 2^18, could in principle be missed.)
#pragma once

#include "tableau/StabilityFunction.h"

#include <complex>

namespace odec {

/// |R(z)|; +inf at a pole.
double amplification(const StabilityFunction &R, std::complex<double> z);

/// |R(z)| ≤ margin.
bool inside(const StabilityFunction &R, std::complex<double> z, double margin = 1.0);

/// The connected interval [left, right] of the real axis around 0⁻ on which |R| ≤ 1.
/// left = −inf when it is unbounded; right is 0 for every consistent method (R'(0) = 1), and
/// the interval is [0, 0] when even 0⁻ is unstable.
struct RealInterval {
  double left = 0;
  double right = 0;
};
RealInterval realStabilityInterval(const StabilityFunction &R);

/// The largest y with |R(it)| ≤ 1 for all t in [0, y]: 0 when the method is unstable just
/// above the origin (forward Euler), +inf when the whole imaginary axis is stable.
double imaginaryExtent(const StabilityFunction &R);

/// A-stable: the closed left half plane is stable. Decided as
///  (1) no poles with Re z ≤ 0: Routh–Hurwitz on Q(−z), exact when R is; and
///  (2) E(y) ≥ 0 for all real y: exact when E's coefficients are all ≥ 0 (then it holds) or
///      its lowest or leading coefficient is negative (then it fails); otherwise by the
///      sampling scan of imaginaryExtent (holds iff the extent is infinite).
/// Common factors of P and Q are not cancelled, so a reducible method can be misjudged.
bool isAStable(const StabilityFunction &R);

} // namespace odec
