// Shape of an odec value: every value is a dense real scalar, vector or matrix whose
// sizes are known at compile time. Shared by semantic analysis and the IR.
#pragma once

#include <cstdint>
#include <string>

namespace odec {

/// Storage is always `rows x cols`, row-major. The kind keeps Julia's distinction
/// between a vector (n x 1), its transpose (a 1 x n row) and a matrix, which decides
/// what `*` and `'` mean and how values print.
struct Shape {
  enum class Kind : uint8_t { Scalar, Vector, RowVector, Matrix };
  Kind kind = Kind::Scalar;
  int rows = 1;
  int cols = 1;

  static Shape scalar() { return {Kind::Scalar, 1, 1}; }
  static Shape vector(int n) { return {Kind::Vector, n, 1}; }
  static Shape rowVector(int n) { return {Kind::RowVector, 1, n}; }
  static Shape matrix(int m, int n) { return {Kind::Matrix, m, n}; }

  bool isScalar() const { return kind == Kind::Scalar; }
  bool isVector() const { return kind == Kind::Vector; }
  int64_t size() const { return int64_t(rows) * cols; }

  /// Same kind and sizes.
  bool operator==(const Shape &o) const {
    return kind == o.kind && rows == o.rows && cols == o.cols;
  }
  bool operator!=(const Shape &o) const { return !(*this == o); }

  /// Julia-style spelling: `Real`, `Vector{3}`, `Matrix{2,3}`; a row prints as `Matrix{1,3}`'s
  /// transpose-of-vector form `RowVector{3}`.
  std::string str() const;
};

/// Largest number of elements a single value may have. Bigger shapes are user errors,
/// reported before anything is allocated.
constexpr int64_t kMaxElements = int64_t(1) << 24;

} // namespace odec
