#include "io/LinePlot.h"

#include "io/Svg.h"

#include <algorithm>
#include <cmath>

namespace odec {

namespace {

constexpr double kWidth = 640, kHeight = 400;                      // plot area, px
constexpr double kLeft = 78, kTop = 48, kBottom = 56, kRight = 24; // margins, px

bool drawable(double y, bool logY) { return std::isfinite(y) && (!logY || y > 0); }

// The y axis in plotted units: log10(y) on a log axis, y otherwise.
struct Frame {
  double xmin, xmax, lo, hi;
  bool logY;
  double X(double x) const { return kLeft + (x - xmin) / (xmax - xmin) * kWidth; }
  double Y(double y) const { return kTop + (hi - (logY ? std::log10(y) : y)) / (hi - lo) * kHeight; }
};

Frame frame(const LinePlotSpec &spec, const std::vector<LineSeries> &series) {
  double xlo = INFINITY, xhi = -INFINITY, lo = INFINITY, hi = -INFINITY;
  for (const LineSeries &s : series)
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
      if (std::isfinite(s.x[k]) && drawable(s.y[k], spec.logY)) {
        xlo = std::min(xlo, s.x[k]);
        xhi = std::max(xhi, s.x[k]);
        double v = spec.logY ? std::log10(s.y[k]) : s.y[k];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  Frame f{0, 1, 0, 1, spec.logY};
  if (spec.xmin < spec.xmax) {
    f.xmin = spec.xmin;
    f.xmax = spec.xmax;
  } else if (xlo < xhi) {
    f.xmin = xlo;
    f.xmax = xhi;
  } else if (xlo == xhi) {
    f.xmin = xlo - 1;
    f.xmax = xhi + 1;
  }
  if (lo <= hi) {
    if (spec.logY) { // whole decades
      f.lo = std::floor(lo);
      f.hi = std::max(f.lo + 1, std::ceil(hi));
    } else {
      const double pad = 0.05 * std::max(hi - lo, 1e-12 * std::max(1.0, std::abs(hi)));
      f.lo = lo - pad;
      f.hi = hi + pad;
    }
  }
  return f;
}

// "M x y L x y …" through the drawable points; any other point lifts the pen.
std::string curve(const LineSeries &s, const Frame &f) {
  std::string d;
  bool pen = false;
  for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
    if (!std::isfinite(s.x[k]) || !drawable(s.y[k], f.logY)) {
      pen = false;
      continue;
    }
    svg::pathPoint(d, pen ? 'L' : 'M', f.X(s.x[k]), f.Y(s.y[k]));
    pen = true;
  }
  return d;
}

std::string line(double x1, double y1, double x2, double y2) {
  return "<line x1=\"" + svg::num(x1) + "\" y1=\"" + svg::num(y1) + "\" x2=\"" + svg::num(x2) +
         "\" y2=\"" + svg::num(y2) + "\"/>\n";
}

std::string decadeLabel(int k) { return k == 0 ? "1" : k == 1 ? "10" : "1e" + std::to_string(k); }

} // namespace

std::string linePlotSvg(const LinePlotSpec &spec, const std::vector<LineSeries> &series) {
  const Frame f = frame(spec, series);
  // The legend sits right of the frame, outside the data: its box fits the longest label
  // (about 7 px per character at 13 px) and widens the canvas.
  size_t longest = 0;
  for (const LineSeries &s : series)
    longest = std::max(longest, s.name.size());
  const double boxWidth = series.empty() ? 0 : 44 + 7.0 * double(longest);
  const double legendSpace = series.empty() ? 0 : boxWidth + 16;
  std::string out =
      svg::open(kLeft + kWidth + kRight + legendSpace, kTop + kHeight + kBottom, spec.title);
  const double x0 = kLeft, x1 = kLeft + kWidth, y0 = kTop, y1 = kTop + kHeight;

  // Grid and ticks: decades (every few when there are many) or a nice linear step on y, a
  // nice step on x.
  std::string grid, ticks, labels;
  auto yTick = [&](double Y, const std::string &label) {
    grid += line(x0, Y, x1, Y);
    svg::pathPoint(ticks, 'M', x0, Y);
    ticks += "h-6";
    labels += "<text x=\"" + svg::num(x0 - 9) + "\" y=\"" + svg::num(Y + 4) +
              "\" text-anchor=\"end\">" + label + "</text>\n";
  };
  if (f.logY) {
    const int every = std::max(1, (int(f.hi - f.lo) + 7) / 8);
    for (int k = int(f.lo); k <= int(f.hi); k += every)
      yTick(f.Y(std::pow(10.0, k)), decadeLabel(k));
  } else {
    const double sy = svg::niceStep(f.hi - f.lo);
    for (double v = std::ceil(f.lo / sy) * sy; v <= f.hi; v += sy)
      yTick(f.Y(v), svg::tickLabel(v, sy));
  }
  const double sx = std::max(spec.minXStep, svg::niceStep(f.xmax - f.xmin));
  for (double v = std::ceil(f.xmin / sx) * sx; v <= f.xmax + 1e-9 * sx; v += sx) {
    const double X = f.X(std::max(v, f.xmin));
    grid += line(X, y0, X, y1);
    svg::pathPoint(ticks, 'M', X, y1);
    ticks += "v6";
    labels += "<text x=\"" + svg::num(X) + "\" y=\"" + svg::num(y1 + 20) +
              "\" text-anchor=\"middle\">" + svg::tickLabel(std::max(v, f.xmin), sx) +
              "</text>\n";
  }
  out += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n" + grid + "</g>\n";
  out += "<path class=\"ticks\" d=\"" + ticks + "\" stroke=\"#000\" stroke-width=\"1\"/>\n";
  out += "<g class=\"tick-labels\" font-size=\"12\">\n" + labels + "</g>\n";
  out += svg::axisTitles(x0, x1, y0, y1, 60, spec.xTitle, spec.yTitle);

  // Curves (clipped to the frame), then the legend beside the frame's top right corner.
  out += "<clipPath id=\"plot-area\"><rect x=\"" + svg::num(x0) + "\" y=\"" + svg::num(y0) +
         "\" width=\"" + svg::num(kWidth) + "\" height=\"" + svg::num(kHeight) +
         "\"/></clipPath>\n<g clip-path=\"url(#plot-area)\">\n";
  const double boxLeft = x1 + 16;
  std::string legend;
  if (!series.empty())
    legend += "<rect x=\"" + svg::num(boxLeft) + "\" y=\"" + svg::num(y0) + "\" width=\"" +
              svg::num(boxWidth) + "\" height=\"" + svg::num(20.0 * double(series.size()) + 8) +
              "\" fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
  double ly = y0 + 14;
  for (size_t k = 0; k < series.size(); ++k) {
    const LineSeries &s = series[k];
    const std::string colour = svg::colour(k);
    const std::string dash = s.dashed ? "\" stroke-dasharray=\"6 4" : "";
    out += "<path class=\"" + svg::escape(s.name) + "\" d=\"" + curve(s, f) +
           "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2" + dash + "\"/>\n";
    if (s.markers)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
        if (std::isfinite(s.x[i]) && drawable(s.y[i], f.logY))
          out += "<circle cx=\"" + svg::num(f.X(s.x[i])) + "\" cy=\"" + svg::num(f.Y(s.y[i])) +
                 "\" r=\"3.5\" fill=\"" + colour + "\"/>\n";
    legend += "<line x1=\"" + svg::num(boxLeft + 8) + "\" y1=\"" + svg::num(ly) + "\" x2=\"" +
              svg::num(boxLeft + 32) + "\" y2=\"" + svg::num(ly) + "\" stroke=\"" + colour +
              "\" stroke-width=\"2" + dash + "\"/>\n";
    legend += "<text x=\"" + svg::num(boxLeft + 40) + "\" y=\"" + svg::num(ly + 4) + "\">" +
              svg::escape(s.name) + "</text>\n";
    ly += 20;
  }
  out += "</g>\n";
  out += "<rect class=\"frame\" x=\"" + svg::num(x0) + "\" y=\"" + svg::num(y0) + "\" width=\"" +
         svg::num(kWidth) + "\" height=\"" + svg::num(kHeight) +
         "\" fill=\"none\" stroke=\"#000\"/>\n";
  out += "<g class=\"legend\" font-size=\"13\">\n" + legend + "</g>\n";
  out += "</svg>\n";
  return out;
}

} // namespace odec
