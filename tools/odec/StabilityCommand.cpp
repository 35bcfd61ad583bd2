// odec stability NAME... [--file FILE] --svg out.svg [--xlim a,b] [--ylim a,b]: draws the
// stability regions of tableaux in the complex plane as SVG.
#include "Options.h"
#include "TableauSource.h"

#include "io/StabilityPlot.h"

namespace odec::cli {

namespace {

struct StabilityOptions {
  std::vector<std::string> names;
  std::string file;
  std::string svg;
  std::string xlim, ylim;
  int grid = StabilityPlotOptions{}.grid;
};

// "a,b" with a < b, for --xlim / --ylim.
void parseLimits(const std::string &text, const std::string &what, double &lo, double &hi) {
  std::vector<double> v = parseNumberList(text, what);
  if (v.size() != 2 || !(v[0] < v[1]))
    throw UserError(what + " expects two numbers a,b with a < b, got '" + text + "'");
  lo = v[0];
  hi = v[1];
}

int run(const StabilityOptions &o) {
  std::vector<PlotRegion> regions;
  for (ButcherTableau &t : loadTableaux(o.file, o.names))
    regions.push_back({t.name, stabilityFunction(t)});
  StabilityPlotOptions plot = defaultPlotWindow(regions);
  if (!o.xlim.empty())
    parseLimits(o.xlim, "--xlim", plot.xmin, plot.xmax);
  if (!o.ylim.empty())
    parseLimits(o.ylim, "--ylim", plot.ymin, plot.ymax);
  plot.grid = o.grid; // the plot checks its range
  // Markers for a model's hλ (--params P.json --model M --step h) go into plot.points once
  // the runtime can linearize a model; the plot draws them already.
  writeStabilityPlot(o.svg, regions, plot);
  return kOk;
}

} // namespace

void addStabilityCommand(CLI::App &app, int &status) {
  auto o = std::make_shared<StabilityOptions>();
  auto *cmd = app.add_subcommand("stability", "Draw the stability regions of tableaux as SVG");
  cmd->add_option("names", o->names, "tableaux to draw (prelude or --file)")->required();
  cmd->add_option("--file", o->file, ".node file with more tableaux");
  cmd->add_option("--svg", o->svg, "write the SVG here (atomically)")->required();
  cmd->add_option("--xlim", o->xlim, "real-axis range a,b (default: fits the regions)");
  cmd->add_option("--ylim", o->ylim, "imaginary-axis range a,b (default: fits the regions)");
  cmd->add_option("--grid", o->grid, "grid cells along the longer axis (8..2000)");
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
