#include "support/Shape.h"

namespace odec {

std::string Shape::str() const {
  switch (kind) {
  case Kind::Scalar:
    return "Real";
  case Kind::Vector:
    return "Vector{" + std::to_string(rows) + "}";
  case Kind::RowVector:
    return "RowVector{" + std::to_string(cols) + "}";
  case Kind::Matrix:
    return "Matrix{" + std::to_string(rows) + "," + std::to_string(cols) + "}";
  }
  return "?";
}

} // namespace odec
