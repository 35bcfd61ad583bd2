// Prior distributions of model parameters, as declared with `param w::T ~ Prior(...)`.
#pragma once

#include <string>

namespace odec {

struct Prior {
  enum class Kind {
    Normal,  // Normal(mean, std)
    Uniform, // Uniform(lo, hi)
    Zeros,   // Zeros()
    Ones,    // Ones()
    Glorot,  // Glorot(): uniform on ±sqrt(6 / (fan_in + fan_out))
    Constant // Constant(v)
  };
  Kind kind = Kind::Zeros;
  double a = 0; // mean / lo / v
  double b = 0; // std / hi
  std::string str() const;
};

} // namespace odec
