#include "tableau/Rational.h"

#include <limits>

namespace odec {

static __int128 gcd128(__int128 a, __int128 b) {
  if (a < 0)
    a = -a;
  if (b < 0)
    b = -b;
  while (b != 0) {
    __int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

Rational Rational::fromWide(__int128 n, __int128 d) {
  if (d == 0)
    throw std::domain_error("division by zero in a rational");
  if (d < 0) {
    n = -n;
    d = -d;
  }
  __int128 g = gcd128(n, d);
  if (g > 1) {
    n /= g;
    d /= g;
  }
  constexpr __int128 lo = std::numeric_limits<int64_t>::min() + 1; // keep negation safe
  constexpr __int128 hi = std::numeric_limits<int64_t>::max();
  if (n < lo || n > hi || d > hi)
    throw RationalOverflow();
  Rational r;
  r.num_ = int64_t(n);
  r.den_ = int64_t(d);
  return r;
}

Rational::Rational(int64_t n, int64_t d) { *this = fromWide(n, d); }

std::string Rational::str() const {
  return den_ == 1 ? std::to_string(num_) : std::to_string(num_) + "//" + std::to_string(den_);
}

Rational operator+(Rational a, Rational b) {
  return Rational::fromWide(__int128(a.num_) * b.den_ + __int128(b.num_) * a.den_,
                            __int128(a.den_) * b.den_);
}
Rational operator-(Rational a, Rational b) { return a + (-b); }
Rational operator*(Rational a, Rational b) {
  return Rational::fromWide(__int128(a.num_) * b.num_, __int128(a.den_) * b.den_);
}
Rational operator/(Rational a, Rational b) {
  return Rational::fromWide(__int128(a.num_) * b.den_, __int128(a.den_) * b.num_);
}
Rational Rational::operator-() const { return fromWide(-__int128(num_), den_); }
bool operator<(Rational a, Rational b) {
  return __int128(a.num_) * b.den_ < __int128(b.num_) * a.den_;
}

} // namespace odec
