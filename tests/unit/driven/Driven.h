// A driven test model (two inputs of different interpolations, t in the field) and the
// irregularly sampled input signals it reads, shared by the fixed-step and adaptive tests.
#pragma once

#include "odec/odec.h"

#include <cmath>

namespace odec::test {

inline const char *kDriven = R"(
model Driven
    state x::Vector{2}
    input u::Vector{2} ~ CubicSpline()
    input v::Real ~ Linear()
    param W1::Matrix{8,4} ~ Glorot()
    param b1::Vector{8} ~ Normal(0, 0.1)
    param W2::Matrix{2,8} ~ Glorot()
    h = tanh.(W1 * [x; u] .+ b1)
    ddt(x) = W2 * h .- 0.3 .* x .+ v .* sin(2 * t)
end
)";

// ẋ = A x + B u with u held between its samples: exact solutions from the matrix exponential.
inline const char *kHeldLinear = R"(
model Linear
    state x::Vector{2}
    input u::Real ~ Hold()
    param A::Matrix{2,2} ~ Zeros()
    param B::Vector{2} ~ Zeros()
    ddt(x) = A * x .+ B .* u
end
)";

inline odec::InputSamples signal(int seed) {
  odec::InputSamples s;
  for (int k = 0; k <= 12; ++k) { // irregular sample times covering [0, 1.2]
    const double t = 0.1 * k + (k > 0 && k < 12 ? 0.02 * std::sin(seed + k) : 0.0);
    s.times.push_back(t);
    s.values.push_back(std::sin(3 * t + seed));
    s.values.push_back(std::cos(2 * t - seed));
    s.values.push_back(0.5 + 0.1 * seed * t);
  }
  return s;
}

} // namespace odec::test
