// Line plots as SVG: one or more named curves y(x) in a framed plot with a grid, ticks, axis
// titles and a legend, on a linear or logarithmic (decade-ticked) y axis. The loss curves of
// training runs and the examples' figures (energy over a rollout, learned coefficients
// against the step) are all drawn by this one function, so they look alike.
#pragma once

#include <string>
#include <vector>

namespace odec {

struct LineSeries {
  std::string name; // legend text and the curve's SVG class
  std::vector<double> x, y; // equal lengths
  bool dashed = false;
  bool markers = false; // a dot at every point, for short curves of measurements
};

struct LinePlotSpec {
  std::string title, xTitle, yTitle;
  bool logY = false; // decades on the y axis; values that are not positive break the curve
  /// The x range to frame; when xmin ≥ xmax, the data's range.
  double xmin = 0, xmax = 0;
  double minXStep = 0; // the x ticks' step is at least this (1: whole numbers, e.g. epochs)
};

/// The SVG document. Non-finite values break a curve (it resumes at the next finite point);
/// with no drawable point at all the axes are drawn empty.
std::string linePlotSvg(const LinePlotSpec &spec, const std::vector<LineSeries> &series);

} // namespace odec
