// The random numbers behind every seeded result of odec. Self-contained (xoshiro256**,
// seeded with splitmix64; uniform from 53 bits; Box–Muller normals) so the same seed gives
// bit-identical numbers on every platform and standard library — std::normal_distribution
// does not promise that.
#pragma once

#include <cstdint>

namespace odec {

class Random {
public:
  explicit Random(uint64_t seed);
  uint64_t next();
  /// Uniform in [0, 1).
  double uniform();
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal.
  double normal();
  double normal(double mean, double std) { return mean + std * normal(); }

private:
  uint64_t s_[4];
};

} // namespace odec
