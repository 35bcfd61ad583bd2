// Everything odec knows about a Butcher tableau in one record: order, stability function and
// region summaries, A-stability and symplecticity, with a human-readable text form. (The
// JSON form lives in io/TableauJson.h: the runtime core links no JSON library.)
#pragma once

#include "tableau/ButcherTableau.h"
#include "tableau/OrderConditions.h"
#include "tableau/StabilityFunction.h"
#include "tableau/StabilityRegion.h"

#include <optional>
#include <string>

namespace odec {

struct TableauReport {
  std::string name;
  int stages = 0;
  bool isExplicit = false;
  bool diagonallyImplicit = false; // A lower triangular with a nonzero diagonal (SolverPlan)
  bool exact = false;            // every coefficient rational
  OrderConditions order;         // order.order is the order (≤ kMaxCheckedOrder)
  bool rowSumConsistent = false; // c = A·1
  StabilityFunction stability;
  RealInterval realInterval;
  double imaginaryExtent = 0;
  bool aStable = false;
  bool symplectic = false;
  /// First same as last (SolverPlan::fsal).
  bool fsal = false;
  /// An embedded pair's second method (A, c with bhat as weights): its order and stability.
  struct Embedded {
    OrderConditions order;
    StabilityFunction stability;
    RealInterval realInterval;
    double imaginaryExtent = 0;
    /// The adaptive solver's output between step ends (SolverPlan::dense): the tableau's own
    /// continuous extension and its order (denseOrder), or the cubic Hermite interpolant
    /// (order 3).
    bool hermite = false;
    int denseOrder = 3;
  };
  std::optional<Embedded> embedded;
};

TableauReport analyzeTableau(const ButcherTableau &t);

/// "1 + z + 1//2 z^2" (exact) or "1 + 0.5 z^2" (double); "0" for the zero polynomial.
std::string formatPolynomial(const StabilityFunction &R, bool numerator);

/// A few aligned lines, e.g.
///   tableau RK4: 4 stages, explicit, exact coefficients
///     order              4 (row sums c = A·1 hold)
///     stability function R(z) = 1 + z + 1//2 z^2 + 1//6 z^3 + 1//24 z^4
///     ...
std::string formatReport(const TableauReport &r);

} // namespace odec
