// forecast_plot: the forecasting example's figure and score. Reads the true trajectory and the
// model's forecast from the same initial state (both CSV, io/TrajectoryData.h, one trajectory
// each), draws every state component against time, true solid and forecast dashed, and prints
// the forecast's root-mean-square error over the first --score-until seconds.
//
//   forecast_plot FILE.node --model M --step H --truth T.csv --predicted P.csv --out F.svg
//     [--score-until S]
#include "io/AtomicFile.h"
#include "io/Svg.h"
#include "io/TrajectoryData.h"

#include <odec/odec.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <iostream>

namespace {

constexpr double kWidth = 720, kHeight = 360, kLeft = 64, kTop = 56, kBottom = 52, kRight = 150;

struct Frame {
  double t0, t1, lo, hi;
  double X(double t) const { return kLeft + (t - t0) / (t1 - t0) * kWidth; }
  double Y(double v) const { return kTop + (hi - v) / (hi - lo) * kHeight; }
};

std::string series(const odec::Trajectory &tr, int64_t D, int64_t d, const Frame &f) {
  std::string path;
  for (int64_t k = 0; k < tr.samples(); ++k)
    odec::svg::pathPoint(path, k ? 'L' : 'M', f.X(tr.times[size_t(k)]),
                         f.Y(tr.states[size_t(k * D + d)]));
  return path;
}

std::string plot(const odec::Trajectory &truth, const odec::Trajectory &pred,
                 const std::vector<std::string> &columns) {
  const int64_t D = int64_t(columns.size());
  Frame f{truth.times.front(), truth.times.back(), INFINITY, -INFINITY};
  for (const auto *tr : {&truth, &pred})
    for (double v : tr->states) {
      f.lo = std::min(f.lo, v);
      f.hi = std::max(f.hi, v);
    }
  const double pad = 0.05 * std::max(f.hi - f.lo, 1e-9);
  f.lo -= pad;
  f.hi += pad;
  std::string out = odec::svg::open(kLeft + kWidth + kRight, kTop + kHeight + kBottom,
                                    "Forecast (dashed) vs true trajectory (solid)");
  std::string labels;
  const double sy = odec::svg::niceStep(f.hi - f.lo), st = odec::svg::niceStep(f.t1 - f.t0);
  for (double v = std::ceil(f.lo / sy) * sy; v <= f.hi; v += sy)
    labels += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
                          odec::svg::num(kLeft - 6), odec::svg::num(f.Y(v) + 4),
                          odec::svg::tickLabel(v, sy));
  for (double t = std::ceil(f.t0 / st) * st; t <= f.t1 + 1e-9; t += st)
    labels += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
                          odec::svg::num(f.X(t)), odec::svg::num(kTop + kHeight + 18),
                          odec::svg::tickLabel(t, st));
  out += "<g class=\"tick-labels\" font-size=\"12\">\n" + labels + "</g>\n";
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"14\">t</text>\n",
                     odec::svg::num(kLeft + kWidth / 2), odec::svg::num(kTop + kHeight + 42));
  for (int64_t d = 0; d < D; ++d) {
    const char *colour = odec::svg::colour(size_t(d));
    out += fmt::format("<path class=\"true\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"2\"/>\n",
                       series(truth, D, d, f), colour);
    out += fmt::format("<path class=\"forecast\" d=\"{}\" fill=\"none\" stroke=\"{}\" "
                       "stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
                       series(pred, D, d, f), colour);
    out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"{}\">{}</text>\n",
                       odec::svg::num(kLeft + kWidth + 12), odec::svg::num(kTop + 16 + 20 * d),
                       colour, odec::svg::escape(columns[size_t(d)]));
  }
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
                     "stroke=\"#000\"/>\n</svg>\n",
                     odec::svg::num(kLeft), odec::svg::num(kTop), odec::svg::num(kWidth),
                     odec::svg::num(kHeight));
  return out;
}

} // namespace

int main(int argc, char **argv) {
  std::string file, model, truthPath, predPath, out;
  double step = 0, scoreUntil = INFINITY;
  CLI::App app{"Plot a forecast against the true trajectory and score it"};
  app.add_option("file", file, ".node file")->required();
  app.add_option("--model", model, "model name (default: the file's only model)");
  app.add_option("--step", step, "the trajectories' sample interval")->required();
  app.add_option("--truth", truthPath, "CSV of the true trajectory")->required();
  app.add_option("--predicted", predPath, "CSV of the forecast")->required();
  app.add_option("--out", out, "SVG to write")->required();
  app.add_option("--score-until", scoreUntil, "score the first S seconds only (all)");
  CLI11_PARSE(app, argc, argv);
  try {
    const std::vector<std::string> columns =
        odec::Program::fromFile(file).model(model).stateColumns();
    odec::TrajectoryGrid grid;
    grid.stateColumns = columns;
    grid.step = step;
    const odec::TrajectoryData truth = odec::loadTrajectories(truthPath, grid);
    const odec::TrajectoryData pred = odec::loadTrajectories(predPath, grid);
    const odec::Trajectory &t = truth.trajectories.front(), &p = pred.trajectories.front();
    if (truth.trajectories.size() != 1 || pred.trajectories.size() != 1 ||
        t.samples() != p.samples())
      throw std::invalid_argument("expected one trajectory in each file, of equal length");
    double sum = 0;
    int64_t n = 0;
    for (int64_t k = 0; k < t.samples() && t.times[size_t(k)] - t.times[0] <= scoreUntil; ++k)
      for (size_t d = 0; d < columns.size(); ++d, ++n) {
        double e =
            t.states[size_t(k) * columns.size() + d] - p.states[size_t(k) * columns.size() + d];
        sum += e * e;
      }
    odec::writeFileAtomic(out, plot(t, p, columns));
    std::cout << fmt::format("forecast RMSE over {} samples: {:.6g}\n", n / int64_t(columns.size()),
                             std::sqrt(sum / double(n)));
  } catch (const std::exception &e) {
    std::cerr << "forecast_plot: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
