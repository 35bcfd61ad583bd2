// The comparison the code-path cross-checks share: the largest difference of two results
// relative to the reference's scale.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace odec::test {

/// max |a − b| / max |b|: the error relative to the result's scale (sizes must match).
inline double relativeError(const std::vector<double> &a, const std::vector<double> &b) {
  EXPECT_EQ(a.size(), b.size());
  double err = 0, scale = 1e-300;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    err = std::max(err, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return err / scale;
}

} // namespace odec::test
