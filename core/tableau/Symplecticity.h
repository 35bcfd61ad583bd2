// Symplecticity of a Runge–Kutta method (Sanz-Serna's condition): the method preserves
// quadratic invariants, and is symplectic on Hamiltonian systems, iff
//   b_i a_ij + b_j a_ji − b_i b_j = 0   for all i, j.
// Exact when the tableau is, else to kTableauTolerance.
#pragma once

#include "tableau/ButcherTableau.h"

namespace odec {

bool isSymplectic(const ButcherTableau &t);

} // namespace odec
