// Butcher tableaux for the tests, written out by hand from their textbook definitions (the
// same as compiler/prelude/prelude.node), so the tests do not depend on the parser.
#pragma once

#include "tableau/ButcherTableau.h"

#include <cmath>
#include <vector>

namespace odec::test {

using Q = Rational;

inline ButcherTableau exact(const std::string &name, const std::vector<std::vector<Q>> &A,
                            const std::vector<Q> &b, const std::vector<Q> &c) {
  ButcherTableau t;
  t.name = name;
  t.stages = int(b.size());
  for (const auto &row : A)
    for (Q x : row)
      t.A.push_back(Coefficient::rational(x));
  for (Q x : b)
    t.b.push_back(Coefficient::rational(x));
  for (Q x : c)
    t.c.push_back(Coefficient::rational(x));
  return t;
}

inline ButcherTableau euler() { return exact("Euler", {{0}}, {1}, {0}); }
inline ButcherTableau midpoint() {
  return exact("Midpoint", {{0, 0}, {Q(1, 2), 0}}, {0, 1}, {0, Q(1, 2)});
}
inline ButcherTableau heun() { return exact("Heun", {{0, 0}, {1, 0}}, {Q(1, 2), Q(1, 2)}, {0, 1}); }
inline ButcherTableau ralston() {
  return exact("Ralston", {{0, 0}, {Q(2, 3), 0}}, {Q(1, 4), Q(3, 4)}, {0, Q(2, 3)});
}
inline ButcherTableau kutta3() {
  return exact("Kutta3", {{0, 0, 0}, {Q(1, 2), 0, 0}, {-1, 2, 0}}, {Q(1, 6), Q(2, 3), Q(1, 6)},
               {0, Q(1, 2), 1});
}
inline ButcherTableau ssprk3() {
  return exact("SSPRK3", {{0, 0, 0}, {1, 0, 0}, {Q(1, 4), Q(1, 4), 0}}, {Q(1, 6), Q(1, 6), Q(2, 3)},
               {0, 1, Q(1, 2)});
}
inline ButcherTableau rk4(std::vector<Q> b = {Q(1, 6), Q(1, 3), Q(1, 3), Q(1, 6)}) {
  return exact("RK4", {{0, 0, 0, 0}, {Q(1, 2), 0, 0, 0}, {0, Q(1, 2), 0, 0}, {0, 0, 1, 0}}, b,
               {0, Q(1, 2), Q(1, 2), 1});
}
inline ButcherTableau rk38() {
  return exact("RK38", {{0, 0, 0, 0}, {Q(1, 3), 0, 0, 0}, {Q(-1, 3), 1, 0, 0}, {1, -1, 1, 0}},
               {Q(1, 8), Q(3, 8), Q(3, 8), Q(1, 8)}, {0, Q(1, 3), Q(2, 3), 1});
}
inline ButcherTableau backwardEuler() { return exact("BackwardEuler", {{1}}, {1}, {1}); }
inline ButcherTableau implicitMidpoint() {
  return exact("ImplicitMidpoint", {{Q(1, 2)}}, {1}, {Q(1, 2)});
}
/// The θ-method y1 = y0 + h f((1−θ) y0 + θ y1) as a one-stage tableau.
inline ButcherTableau theta(Q th) { return exact("theta", {{th}}, {1}, {th}); }

/// Butcher's 7-stage method of order 6 (Butcher 1964; Hairer–Nørsett–Wanner, section II.5).
inline ButcherTableau butcher6() {
  return exact("Butcher6",
               {{0, 0, 0, 0, 0, 0, 0},
                {Q(1, 3), 0, 0, 0, 0, 0, 0},
                {0, Q(2, 3), 0, 0, 0, 0, 0},
                {Q(1, 12), Q(1, 3), Q(-1, 12), 0, 0, 0, 0},
                {Q(-1, 16), Q(9, 8), Q(-3, 16), Q(-3, 8), 0, 0, 0},
                {0, Q(9, 8), Q(-3, 8), Q(-3, 4), Q(1, 2), 0, 0},
                {Q(9, 44), Q(-9, 11), Q(63, 44), Q(18, 11), 0, Q(-16, 11), 0}},
               {Q(11, 120), 0, Q(27, 40), Q(27, 40), Q(-4, 15), Q(-4, 15), Q(11, 120)},
               {0, Q(1, 3), Q(2, 3), Q(1, 3), Q(1, 2), Q(1, 2), 1});
}

/// 3-stage Gauss–Legendre, order 6, coefficients involving √15.
inline ButcherTableau gaussLegendre3() {
  const double r = std::sqrt(15.0);
  ButcherTableau t;
  t.name = "GaussLegendre3";
  t.stages = 3;
  for (double a : {5.0 / 36, 2.0 / 9 - r / 15, 5.0 / 36 - r / 30, 5.0 / 36 + r / 24, 2.0 / 9,
                   5.0 / 36 - r / 24, 5.0 / 36 + r / 30, 2.0 / 9 + r / 15, 5.0 / 36})
    t.A.push_back(Coefficient::real(a));
  for (double b : {5.0 / 18, 4.0 / 9, 5.0 / 18})
    t.b.push_back(Coefficient::real(b));
  for (double c : {0.5 - r / 10, 0.5, 0.5 + r / 10})
    t.c.push_back(Coefficient::real(c));
  return t;
}

inline ButcherTableau gaussLegendre2() {
  const double r = std::sqrt(3.0) / 6;
  ButcherTableau t;
  t.name = "GaussLegendre2";
  t.stages = 2;
  t.A = {Coefficient::rational(Q(1, 4)), Coefficient::real(0.25 - r), Coefficient::real(0.25 + r),
         Coefficient::rational(Q(1, 4))};
  t.b = {Coefficient::rational(Q(1, 2)), Coefficient::rational(Q(1, 2))};
  t.c = {Coefficient::real(0.5 - r), Coefficient::real(0.5 + r)};
  return t;
}

} // namespace odec::test
