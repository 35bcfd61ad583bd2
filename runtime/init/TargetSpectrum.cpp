#include "init/TargetSpectrum.h"

#include "init/InitProblem.h"
#include "tableau/StabilityRegion.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>
#include <tuple>

namespace odec {

namespace {

// Where poles are drawn from: Re z in [left, right], Im z in [bottom, top].
struct Box {
  double left = 0, right = 0, bottom = 0, top = 0;
};

Box regionBox(const StabilityFunction &R, double margin) {
  RealInterval real = realStabilityInterval(R);
  if (!std::isfinite(real.left))
    return {-3, 0, -3, 3};
  double extent = imaginaryExtent(R);
  double cap = 2 * std::max({-real.left, std::isfinite(extent) ? extent : 0.0, 1.0});
  // The highest point of {|R| ≤ margin} over the real interval, scanned on a grid; one grid
  // cell is added so that the box does not clip the region between grid lines. A margin above
  // 1 widens the region beyond the stability interval, so the scan goes as far left again.
  const double left = margin > 1 ? 2 * real.left : real.left;
  constexpr int kGrid = 256;
  double top = 0;
  for (int ix = 0; ix < kGrid; ++ix) {
    double x = left * (ix + 0.5) / kGrid;
    for (int iy = 0; iy <= kGrid; ++iy) {
      double y = cap * iy / kGrid;
      if (amplification(R, {x, y}) <= margin)
        top = std::max(top, y);
    }
  }
  top = std::min(top + cap / kGrid, cap);
  return {left, 0, -top, top};
}

// The sampling box: the region's own bounds where given, else those |λ| ≤ radius and
// |Im λ| ≤ frequency imply, else the box around the stability region.
Box samplingBox(const StabilityFunction &R, double margin, const PoleRegion &region, double h) {
  const Box around = regionBox(R, margin);
  double reach = std::numeric_limits<double>::infinity(); // on |Re z| and |Im z|
  if (region.radius)
    reach = h * region.radius->second;
  double imagReach = reach;
  if (region.frequency)
    imagReach = std::min(imagReach, h * region.frequency->second);
  Box b;
  if (region.real)
    std::tie(b.left, b.right) = *region.real;
  else if (std::isfinite(reach))
    b = {-reach, 0, 0, 0};
  else
    b = {around.left, around.right, 0, 0};
  if (region.imag)
    std::tie(b.bottom, b.top) = *region.imag;
  else if (std::isfinite(imagReach))
    std::tie(b.bottom, b.top) = std::pair(-imagReach, imagReach);
  else
    std::tie(b.bottom, b.top) = std::pair(around.bottom, around.top);
  return b;
}

bool within(const PoleRegion::Interval &bound, double v) {
  return !bound || (bound->first <= v && v <= bound->second);
}

} // namespace

std::vector<std::complex<double>> sampleStablePoles(const StabilityFunction &R, double margin,
                                                    const PoleRegion &region, double h, int n,
                                                    Random &rng) {
  const double bound = 0.999 * margin;
  const Box box = samplingBox(R, margin, region, h);
  auto qualifies = [&](std::complex<double> z) {
    return amplification(R, z) <= bound && within(region.real, z.real()) &&
           within(region.imag, z.imag()) && within(region.radius, std::abs(z) / h) &&
           within(region.frequency, std::abs(z.imag()) / h);
  };
  constexpr int kMaxDraws = 1'000'000;
  auto draw = [&](bool complex) {
    for (int i = 0; i < kMaxDraws; ++i) {
      // In [left, right); with right = 0 this is left·(1 − u), the draws of earlier versions.
      double re = box.right + (box.left - box.right) * (1 - rng.uniform());
      double im = complex ? rng.uniform(box.bottom, box.top) : 0.0;
      std::complex<double> z(re, im);
      if (qualifies(z))
        return z;
    }
    throw InitFailure(fmt::format(
        "found no {}pole z = hλ with |R(z)| <= {:.6g} in Re z in [{:.6g}, {:.6g}], Im z in "
        "[{:.6g}, {:.6g}]{} after {} draws: the placement region and the stability region with "
        "this margin do not overlap; widen placement(real = …, imag = …) or use a larger margin",
        complex ? "" : "real ", bound, box.left, box.right, complex ? box.bottom : 0.0,
        complex ? box.top : 0.0,
        region.radius || region.frequency ? " (with the radius and frequency bounds)" : "",
        kMaxDraws));
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
