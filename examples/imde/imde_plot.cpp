// imde_plot: the IMDE example's figures. Draws columns of CSV files (runtime/io/Csv.h, a header
// line of names) as curves of one line plot (runtime/io/LinePlot.h).
//
//   imde_plot --out F.svg --title T --x-title X --y-title Y [--log-y] [--max-points N]
//     LABEL=FILE:XCOLUMN:YCOLUMN[:dashed][:markers] ...
//
// A long curve is thinned to at most N points (every k-th row, the last one kept), so a
// rollout of 10⁵ steps still gives a small SVG.
#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/LinePlot.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <stdexcept>

namespace {

size_t column(const odec::CsvTable &t, const std::string &name, const std::string &file) {
  auto it = std::find(t.columns.begin(), t.columns.end(), name);
  if (it == t.columns.end())
    throw std::invalid_argument(file + ": no column '" + name + "'");
  return size_t(it - t.columns.begin());
}

odec::LineSeries series(const std::string &spec, size_t maxPoints) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos)
    throw std::invalid_argument("series '" + spec + "': expected LABEL=FILE:X:Y[:dashed][:markers]");
  std::vector<std::string> parts;
  for (size_t start = eq + 1;;) {
    size_t colon = spec.find(':', start);
    parts.push_back(spec.substr(start, colon - start));
    if (colon == std::string::npos)
      break;
    start = colon + 1;
  }
  if (parts.size() < 3)
    throw std::invalid_argument("series '" + spec + "': expected LABEL=FILE:X:Y[:dashed][:markers]");
  odec::LineSeries s{spec.substr(0, eq), {}, {}};
  for (size_t k = 3; k < parts.size(); ++k) {
    if (parts[k] == "dashed")
      s.dashed = true;
    else if (parts[k] == "markers")
      s.markers = true;
    else
      throw std::invalid_argument("series '" + spec + "': unknown style '" + parts[k] + "'");
  }
  const odec::CsvTable t = odec::loadCsv(parts[0]);
  const size_t xc = column(t, parts[1], parts[0]), yc = column(t, parts[2], parts[0]);
  const size_t stride = std::max<size_t>(1, (t.rows() + maxPoints - 1) / std::max<size_t>(1, maxPoints));
  for (size_t r = 0; r < t.rows(); ++r)
    if (r % stride == 0 || r + 1 == t.rows()) {
      s.x.push_back(t.at(r, xc));
      s.y.push_back(t.at(r, yc));
    }
  return s;
}

} // namespace

int main(int argc, char **argv) {
  std::string out;
  odec::LinePlotSpec spec;
  size_t maxPoints = 2000;
  std::vector<std::string> specs;
  CLI::App app{"Plot CSV columns as the curves of one SVG line plot"};
  app.add_option("--out", out, "SVG to write")->required();
  app.add_option("--title", spec.title, "figure title")->required();
  app.add_option("--x-title", spec.xTitle, "x axis title");
  app.add_option("--y-title", spec.yTitle, "y axis title");
  app.add_flag("--log-y", spec.logY, "logarithmic y axis");
  app.add_option("--max-points", maxPoints, "thin each curve to at most this many points (2000)");
  app.add_option("series", specs, "LABEL=FILE:XCOLUMN:YCOLUMN[:dashed][:markers]")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    std::vector<odec::LineSeries> curves;
    for (const std::string &s : specs)
      curves.push_back(series(s, maxPoints));
    odec::writeFileAtomic(out, odec::linePlotSvg(spec, curves));
  } catch (const std::exception &e) {
    std::cerr << "imde_plot: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
