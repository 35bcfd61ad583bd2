#include "init/Spectrum.h"

#include "tableau/StabilityRegion.h"

#include <algorithm>
#include <limits>

namespace odec {

std::vector<std::complex<double>> sortedEigenvalues(const Eigen::MatrixXd &J) {
  if (!J.allFinite())
    return {};
  Eigen::EigenSolver<Eigen::MatrixXd> solver(J, /*computeEigenvectors=*/false);
  Eigen::VectorXcd ev = solver.eigenvalues();
  std::vector<std::complex<double>> out(ev.data(), ev.data() + ev.size());
  std::sort(out.begin(), out.end(), [](std::complex<double> a, std::complex<double> b) {
    return a.real() != b.real() ? a.real() < b.real() : a.imag() < b.imag();
  });
  return out;
}

Spectrum spectrumOf(const std::vector<Eigen::MatrixXd> &jacobians, double h,
                    const StabilityFunction &R) {
  Spectrum s;
  for (const Eigen::MatrixXd &J : jacobians) {
    s.eigenvalues.push_back(sortedEigenvalues(J));
    if (s.eigenvalues.back().empty() && J.size() > 0)
      s.maxAbsR = std::numeric_limits<double>::infinity();
    for (std::complex<double> lambda : s.eigenvalues.back())
      s.maxAbsR = std::max(s.maxAbsR, amplification(R, h * lambda));
  }
  return s;
}

} // namespace odec
