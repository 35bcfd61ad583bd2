// Exact rational numbers for Butcher-tableau coefficients and their analysis (order
// conditions, stability polynomials). 64-bit numerator and denominator, always reduced,
// denominator positive; every operation checks for overflow and throws RationalOverflow
// rather than return a wrong value.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace odec {

struct RationalOverflow : std::overflow_error {
  RationalOverflow() : std::overflow_error("rational arithmetic overflowed 64 bits") {}
};

class Rational {
public:
  Rational() = default;
  Rational(int64_t n) : num_(n) {} // NOLINT: integers convert implicitly, as in math
  /// Throws std::domain_error when d == 0.
  Rational(int64_t n, int64_t d);

  int64_t num() const { return num_; }
  int64_t den() const { return den_; }
  double toDouble() const { return double(num_) / double(den_); }
  bool isZero() const { return num_ == 0; }
  bool isInteger() const { return den_ == 1; }
  /// "1//6", "-2", "0".
  std::string str() const;

  friend Rational operator+(Rational a, Rational b);
  friend Rational operator-(Rational a, Rational b);
  friend Rational operator*(Rational a, Rational b);
  /// Throws std::domain_error on division by zero.
  friend Rational operator/(Rational a, Rational b);
  Rational operator-() const;
  Rational &operator+=(Rational b) { return *this = *this + b; }
  Rational &operator-=(Rational b) { return *this = *this - b; }
  Rational &operator*=(Rational b) { return *this = *this * b; }
  Rational &operator/=(Rational b) { return *this = *this / b; }
  friend bool operator==(Rational a, Rational b) { return a.num_ == b.num_ && a.den_ == b.den_; }
  friend bool operator!=(Rational a, Rational b) { return !(a == b); }
  friend bool operator<(Rational a, Rational b);

private:
  static Rational fromWide(__int128 n, __int128 d);
  int64_t num_ = 0;
  int64_t den_ = 1;
};

} // namespace odec
