#include "init/TargetSpectrum.h"

#include "init/InitProblem.h"
#include "tableau/StabilityRegion.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace odec {

namespace {

// Where poles are drawn from: Re z in [left, 0), |Im z| ≤ top.
struct Box {
  double left = 0, top = 0;
};

Box samplingBox(const StabilityFunction &R, double margin) {
  RealInterval real = realStabilityInterval(R);
  if (!std::isfinite(real.left))
    return {-3, 3};
  double extent = imaginaryExtent(R);
  double cap = 2 * std::max({-real.left, std::isfinite(extent) ? extent : 0.0, 1.0});
  // The highest stable point over the real interval, scanned on a grid; one grid cell is added
  // so that the box does not clip the region between grid lines.
  constexpr int kGrid = 256;
  double top = 0;
  for (int ix = 0; ix < kGrid; ++ix) {
    double x = real.left * (ix + 0.5) / kGrid;
    for (int iy = 0; iy <= kGrid; ++iy) {
      double y = cap * iy / kGrid;
      if (amplification(R, {x, y}) <= margin)
        top = std::max(top, y);
    }
  }
  return {real.left, std::min(top + cap / kGrid, cap)};
}

} // namespace

std::vector<std::complex<double>> sampleStablePoles(const StabilityFunction &R, double margin,
                                                    int n, Random &rng) {
  const double bound = 0.999 * margin;
  const Box box = samplingBox(R, margin);
  constexpr int kMaxDraws = 1'000'000;
  auto draw = [&](bool complex) {
    for (int i = 0; i < kMaxDraws; ++i) {
      double re = box.left * (1 - rng.uniform()); // in [left, 0)
      double im = complex ? rng.uniform(-box.top, box.top) : 0.0;
      std::complex<double> z(re, im);
      if (amplification(R, z) <= bound)
        return z;
    }
    throw InitFailure(fmt::format(
        "found no pole z with |R(z)| <= {:.6g} in [{:.6g}, 0) x [-{:.6g}, {:.6g}] after {} "
        "draws: the stability region with this margin is too small; use a larger margin",
        bound, box.left, box.top, box.top, kMaxDraws));
  };
  std::vector<std::complex<double>> poles;
  for (int k = 0; k < n / 2; ++k) {
    std::complex<double> z = draw(true);
    poles.push_back(z);
    poles.push_back(std::conj(z));
  }
  if (n % 2)
    poles.push_back(draw(false));
  return poles;
}

Eigen::MatrixXd realMatrixWithEigenvalues(const std::vector<std::complex<double>> &eigenvalues,
                                          const Eigen::MatrixXd &Q) {
  const int n = int(eigenvalues.size());
  Eigen::MatrixXd B = Eigen::MatrixXd::Zero(n, n);
  for (int k = 0; k < n; ++k) {
    std::complex<double> l = eigenvalues[size_t(k)];
    if (l.imag() == 0) {
      B(k, k) = l.real();
      continue;
    }
    if (k + 1 == n || eigenvalues[size_t(k) + 1] != std::conj(l))
      throw std::invalid_argument("a complex eigenvalue must be followed by its conjugate");
    // [[a, b], [−b, a]] has the characteristic polynomial (μ − a)² + b², roots a ± ib.
    B(k, k) = B(k + 1, k + 1) = l.real();
    B(k, k + 1) = l.imag();
    B(k + 1, k) = -l.imag();
    ++k;
  }
  return Q * B * Q.transpose();
}

} // namespace odec
