// The spectrum that stability-informed initialization constrains: the eigenvalues λ of the
// state Jacobian ∂f/∂x at each operating point, and how close the solver comes to
// instability on them, max |R(hλ)| (science.md §1).
#pragma once

#include "tableau/StabilityFunction.h"

#include <Eigen/Dense>
#include <complex>
#include <vector>

namespace odec {

struct Spectrum {
  /// eigenvalues[k]: the eigenvalues λ of the Jacobian at operating point k, sorted by real
  /// part, then imaginary part (so results compare and print the same on every run).
  std::vector<std::vector<std::complex<double>>> eigenvalues;
  /// max over all points and eigenvalues of |R(hλ)|; +inf when a Jacobian is not finite.
  double maxAbsR = 0;
};

/// Eigenvalues of a real square matrix (Eigen's EigenSolver), sorted as in Spectrum; empty
/// when the matrix has a non-finite entry.
std::vector<std::complex<double>> sortedEigenvalues(const Eigen::MatrixXd &J);

/// The spectrum of the Jacobians at the operating points, scaled by the step h for R.
Spectrum spectrumOf(const std::vector<Eigen::MatrixXd> &jacobians, double h,
                    const StabilityFunction &R);

} // namespace odec
