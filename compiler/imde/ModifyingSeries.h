// The B-series coefficients of the inverse modified differential equation
// (IMDE) of a Runge–Kutta method, and of its inverse, in exact arithmetic where
// the tableau allows.
//
// Notation (Hairer–Lubich–Wanner; Chartier–Hairer–Vilmart 2007/2010). A
// B-series with coefficients c is  B(c, f)(x) = x + Σ_t h^|t| c(t)/σ(t)
// F_f(t)(x)  over rooted trees t, with F_f(t) the elementary differential of
// the field f (F(•) = f, F([t1..tm]) = f^(m)(F(t1),..,F(tm))).
//   - one step of the RK method is B(a, f) with a(t) = Φ(t) = bᵀ g(t) (its
//   elementary weights);
//   - the exact flow is B(e, f) with e(t) = 1/γ(t).
// A modified field h·f_h = Σ_t h^|t| β(t)/σ(t) F_f(t) is itself a B-series
// (β(∅) = 0), and the substitution law says  B(a, f_h) = B(β ⋆ a, f)  with
//   (β ⋆ a)(t) = Σ_{partitions P of t} a(skeleton_P(t)) Π_{s ∈ P} β(s),
// where a partition cuts any subset of t's edges (on one labelled copy of t), P
// is the set of subtrees that remain and the skeleton is t with each of them
// contracted to a vertex.
//
// IMDE:    Φ_h[f_h] = φ_h[f]  ⇔  β ⋆ a = e.
// Inverse: the g whose IMDE is a given f satisfies Φ_h[f] = φ_h[g]  ⇔  μ ⋆ e =
// a
//          (g is the method's ordinary modified equation, backward error
//          analysis, of f).
// Both are "solve x ⋆ p = q": the uncut partition contributes p(•)·x(t) and
// every other one involves only smaller trees, so x is found tree by tree in
// order of size. The field's term of order k is then f_k = Σ_{|t| = k+1}
// x(t)/σ(t) F_f(t).
#pragma once

#include "tableau/ButcherTableau.h"

#include <vector>

namespace odec::imde {

enum class Direction {
  Forward, // the IMDE of the field: what training with this method learns
  Inverse  // the field whose IMDE is the given one: the true field recovered
           // from a learned one
};

/// Terms f_0..f_K can be computed for K ≤ maxImdeOrder() = 5 (trees of up to kMaxCheckedOrder
/// vertices).
int maxImdeOrder();

struct SeriesCoefficients {
  /// coefficient[t] = x(t) for every tree index t (rootedTrees()) of at most
  /// order+1 vertices.
  std::vector<Coefficient> coefficient;
  bool exact = false; // computed in Rational arithmetic
};

/// The coefficients x(t) described above for trees of up to order+1 vertices.
/// Throws std::invalid_argument when order is out of [0, maxImdeOrder()] or the
/// method's weights sum to zero (it then has no modified equation).
SeriesCoefficients modifyingCoefficients(const ButcherTableau &t, int order, Direction dir);

} // namespace odec::imde
