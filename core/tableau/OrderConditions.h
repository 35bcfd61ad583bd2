// Runge–Kutta order conditions through Butcher's rooted trees. A method has order p when
// Φ(t) = 1/γ(t) for every rooted tree t with at most p vertices, where
//   γ(t)  = |t| · Π γ(children)                         (the tree's density), and
//   Φ(t)  = bᵀ g(t),  g(t)_i = Π_{children u} (A g(u))_i  (its elementary weight; g(•) = 1).
// This is the general form: it does not assume the row-sum condition c = A·1, which is
// reported separately (methods that violate it have order conditions of their own for
// non-autonomous problems). Exact in Rational arithmetic when the tableau is, else in double
// with tolerance kTableauTolerance.
#pragma once

#include "tableau/ButcherTableau.h"

#include <cstdint>
#include <string>
#include <vector>

namespace odec {

/// Trees are checked up to this order (37 trees); a method satisfying all of them is
/// reported as order kMaxCheckedOrder, meaning "at least".
inline constexpr int kMaxCheckedOrder = 6;

/// A rooted tree as the multiset of its root's subtrees, given as indices into rootedTrees()
/// in nondecreasing order (so every tree has exactly one representation).
struct RootedTree {
  int order = 1;             // number of vertices
  std::vector<int> children; // indices of the subtrees hanging from the root
  int64_t density = 1;       // γ(t)
  int64_t symmetry = 1;      // σ(t): the order of the tree's automorphism group
};

/// All rooted trees with at most kMaxCheckedOrder vertices, by nondecreasing order; index 0
/// is the single vertex •. (1, 1, 2, 4, 9, 20 trees of orders 1..6.)
const std::vector<RootedTree> &rootedTrees();

/// Butcher's bracket notation: "τ", "[τ]", "[τ τ]", "[[τ]]", ...
std::string treeNotation(int index);

struct OrderConditions {
  int order = 0;                 // highest p with all conditions up to p (0: Σb ≠ 1)
  bool exact = false;            // decided in exact arithmetic
  bool rowSumConsistent = false; // c_i = Σ_j a_ij for every stage
  int firstFailedTree = -1;      // index of the first tree whose condition fails, or -1
};

OrderConditions checkOrderConditions(const ButcherTableau &t);

/// The order of a tableau's continuous extension (ButcherTableau::dense): the highest
/// p ≤ min(kMaxCheckedOrder, degree) with Σ_i b_i(θ) Φ_i(t) = θ^|t|/γ(t) for every θ and every
/// tree t of at most p vertices (so x_n + h Σ b_i(θ) K_i has local error O(h^(p+1)) at every
/// θ); -1 without one.
int denseOrder(const ButcherTableau &t);

} // namespace odec
