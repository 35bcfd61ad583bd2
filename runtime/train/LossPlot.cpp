#include "train/LossPlot.h"

#include "io/LinePlot.h"

#include <algorithm>
#include <cmath>

namespace odec {

std::string lossPlotSvg(const std::vector<EpochRecord> &history, const std::string &title) {
  LineSeries train{"training", {}, {}}, val{"validation", {}, {}};
  for (const EpochRecord &r : history) {
    train.x.push_back(double(r.epoch));
    train.y.push_back(r.trainLoss);
    val.x.push_back(double(r.epoch));
    val.y.push_back(r.valLoss);
  }
  std::vector<LineSeries> series{train};
  if (std::any_of(history.begin(), history.end(),
                  [](const EpochRecord &r) { return r.valLoss > 0 && std::isfinite(r.valLoss); }))
    series.push_back(val);
  LinePlotSpec spec{title, "epoch", "loss (log scale)", /*logY=*/true};
  spec.xmin = 1;
  spec.xmax = std::max(2.0, double(history.empty() ? 1 : history.back().epoch));
  spec.minXStep = 1;
  return linePlotSvg(spec, series);
}

} // namespace odec
