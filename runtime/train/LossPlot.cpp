#include "train/LossPlot.h"

#include "io/Svg.h"

#include <algorithm>
#include <cmath>

namespace odec {

namespace {

constexpr double kWidth = 640, kHeight = 400;                      // plot area, px
constexpr double kLeft = 78, kTop = 48, kBottom = 56, kRight = 24; // margins, px

struct Frame {
  double xmin, xmax, decadeLo, decadeHi; // epochs; log10 of the loss
  double X(double epoch) const { return kLeft + (epoch - xmin) / (xmax - xmin) * kWidth; }
  double Y(double loss) const {
    return kTop + (decadeHi - std::log10(loss)) / (decadeHi - decadeLo) * kHeight;
  }
};

// "M x y L x y …" through the positive values; a non-positive one breaks the curve.
std::string curve(const std::vector<EpochRecord> &h, const Frame &f, bool validation) {
  std::string d;
  bool pen = false;
  for (const EpochRecord &r : h) {
    double v = validation ? r.valLoss : r.trainLoss;
    if (!(v > 0) || !std::isfinite(v)) {
      pen = false;
      continue;
    }
    svg::pathPoint(d, pen ? 'L' : 'M', f.X(double(r.epoch)), f.Y(v));
    pen = true;
  }
  return d;
}

std::string decadeLabel(int k) { return k == 0 ? "1" : k == 1 ? "10" : "1e" + std::to_string(k); }

} // namespace

std::string lossPlotSvg(const std::vector<EpochRecord> &history, const std::string &title) {
  double lo = INFINITY, hi = -INFINITY;
  bool haveVal = false;
  for (const EpochRecord &r : history)
    for (double v : {r.trainLoss, r.valLoss})
      if (v > 0 && std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
  for (const EpochRecord &r : history)
    haveVal |= r.valLoss > 0 && std::isfinite(r.valLoss);
  Frame f{1, std::max(2.0, double(history.empty() ? 1 : history.back().epoch)), 0, 1};
  if (lo <= hi) {
    f.decadeLo = std::floor(std::log10(lo));
    f.decadeHi = std::max(f.decadeLo + 1, std::ceil(std::log10(hi)));
  }
  const double width = kLeft + kWidth + kRight, height = kTop + kHeight + kBottom;
  std::string out = svg::open(width, height, title);

  // Grid and ticks: every decade (every few when there are many), epochs at a nice step.
  const double x0 = f.X(f.xmin), x1 = f.X(f.xmax), y0 = f.Y(std::pow(10.0, f.decadeHi)),
               y1 = f.Y(std::pow(10.0, f.decadeLo));
  std::string grid, ticks, labels;
  const int decades = int(f.decadeHi - f.decadeLo);
  const int every = std::max(1, (decades + 7) / 8);
  for (int k = int(f.decadeLo); k <= int(f.decadeHi); k += every) {
    double Y = f.Y(std::pow(10.0, k));
    grid += "<line x1=\"" + svg::num(x0) + "\" y1=\"" + svg::num(Y) + "\" x2=\"" + svg::num(x1) +
            "\" y2=\"" + svg::num(Y) + "\"/>\n";
    svg::pathPoint(ticks, 'M', x0, Y);
    ticks += "h-6";
    labels += "<text x=\"" + svg::num(x0 - 9) + "\" y=\"" + svg::num(Y + 4) +
              "\" text-anchor=\"end\">" + decadeLabel(k) + "</text>\n";
  }
  const double sx = std::max(1.0, svg::niceStep(f.xmax - f.xmin));
  for (double e = std::ceil(f.xmin / sx) * sx; e <= f.xmax + 1e-9; e += sx) {
    double X = f.X(std::max(e, f.xmin));
    grid += "<line x1=\"" + svg::num(X) + "\" y1=\"" + svg::num(y0) + "\" x2=\"" + svg::num(X) +
            "\" y2=\"" + svg::num(y1) + "\"/>\n";
    svg::pathPoint(ticks, 'M', X, y1);
    ticks += "v6";
    labels += "<text x=\"" + svg::num(X) + "\" y=\"" + svg::num(y1 + 20) +
              "\" text-anchor=\"middle\">" + svg::tickLabel(std::max(e, f.xmin), sx) + "</text>\n";
  }
  out += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n" + grid + "</g>\n";
  out += "<path class=\"ticks\" d=\"" + ticks + "\" stroke=\"#000\" stroke-width=\"1\"/>\n";
  out += "<g class=\"tick-labels\" font-size=\"12\">\n" + labels + "</g>\n";
  out += svg::axisTitles(x0, x1, y0, y1, 60, "epoch", "loss (log scale)");

  // Curves and legend.
  std::string legend;
  double ly = kTop + 12;
  int series = 0;
  for (bool validation : {false, true}) {
    if (validation && !haveVal)
      continue;
    const char *colour = svg::colour(size_t(series));
    const std::string name = validation ? "validation" : "training";
    out += "<path class=\"" + name + "\" d=\"" + curve(history, f, validation) +
           "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
    legend += "<line x1=\"" + svg::num(x1 - 130) + "\" y1=\"" + svg::num(ly) + "\" x2=\"" +
              svg::num(x1 - 106) + "\" y2=\"" + svg::num(ly) + "\" stroke=\"" + colour +
              "\" stroke-width=\"2\"/>\n";
    legend += "<text x=\"" + svg::num(x1 - 98) + "\" y=\"" + svg::num(ly + 4) + "\">" + name +
              "</text>\n";
    ly += 20;
    ++series;
  }
  out += "<rect class=\"frame\" x=\"" + svg::num(x0) + "\" y=\"" + svg::num(y0) + "\" width=\"" +
         svg::num(x1 - x0) + "\" height=\"" + svg::num(y1 - y0) +
         "\" fill=\"none\" stroke=\"#000\"/>\n";
  out += "<g class=\"legend\" font-size=\"13\">\n" + legend + "</g>\n";
  out += "</svg>\n";
  return out;
}

} // namespace odec
