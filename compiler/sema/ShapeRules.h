// Julia's shape rules for the model language's operators, as sema enforces them (strict:
// `+` needs equal shapes; broadcasting only through dot operators).
#pragma once

#include "support/Shape.h"

#include <optional>

namespace odec::sema {

/// `a * b` with a and b arrays (not scalars): Matrix*Vector is a Vector, RowVector*Vector a
/// Real, Vector*RowVector a Matrix, RowVector*Matrix a RowVector. Nullopt when the inner
/// dimensions differ or both are Vectors (Julia has no Vector*Vector).
std::optional<Shape> productShape(const Shape &a, const Shape &b);

/// `a .op b`: a scalar takes the other's shape; otherwise each dimension must be equal or
/// 1 and the result has the larger; equal kinds keep their kind, mixed kinds give a Matrix.
std::optional<Shape> broadcastShape(const Shape &a, const Shape &b);

/// `a'`: a Vector becomes a RowVector and back, a Matrix swaps its dimensions.
Shape transposeShape(const Shape &a);

} // namespace odec::sema
