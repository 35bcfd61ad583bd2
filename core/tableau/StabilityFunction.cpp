#include "tableau/StabilityFunction.h"

#include "tableau/NumericTableau.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace odec {

std::complex<double> StabilityFunction::operator()(std::complex<double> z) const {
  std::complex<double> p = numerator(z), q = denominator(z);
  if (q == 0.0)
    return p == 0.0 ? std::complex<double>(std::numeric_limits<double>::quiet_NaN())
                    : std::complex<double>(std::numeric_limits<double>::infinity());
  return p / q;
}

// det(I − zM) for the s x s row-major M. Faddeev–LeVerrier: with χ(λ) = Σ c_k λ^k, c_s = 1,
//   M_0 = 0,  M_k = M M_{k−1} + c_{s−k+1} I,  c_{s−k} = −tr(M M_k) / k,
// and det(I − zM) = Σ_j c_{s−j} z^j.
template <class T> static Polynomial<T> detIMinusZM(const std::vector<T> &M, size_t s) {
  std::vector<T> Mk(s * s, T(0)), MMk(s * s, T(0));
  std::vector<T> coeffs{T(1)}; // coeffs[j] = c_{s−j}
  for (size_t k = 1; k <= s; ++k) {
    // Mk <- M·Mk + c_{s−k+1} I (M·M_{k−1} is MMk from the previous round).
    for (size_t i = 0; i < s * s; ++i)
      Mk[i] = MMk[i];
    for (size_t i = 0; i < s; ++i)
      Mk[i * s + i] += coeffs.back();
    T trace(0);
    for (size_t i = 0; i < s; ++i)
      for (size_t j = 0; j < s; ++j) {
        T sum(0);
        for (size_t l = 0; l < s; ++l)
          sum += M[i * s + l] * Mk[l * s + j];
        MMk[i * s + j] = sum;
        if (i == j)
          trace += sum;
      }
    coeffs.push_back(-trace / T(int64_t(k)));
  }
  return Polynomial<T>(std::move(coeffs));
}

// An explicit method's R is the polynomial 1 + Σ_k (bᵀ A^(k−1) 1) z^k. In double this is
// accurate where Faddeev–LeVerrier is not: its high coefficients (1/20! and less) come out
// of cancellation, and trimming at kTableauTolerance would drop them, leaving a polynomial
// of the wrong degree that looks stable at −∞. Only structural zeros (A^k = 0) are dropped.
static Polynomial<double> explicitNumerator(const NumericTableau<double> &t) {
  const size_t s = size_t(t.s);
  Polynomial<double> P;
  P.coeffs.push_back(1.0);
  std::vector<double> v(s, 1.0), next(s); // A^(k−1) 1
  for (size_t k = 1; k <= s; ++k) {
    double c = 0;
    for (size_t i = 0; i < s; ++i)
      c += t.b[i] * v[i];
    P.coeffs.push_back(c);
    for (size_t i = 0; i < s; ++i) {
      next[i] = 0;
      for (size_t j = 0; j < i; ++j)
        next[i] += t.A[i * s + j] * v[j];
    }
    v.swap(next);
  }
  while (P.coeffs.back() == 0)
    P.coeffs.pop_back();
  return P;
}

template <class T>
static StabilityFunction compute(const NumericTableau<T> &t, bool isExplicit) {
  const size_t s = size_t(t.s);
  std::vector<T> AminusOneB = t.A; // A − 1bᵀ: subtract b_j from every row's column j
  for (size_t i = 0; i < s; ++i)
    for (size_t j = 0; j < s; ++j)
      AminusOneB[i * s + j] -= t.b[j];
  Polynomial<T> P, Q;
  if constexpr (std::is_same_v<T, double>)
    if (isExplicit) {
      P = explicitNumerator(t);
      Q = Polynomial<double>({1.0});
    }
  if (P.isZero()) {
    P = detIMinusZM(AminusOneB, s);
    Q = detIMinusZM(t.A, s);
  }
  StabilityFunction R;
  if constexpr (std::is_same_v<T, Rational>) {
    R.exact = true;
    R.numeratorExact = P;
    R.denominatorExact = Q;
  }
  R.numerator = P.toDouble();
  R.denominator = Q.toDouble();
  return R;
}

StabilityFunction stabilityFunction(const ButcherTableau &t) {
  StabilityFunction R = exactOrDouble(t, [explicitOne = t.isExplicit()](const auto &n) {
    return compute(n, explicitOne);
  });
  const NumericTableau<double> n = NumericTableau<double>::from(t);
  R.stages = n.s;
  R.A = n.A;
  R.b = n.b;
  return R;
}

double StabilityFunction::realValue(double x) const {
  const size_t s = size_t(stages);
  std::vector<double> M(s * s), Y(s, 1.0);
  bool lower = true;
  for (size_t i = 0; i < s; ++i)
    for (size_t j = 0; j < s; ++j) {
      M[i * s + j] = (i == j ? 1.0 : 0.0) - x * A[i * s + j];
      lower = lower && (j < i || A[i * s + j] == 0);
    }
  if (lower) { // explicit: the stages one after the other
    for (size_t i = 0; i < s; ++i)
      for (size_t j = 0; j < i; ++j)
        Y[i] -= M[i * s + j] * Y[j];
  } else {
    for (size_t p = 0; p < s; ++p) {
      size_t pivot = p;
      for (size_t i = p + 1; i < s; ++i)
        if (std::abs(M[i * s + p]) > std::abs(M[pivot * s + p]))
          pivot = i;
      if (M[pivot * s + p] == 0)
        return std::numeric_limits<double>::quiet_NaN();
      for (size_t j = 0; j < s; ++j)
        std::swap(M[p * s + j], M[pivot * s + j]);
      std::swap(Y[p], Y[pivot]);
      for (size_t i = p + 1; i < s; ++i) {
        const double f = M[i * s + p] / M[p * s + p];
        for (size_t j = p; j < s; ++j)
          M[i * s + j] -= f * M[p * s + j];
        Y[i] -= f * Y[p];
      }
    }
    for (size_t i = s; i-- > 0;) {
      for (size_t j = i + 1; j < s; ++j)
        Y[i] -= M[i * s + j] * Y[j];
      Y[i] /= M[i * s + i];
    }
  }
  double r = 1;
  for (size_t i = 0; i < s; ++i)
    r += x * b[i] * Y[i];
  return r;
}

} // namespace odec
