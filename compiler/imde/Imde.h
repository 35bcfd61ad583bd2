// The inverse modified differential equation (IMDE) of a model's field for a
// Runge–Kutta tableau, as IR: f_h = f_0 + h f_1 + .. + h^K f_K with f_0 = f
// (for a consistent method) and
//   f_k = Σ_{trees t with k+1 vertices} x(t)/σ(t) · F_f(t),
// x the substitution-law coefficients of imde/ModifyingSeries.h and F_f(t) the
// elementary differentials of imde/ElementaryDifferentials.h. One step of the
// method applied to f_h matches the exact flow of f up to O(h^{K+2}); Zhu et
// al. (ICML 2022) show training a neural ODE with that method learns f_h.
// Direction::Inverse gives instead the field g whose IMDE is f (the true field
// recovered from a learned one). Works for explicit and implicit tableaux.
#pragma once

#include "imde/ElementaryDifferentials.h"
#include "imde/ModifyingSeries.h"
#include "ir/Model.h"

#include <string>
#include <vector>

namespace odec::imde {

struct ImdeSeries {
  std::vector<Field> terms;          // terms[k] = f_k (without the factor h^k), k = 0..K
  std::vector<std::string> formulas; // formulas[k]: f_k in elementary differentials, "1//2 f′f"
  bool exact = false;                // coefficients are exact rationals
};

/// The series of `field` (ddt of `states`) to order K for tableau `t`.
/// Throws std::invalid_argument as modifyingCoefficients does.
ImdeSeries imdeSeries(const Field &field, const std::vector<ir::Expr> &states,
                      const ButcherTableau &t, int order, Direction dir);
ImdeSeries imdeSeries(const ir::ModelIR &m, const ButcherTableau &t, int order, Direction dir);

/// Term k of the series as a Function over the model's states and parameters
/// (outputs named "f_k[state]"), simplified and CSE'd, for printing and
/// evaluation.
ir::Function termFunction(const ir::ModelIR &m, const ImdeSeries &s, int k);

} // namespace odec::imde
