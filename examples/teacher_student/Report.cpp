#include "Report.h"

#include "io/Svg.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace odec::study {

namespace {

constexpr TeacherKind kKinds[] = {TeacherKind::InsideEuler, TeacherKind::OutsideRK4};
constexpr const char *kInits[] = {"prior", "stability"};

std::vector<const RunResult *> select(const std::vector<RunResult> &rs, TeacherKind kind,
                                      const std::string &solver, const std::string &init) {
  std::vector<const RunResult *> out;
  for (const RunResult &r : rs)
    if (r.kind == kind && r.solver == solver && r.init == init)
      out.push_back(&r);
  return out;
}

// The median, +inf entries included (so it is +inf when at least half diverged).
double median(std::vector<double> v) {
  if (v.empty())
    return NAN;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string fmtLoss(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "∞"; }

constexpr double kPanelW = 300, kPanelH = 180, kGapX = 40, kGapY = 70, kLeft = 60, kTop = 96;
constexpr int kBins = 16;

} // namespace

std::string histogramSvg(const std::vector<RunResult> &results, const StudyConfig &config) {
  // One shared range of log10 loss, whole decades, so the panels compare at a glance.
  double lo = INFINITY, hi = -INFINITY;
  for (const RunResult &r : results)
    if (std::isfinite(r.minTestLoss) && r.minTestLoss > 0) {
      lo = std::min(lo, std::log10(r.minTestLoss));
      hi = std::max(hi, std::log10(r.minTestLoss));
    }
  if (!(lo <= hi))
    lo = -1, hi = 0;
  lo = std::floor(lo);
  hi = std::max(lo + 1, std::ceil(hi));
  const double binWidth = (hi - lo) / kBins;

  const size_t cols = config.solvers.size();
  const double width = kLeft + double(cols) * (kPanelW + kGapX);
  const double height = kTop + 2 * (kPanelH + kGapY);
  std::string out =
      svg::open(width, height, "Minimum test loss of students: prior vs stability-informed init");
  std::string legend;
  for (size_t i = 0; i < 2; ++i) {
    double X = kLeft + double(i) * 170;
    legend += fmt::format("<rect x=\"{}\" y=\"42\" width=\"14\" height=\"14\" fill=\"{}\" "
                          "fill-opacity=\"0.55\"/><text x=\"{}\" y=\"54\">{} init</text>\n",
                          svg::num(X), svg::colour(i), svg::num(X + 20), kInits[i]);
  }
  out += "<g class=\"legend\" font-size=\"13\">\n" + legend + "</g>\n";

  for (size_t row = 0; row < 2; ++row)
    for (size_t col = 0; col < cols; ++col) {
      const std::string &solver = config.solvers[col];
      const double x0 = kLeft + double(col) * (kPanelW + kGapX);
      const double y0 = kTop + double(row) * (kPanelH + kGapY);
      // Bins 0..kBins-1 over [lo, hi]; bin kBins holds the diverged runs.
      std::vector<int> counts[2];
      int top = 1;
      for (size_t i = 0; i < 2; ++i) {
        counts[i].assign(kBins + 1, 0);
        for (const RunResult *r : select(results, kKinds[row], solver, kInits[i])) {
          int b = kBins;
          if (std::isfinite(r->minTestLoss) && r->minTestLoss > 0)
            b = std::clamp(int((std::log10(r->minTestLoss) - lo) / binWidth), 0, kBins - 1);
          top = std::max(top, ++counts[i][size_t(b)]);
        }
      }
      // kBins slots for the losses, an empty one, then the diverged bar.
      const double barW = kPanelW / (kBins + 2);
      auto slotX = [&](int b) { return x0 + (b < kBins ? b : kBins + 1) * barW; };
      std::string bars;
      for (size_t i = 0; i < 2; ++i)
        for (int b = 0; b <= kBins; ++b) {
          if (!counts[i][size_t(b)])
            continue;
          double h = kPanelH * counts[i][size_t(b)] / top;
          bars += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
                              "fill-opacity=\"0.55\"/>\n",
                              svg::num(slotX(b)), svg::num(y0 + kPanelH - h), svg::num(barW),
                              svg::num(h), svg::colour(i));
        }
      out += "<g class=\"bars\">\n" + bars + "</g>\n";
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
                         "stroke=\"#000\"/>\n",
                         svg::num(x0), svg::num(y0), svg::num(kPanelW), svg::num(kPanelH));
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\">{}, "
                         "teachers {} (max count {})</text>\n",
                         svg::num(x0 + kPanelW / 2), svg::num(y0 - 8), svg::escape(solver),
                         kindName(kKinds[row]), top);
      std::string labels;
      const double step = std::max(1.0, svg::niceStep(hi - lo));
      for (double d = lo; d <= hi + 1e-9; d += step)
        labels += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">1e{}</text>\n",
                              svg::num(x0 + (d - lo) / binWidth * barW),
                              svg::num(y0 + kPanelH + 16), svg::tickLabel(d, step));
      labels += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">div.</text>\n",
                            svg::num(slotX(kBins) + barW / 2), svg::num(y0 + kPanelH + 16));
      out += "<g class=\"tick-labels\" font-size=\"11\">\n" + labels + "</g>\n";
      out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\">"
                         "minimum test loss (log scale)</text>\n",
                         svg::num(x0 + kPanelW / 2), svg::num(y0 + kPanelH + 34));
    }
  out += "</svg>\n";
  return out;
}

std::string markdownTable(const std::vector<RunResult> &results, const StudyConfig &config) {
  std::string out = fmt::format(
      "| teachers | solver | init | runs | median initial test loss | median test loss at "
      "epoch {} | median minimum test loss | diverged |\n|---|---|---|---|---|---|---|---|\n",
      earlyEpoch(config));
  for (TeacherKind kind : kKinds)
    for (const std::string &solver : config.solvers)
      for (const char *init : kInits) {
        std::vector<double> initial, early, best;
        int diverged = 0;
        const auto runs = select(results, kind, solver, init);
        for (const RunResult *r : runs) {
          initial.push_back(r->initialTestLoss);
          early.push_back(r->earlyTestLoss);
          best.push_back(r->minTestLoss);
          diverged += r->diverged;
        }
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} ({:.0f}%) |\n",
                           kindName(kind), solver, init, runs.size(), fmtLoss(median(initial)),
                           fmtLoss(median(early)), fmtLoss(median(best)), diverged,
                           runs.empty() ? 0.0 : 100.0 * diverged / double(runs.size()));
      }
  return out;
}

std::string resultsCsv(const std::vector<RunResult> &results) {
  std::string out = "teacher,kind,solver,init,diverged,initial_test_loss,early_test_loss,"
                    "min_test_loss\n";
  for (const RunResult &r : results)
    out += fmt::format("{},{},{},{},{},{},{},{}\n", r.teacher, kindName(r.kind), r.solver, r.init,
                       int(r.diverged), r.initialTestLoss, r.earlyTestLoss, r.minTestLoss);
  return out;
}

} // namespace odec::study
