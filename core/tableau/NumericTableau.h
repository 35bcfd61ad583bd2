// A Butcher tableau's coefficients in one number field T: Rational when every coefficient is
// rational (analysis is then exact: an order condition holds or it does not), double
// otherwise (comparisons use kTableauTolerance). Each analysis is written once as a template
// over T and run through exactOrDouble(), which picks the field.
#pragma once

#include "tableau/ButcherTableau.h"
#include "tableau/Polynomial.h"

#include <type_traits>
#include <vector>

namespace odec {

template <class T> struct NumericTableau {
  int s = 0;
  std::vector<T> A, b, c; // A row-major s x s
  std::vector<T> dense;   // s x degree (ButcherTableau::dense)
  int degree = 0;

  const T &a(int i, int j) const { return A[size_t(i) * s + j]; }

  static NumericTableau from(const ButcherTableau &t) {
    NumericTableau n;
    n.s = t.stages;
    auto convert = [](const std::vector<Coefficient> &in, std::vector<T> &out) {
      for (const Coefficient &x : in) {
        if constexpr (std::is_same_v<T, Rational>)
          out.push_back(*x.exact);
        else
          out.push_back(x.value);
      }
    };
    convert(t.A, n.A);
    convert(t.b, n.b);
    convert(t.c, n.c);
    convert(t.dense, n.dense);
    n.degree = t.denseDegree;
    return n;
  }
};

/// Runs `f(NumericTableau<Rational>)` when the tableau is exact, falling back to
/// `f(NumericTableau<double>)` when it is not or when exact arithmetic overflows 64 bits (a
/// tableau with huge denominators is still analysable, just not exactly). Returns f's result
/// and sets `exact` to whether the exact path produced it.
template <class F> auto exactOrDouble(const ButcherTableau &t, F &&f, bool *exact = nullptr) {
  if (t.isExact()) {
    try {
      auto r = f(NumericTableau<Rational>::from(t));
      if (exact)
        *exact = true;
      return r;
    } catch (const RationalOverflow &) {
    }
  }
  if (exact)
    *exact = false;
  return f(NumericTableau<double>::from(t));
}

} // namespace odec
