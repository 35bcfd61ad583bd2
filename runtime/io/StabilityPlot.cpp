#include "io/StabilityPlot.h"

#include "io/Svg.h"
#include "tableau/StabilityRegion.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <stdexcept>

namespace odec {

namespace {

constexpr double kPlotSide = 560; // the longer side of the plot area, px
constexpr double kLeft = 64, kTop = 48, kBottom = 56, kRight = 190; // margins, px
constexpr double kClamp = 30; // |log|R|| beyond this carries no shape information

// Maps the complex plane window onto SVG pixels with equal scales (circles stay round).
struct Frame {
  double xmin, ymax, scale, width, height;
  double X(double x) const { return kLeft + (x - xmin) * scale; }
  double Y(double y) const { return kTop + (ymax - y) * scale; }
};

struct Point {
  double x, y;   // complex plane
  bool crossing; // on the boundary (interpolated), not a grid corner
};

// The level function: ≤ 0 inside the region. NaN (0/0 of a reducible method) counts as outside.
double level(const StabilityFunction &R, double x, double y) {
  double a = amplification(R, {x, y});
  double v = std::log(a);
  return std::isnan(v) ? kClamp : std::clamp(v, -kClamp, kClamp);
}

// Appends "M … Z" for a polygon and "M … L …" for each of its boundary edges (consecutive
// crossing points).
void emitPolygon(const std::vector<Point> &poly, const Frame &f, std::string &fill,
                 std::string &outline) {
  if (poly.size() < 3)
    return;
  for (size_t k = 0; k < poly.size(); ++k)
    svg::pathPoint(fill, k ? 'L' : 'M', f.X(poly[k].x), f.Y(poly[k].y));
  fill += 'Z';
  for (size_t k = 0; k < poly.size(); ++k) {
    const Point &p = poly[k], &q = poly[(k + 1) % poly.size()];
    if (p.crossing && q.crossing) {
      svg::pathPoint(outline, 'M', f.X(p.x), f.Y(p.y));
      svg::pathPoint(outline, 'L', f.X(q.x), f.Y(q.y));
    }
  }
}

// The fill and outline path data of one region, by marching squares over the grid.
void regionPaths(const StabilityFunction &R, const StabilityPlotOptions &o, const Frame &f,
                 std::string &fill, std::string &outline) {
  const double dx = o.xmax - o.xmin, dy = o.ymax - o.ymin;
  const int nx = std::max(2, int(std::lround(o.grid * dx / std::max(dx, dy))));
  const int ny = std::max(2, int(std::lround(o.grid * dy / std::max(dx, dy))));
  const double hx = dx / nx, hy = dy / ny;
  std::vector<double> v(size_t(nx + 1) * size_t(ny + 1));
  auto at = [&](int i, int j) -> double & { return v[size_t(j) * size_t(nx + 1) + size_t(i)]; };
  for (int j = 0; j <= ny; ++j)
    for (int i = 0; i <= nx; ++i)
      at(i, j) = level(R, o.xmin + i * hx, o.ymin + j * hy);

  for (int j = 0; j < ny; ++j) {
    int runStart = -1; // first cell of the current run of fully stable cells
    for (int i = 0; i <= nx; ++i) {
      // Corners counter-clockwise in the complex plane.
      const int ci[4] = {i, i + 1, i + 1, i}, cj[4] = {j, j, j + 1, j + 1};
      bool full = i < nx;
      for (int k = 0; k < 4 && full; ++k)
        full = at(ci[k], cj[k]) <= 0;
      if (full) {
        if (runStart < 0)
          runStart = i;
        continue;
      }
      if (runStart >= 0) {
        double x0 = o.xmin + runStart * hx, x1 = o.xmin + i * hx;
        double y0 = o.ymin + j * hy, y1 = y0 + hy;
        emitPolygon({{x0, y0, false}, {x1, y0, false}, {x1, y1, false}, {x0, y1, false}}, f, fill,
                    outline);
        runStart = -1;
      }
      if (i == nx)
        break;
      Point corner[4], cross[4];
      bool in[4], crosses[4];
      for (int k = 0; k < 4; ++k) {
        corner[k] = {o.xmin + ci[k] * hx, o.ymin + cj[k] * hy, false};
        in[k] = at(ci[k], cj[k]) <= 0;
      }
      for (int k = 0; k < 4; ++k) {
        int n = (k + 1) % 4;
        crosses[k] = in[k] != in[n];
        if (crosses[k]) {
          double a = at(ci[k], cj[k]), b = at(ci[n], cj[n]);
          double t = a / (a - b); // where the linear interpolant along the edge is 0
          cross[k] = {corner[k].x + t * (corner[n].x - corner[k].x),
                      corner[k].y + t * (corner[n].y - corner[k].y), true};
        }
      }
      bool saddle = in[0] == in[2] && in[1] == in[3] && in[0] != in[1];
      bool centreIn = level(R, o.xmin + (i + 0.5) * hx, o.ymin + (j + 0.5) * hy) <= 0;
      if (saddle && !centreIn) {
        // Two separate corners: each keeps the triangle cut off by its two edge crossings.
        for (int k = 0; k < 4; ++k)
          if (in[k])
            emitPolygon({corner[k], cross[k], cross[(k + 3) % 4]}, f, fill, outline);
        continue;
      }
      std::vector<Point> poly; // walk the cell's boundary keeping the stable part
      for (int k = 0; k < 4; ++k) {
        if (in[k])
          poly.push_back(corner[k]);
        if (crosses[k])
          poly.push_back(cross[k]);
      }
      emitPolygon(poly, f, fill, outline);
    }
  }
}

void axes(const StabilityPlotOptions &o, const Frame &f, std::string &svg) {
  const double x0 = f.X(o.xmin), x1 = f.X(o.xmax), y0 = f.Y(o.ymax), y1 = f.Y(o.ymin);
  svg += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n";
  std::string ticks, labels;
  double sx = svg::niceStep(o.xmax - o.xmin), sy = svg::niceStep(o.ymax - o.ymin);
  for (double x = std::ceil(o.xmin / sx) * sx; x <= o.xmax + 1e-9 * sx; x += sx) {
    svg += "<line x1=\"" + svg::num(f.X(x)) + "\" y1=\"" + svg::num(y0) + "\" x2=\"" +
           svg::num(f.X(x)) + "\" y2=\"" + svg::num(y1) + "\"/>\n";
    svg::pathPoint(ticks, 'M', f.X(x), y1);
    ticks += "v6";
    labels += "<text x=\"" + svg::num(f.X(x)) + "\" y=\"" + svg::num(y1 + 20) +
              "\" text-anchor=\"middle\">" + svg::tickLabel(x, sx) + "</text>\n";
  }
  for (double y = std::ceil(o.ymin / sy) * sy; y <= o.ymax + 1e-9 * sy; y += sy) {
    svg += "<line x1=\"" + svg::num(x0) + "\" y1=\"" + svg::num(f.Y(y)) + "\" x2=\"" +
           svg::num(x1) + "\" y2=\"" + svg::num(f.Y(y)) + "\"/>\n";
    svg::pathPoint(ticks, 'M', x0, f.Y(y));
    ticks += "h-6";
    labels += "<text x=\"" + svg::num(x0 - 9) + "\" y=\"" + svg::num(f.Y(y) + 4) +
              "\" text-anchor=\"end\">" + svg::tickLabel(y, sy) + "</text>\n";
  }
  svg += "</g>\n";
  svg += "<path class=\"ticks\" d=\"" + ticks + "\" stroke=\"#000\" stroke-width=\"1\"/>\n";
  svg += "<g class=\"tick-labels\" font-size=\"12\">\n" + labels + "</g>\n";
  svg += svg::axisTitles(x0, x1, y0, y1, 46, "Re(z)", "Im(z)");
}

// The real and imaginary axes themselves, over the regions, where they are in the window.
void axisLines(const StabilityPlotOptions &o, const Frame &f, std::string &svg) {
  const std::string style = "\" stroke=\"#000\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>\n";
  if (o.ymin <= 0 && 0 <= o.ymax)
    svg += "<line class=\"real-axis\" x1=\"" + svg::num(f.X(o.xmin)) + "\" y1=\"" +
           svg::num(f.Y(0)) + "\" x2=\"" + svg::num(f.X(o.xmax)) + "\" y2=\"" + svg::num(f.Y(0)) +
           style;
  if (o.xmin <= 0 && 0 <= o.xmax)
    svg += "<line class=\"imaginary-axis\" x1=\"" + svg::num(f.X(0)) + "\" y1=\"" +
           svg::num(f.Y(o.ymax)) + "\" x2=\"" + svg::num(f.X(0)) + "\" y2=\"" +
           svg::num(f.Y(o.ymin)) + style;
}

std::string marker(double X, double Y) {
  return "<path d=\"M" + svg::num(X - 4) + " " + svg::num(Y - 4) + "l8 8M" + svg::num(X - 4) + " " +
         svg::num(Y + 4) + "l8 -8\"/>\n";
}

} // namespace

StabilityPlotOptions defaultPlotWindow(const std::vector<PlotRegion> &regions) {
  double reach = 0;
  for (const PlotRegion &r : regions) {
    RealInterval I = realStabilityInterval(r.R);
    double e = imaginaryExtent(r.R);
    if (std::isfinite(I.left))
      reach = std::max(reach, -I.left);
    if (std::isfinite(e))
      reach = std::max(reach, e);
  }
  double span = std::max(3.5, 1.2 * reach);
  StabilityPlotOptions o;
  o.xmin = -span;
  o.xmax = 0.6 * span;
  o.ymin = -span;
  o.ymax = span;
  return o;
}

std::string stabilityPlotSvg(const std::vector<PlotRegion> &regions,
                             const StabilityPlotOptions &o) {
  if (regions.empty())
    throw std::invalid_argument("a stability plot needs at least one tableau");
  if (!(o.xmin < o.xmax) || !(o.ymin < o.ymax) || !std::isfinite(o.xmax - o.xmin) ||
      !std::isfinite(o.ymax - o.ymin))
    throw std::invalid_argument("the plot window must have finite limits with min < max");
  if (o.grid < 8 || o.grid > 2000)
    throw std::invalid_argument("the plot grid must have between 8 and 2000 cells per side");
  const double dx = o.xmax - o.xmin, dy = o.ymax - o.ymin;
  Frame f{o.xmin, o.ymax, kPlotSide / std::max(dx, dy), 0, 0};
  f.width = kLeft + dx * f.scale + kRight;
  f.height = kTop + dy * f.scale + kBottom;

  std::string svg = svg::open(f.width, f.height, o.title);
  axes(o, f, svg);

  std::string legend;
  double ly = kTop + 10, lx = f.X(o.xmax) + 20;
  for (size_t k = 0; k < regions.size(); ++k) {
    const char *colour = svg::colour(k);
    std::string fill, outline;
    regionPaths(regions[k].R, o, f, fill, outline);
    svg += "<g class=\"region\" data-tableau=\"" + svg::escape(regions[k].name) + "\">\n";
    svg +=
        "<path d=\"" + fill + "\" fill=\"" + colour + "\" fill-opacity=\"0.3\" stroke=\"none\"/>\n";
    svg += "<path d=\"" + outline + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"1.5\"/>\n";
    svg += "</g>\n";
    legend += "<rect x=\"" + svg::num(lx) + "\" y=\"" + svg::num(ly) +
              "\" width=\"14\" height=\"14\" fill=\"" + colour +
              "\" fill-opacity=\"0.3\" stroke=\"" + colour + "\" stroke-width=\"1.5\"/>\n";
    legend += "<text x=\"" + svg::num(lx + 22) + "\" y=\"" + svg::num(ly + 12) + "\">" +
              svg::escape(regions[k].name) + "</text>\n";
    ly += 22;
  }
  axisLines(o, f, svg);
  if (!o.points.empty()) {
    svg += "<g class=\"points\" stroke=\"#000\" stroke-width=\"1.5\">\n";
    for (std::complex<double> z : o.points)
      if (z.real() >= o.xmin && z.real() <= o.xmax && z.imag() >= o.ymin && z.imag() <= o.ymax)
        svg += marker(f.X(z.real()), f.Y(z.imag()));
    svg += "</g>\n";
    legend += "<g stroke=\"#000\" stroke-width=\"1.5\">\n" + marker(lx + 7, ly + 7) + "</g>\n";
    legend += "<text x=\"" + svg::num(lx + 22) + "\" y=\"" + svg::num(ly + 12) + "\">" +
              svg::escape(o.pointsLabel) + "</text>\n";
  }
  svg += "<rect class=\"frame\" x=\"" + svg::num(f.X(o.xmin)) + "\" y=\"" + svg::num(f.Y(o.ymax)) +
         "\" width=\"" + svg::num(dx * f.scale) + "\" height=\"" + svg::num(dy * f.scale) +
         "\" fill=\"none\" stroke=\"#000\"/>\n";
  svg += "<g class=\"legend\" font-size=\"13\">\n" + legend + "</g>\n";
  svg += "</svg>\n";
  return svg;
}

} // namespace odec
