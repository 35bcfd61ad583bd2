// SVG pictures of Runge–Kutta stability regions {z : |R(z)| ≤ 1} in the complex plane, one
// filled, outlined region per method, with axes, ticks, legend and title, and optionally
// points z = hλ (a model's eigenvalues times the step) as markers.
//
// The region is found on a grid of samples of log|R| (whose zero level is the boundary and
// which is well scaled near poles and zeros) by marching squares: every cell contributes the
// polygon where the bilinear-edge interpolant is ≤ 0, runs of fully stable cells become one
// rectangle, and all pieces of one method form a single <path> (nonzero fill, consistent
// orientation), so adjacent pieces render without seams. Saddle cells are resolved with the
// value at the cell's centre.
#pragma once

#include "tableau/StabilityFunction.h"

#include <complex>
#include <string>
#include <vector>

namespace odec {

struct PlotRegion {
  std::string name; // legend entry
  StabilityFunction R;
};

struct StabilityPlotOptions {
  double xmin = -4, xmax = 2; // Re z shown
  double ymin = -3, ymax = 3; // Im z shown
  int grid = 320;             // grid cells along the longer axis
  std::string title = "Stability regions |R(z)| ≤ 1";
  std::vector<std::complex<double>> points; // z = hλ drawn as markers
  std::string pointsLabel = "hλ";
};

/// A window that shows every region's interesting part: the finite ends of the real
/// intervals and the imaginary extents, with margin, and at least [-3.5, 2.1] x [-3.5, 3.5]
/// (room for backward Euler's unstable disc).
StabilityPlotOptions defaultPlotWindow(const std::vector<PlotRegion> &regions);

/// The SVG document. Throws std::invalid_argument for an empty or inverted window, a grid
/// outside [8, 2000], or no regions.
std::string stabilityPlotSvg(const std::vector<PlotRegion> &regions, const StabilityPlotOptions &o);

} // namespace odec
