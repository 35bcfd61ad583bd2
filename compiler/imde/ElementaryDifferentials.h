// Elementary differentials of a vector field, as IR: F(•) = f and
// F([t1 .. tm]) = f^(m)(F(t1), .., F(tm)), the m-th derivative of f applied to
// the fields of the subtrees (f′f, f″(f,f), f′f′f, ...). A field is a tuple,
// one expression per state.
//
// f^(m)(v1, .., vm) is built once per m by m nested forward-mode sweeps along
// fresh tangent Variables v_j (independent of the states, so each sweep
// differentiates f alone), then each tree substitutes its subtrees'
// differentials for the v_j. Results are memoized per tree.
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace odec::imde {

using Field = std::vector<ir::Expr>; // one expression per state, shaped like it

class ElementaryDifferentials {
public:
  /// `field[i]` is ddt of `states[i]` (Variable nodes).
  ElementaryDifferentials(Field field, std::vector<ir::Expr> states);

  /// F(t) for the tree with index `tree` in rootedTrees().
  const Field &of(int tree);

private:
  const Field &derivative(size_t m); // f^(m)(v_1, .., v_m)
  Field field_;
  std::vector<ir::Expr> states_;
  std::vector<std::vector<ir::Expr>> tangents_; // tangents_[j][i]: v_{j+1} for state i
  std::vector<Field> derivatives_;              // derivatives_[m]
  std::vector<Field> byTree_;                   // empty until computed
};

/// The usual name of F(t): "f", "f′f", "f″(f,f)", "f′f′f", "f‴(f,f,f)",
/// "f⁽⁴⁾(f,f,f,f)".
std::string differentialName(int tree);

} // namespace odec::imde
