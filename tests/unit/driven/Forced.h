// The non-autonomous test field ẋ = −k x + sin t (k = 1) and its analytic solution, shared by
// the driven solver tests.
#pragma once

#include <cmath>

namespace odec::test {

// x(t) = (x(t0) − s(t0)) e^{−(t−t0)} + s(t), s(t) = (sin t − cos t)/2.
inline double forced(double x0, double t0, double t) {
  auto s = [](double u) { return (std::sin(u) - std::cos(u)) / 2; };
  return (x0 - s(t0)) * std::exp(-(t - t0)) + s(t);
}

inline const char *kForced = R"(
model Forced
    state x::Real
    param k::Real ~ Constant(1)
    ddt(x) = -k * x + sin(t)
end
)";

} // namespace odec::test
