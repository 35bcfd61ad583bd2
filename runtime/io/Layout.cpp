#include "io/Layout.h"

namespace odec {

std::string TensorSlot::typeName() const {
  switch (rank) {
  case 0:
    return "Real";
  case 1:
    return "Vector{" + std::to_string(rows) + "}";
  default:
    return "Matrix{" + std::to_string(rows) + "," + std::to_string(cols) + "}";
  }
}

int64_t flatSize(const std::vector<TensorSlot> &slots) {
  int64_t n = 0;
  for (const TensorSlot &s : slots)
    n += s.size();
  return n;
}

std::vector<std::string> columnNames(const std::vector<TensorSlot> &slots) {
  std::vector<std::string> names;
  for (const TensorSlot &s : slots) {
    if (s.rank == 0) {
      names.push_back(s.name);
      continue;
    }
    for (int i = 0; i < s.rows; ++i)
      for (int j = 0; j < s.cols; ++j)
        names.push_back(s.rank == 1 ? s.name + "[" + std::to_string(i + 1) + "]"
                                    : s.name + "[" + std::to_string(i + 1) + "," +
                                          std::to_string(j + 1) + "]");
  }
  return names;
}

} // namespace odec
