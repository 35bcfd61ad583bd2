#include "sema/ShapeRules.h"

#include <algorithm>

namespace odec::sema {

using K = Shape::Kind;

std::optional<Shape> productShape(const Shape &a, const Shape &b) {
  if (a.cols != b.rows || (a.kind == K::Vector && b.kind == K::Vector))
    return std::nullopt;
  if (a.kind == K::RowVector && b.kind == K::Vector)
    return Shape::scalar();
  if (b.kind == K::Vector)
    return Shape::vector(a.rows);
  if (a.kind == K::RowVector && b.kind != K::Vector)
    return Shape::rowVector(b.cols);
  return Shape::matrix(a.rows, b.cols);
}

std::optional<Shape> broadcastShape(const Shape &a, const Shape &b) {
  if (a.isScalar())
    return b;
  if (b.isScalar())
    return a;
  auto fits = [](int x, int y) { return x == y || x == 1 || y == 1; };
  if (!fits(a.rows, b.rows) || !fits(a.cols, b.cols))
    return std::nullopt;
  int rows = std::max(a.rows, b.rows), cols = std::max(a.cols, b.cols);
  if (a.kind == b.kind)
    return Shape{a.kind, rows, cols};
  return Shape::matrix(rows, cols);
}

Shape transposeShape(const Shape &a) {
  switch (a.kind) {
  case K::Scalar:
    return a;
  case K::Vector:
    return Shape::rowVector(a.rows);
  case K::RowVector:
    return Shape::vector(a.cols);
  case K::Matrix:
    return Shape::matrix(a.cols, a.rows);
  }
  return a;
}

} // namespace odec::sema
