// C++ identifiers for the names in a model: odec identifiers may be C++ keywords (`double`,
// `class`) or contain non-ASCII letters (`θ`), and generated code declares names of its own
// (loop indices, function arguments) beside the user's. A CppNameScope hands out each name
// once, so user names and generated ones never collide within one C++ scope.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>

namespace odec::codegen {

/// A valid C++ identifier as close to `name` as possible: ASCII letters, digits and `_` are
/// kept; Greek letters become their names (`θ` → `theta`, `Δ` → `Delta`); any other code point
/// becomes `u` + its hex value (`u2202`). Keywords and names reserved to the implementation
/// (a leading `_`, or `__` anywhere) are changed too (`double` → `double_`, `_x` → `v_x`).
std::string cppIdentifier(const std::string &name);

class CppNameScope {
public:
  /// Claims cppIdentifier(name), or that with `_2`, `_3`, ... appended when it is taken.
  std::string claim(const std::string &name);

private:
  std::unordered_set<std::string> taken_;
  std::unordered_map<std::string, int> nextSuffix_; // per base: the first suffix not yet tried
};

} // namespace odec::codegen
