// How named tensors (states, parameters) sit in one flat vector of doubles: the ABI between
// compiled kernels (which see flat arrays) and everything that names things (files, users).
#pragma once

#include "prior/Prior.h"

#include <cstdint>
#include <string>
#include <vector>

namespace odec {

/// One named tensor in a flat vector. rank 0 = Real, 1 = Vector{rows}, 2 = Matrix{rows,cols};
/// elements are row-major from `offset`.
struct TensorSlot {
  std::string name;
  int rank = 0;
  int rows = 1;
  int cols = 1;
  int64_t offset = 0;
  Prior prior; // parameters only

  int64_t size() const { return int64_t(rows) * cols; }
  /// `Real`, `Vector{3}`, `Matrix{2,3}`.
  std::string typeName() const;
};

/// Total elements of all slots.
int64_t flatSize(const std::vector<TensorSlot> &slots);

/// Column names of a flat state vector, 1-based like Julia: `x[1]`, `x[2]`, `k` (a Real),
/// `W[1,2]` (a matrix, row-major).
std::vector<std::string> columnNames(const std::vector<TensorSlot> &slots);

} // namespace odec
