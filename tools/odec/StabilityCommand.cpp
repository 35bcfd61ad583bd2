// odec stability NAME... [--file FILE] --svg out.svg [--xlim a,b] [--ylim a,b]: draws the
// stability regions of tableaux in the complex plane as SVG (an embedded pair: both of its
// methods). With --params P.json --step h
// [--model M], the model of FILE is linearized (at its init block's operating point, or the
// origin) and the eigenvalues of ∂f/∂x, scaled to hλ, are drawn as markers.
#include "Options.h"

#include "io/AtomicFile.h"

namespace odec::cli {

namespace {

struct StabilityOptions {
  std::vector<std::string> names;
  std::string file;
  std::string svg;
  std::string xlim, ylim;
  int grid = StabilityPlotSettings{}.grid;
  std::string model, params; // the model whose hλ are drawn
  double step = 0;
  TargetFlags target; // of the model's Jacobian
};

// "a,b" with a < b, for --xlim / --ylim.
std::pair<double, double> parseLimits(const std::string &text, const std::string &what) {
  std::vector<double> v = parseNumberList(text, what);
  if (v.size() != 2 || !(v[0] < v[1]))
    throw UserError(what + " expects two numbers a,b with a < b, got '" + text + "'");
  return {v[0], v[1]};
}

int run(const StabilityOptions &o) {
  const Program program = loadProgram(o.file);
  StabilityPlotSettings plot;
  if (!o.xlim.empty())
    plot.real = parseLimits(o.xlim, "--xlim");
  if (!o.ylim.empty())
    plot.imag = parseLimits(o.ylim, "--ylim");
  plot.grid = o.grid;
  if (!o.params.empty()) { // the model's eigenvalues, scaled to hλ
    if (o.file.empty())
      throw UserError("--params needs --file, the .node file that defines the model");
    requireStep(o.step, "--step");
    const Model m = program.model(o.model, o.target.options());
    for (const auto &point : m.eigenvalues(m.loadParams(o.params)))
      for (std::complex<double> lambda : point)
        plot.points.push_back(o.step * lambda);
  }
  writeFileAtomic(o.svg, program.stabilityPlot(o.names, plot));
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
  auto *params = cmd->add_option("--params", o->params,
                                 "parameter JSON of the --file model: draw its eigenvalues hλ");
  auto *step = cmd->add_option("--step", o->step, "step h scaling the eigenvalues");
  auto *model = cmd->add_option("--model", o->model, "model of --file (default: the only one)");
  params->needs(step);
  step->needs(params);
  model->needs(params);
  o->target.add(*cmd);
  cmd->callback([o, &status] { status = run(*o); });
}

} // namespace odec::cli
