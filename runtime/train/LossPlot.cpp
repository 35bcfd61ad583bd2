#include "train/LossPlot.h"

#include "io/LinePlot.h"

#include <algorithm>
#include <cmath>

namespace odec {

namespace {

// A plot is a few hundred pixels wide: a long history is drawn as the lowest and the highest
// loss of each of kBuckets runs of epochs (in epoch order), which looks the same and keeps
// the file's size, and the time to write it, bounded whatever the epoch count.
constexpr size_t kBuckets = 1000;

void addEnvelope(LineSeries &series, const std::vector<EpochRecord> &history,
                 double EpochRecord::*loss) {
  const size_t n = history.size();
  const size_t buckets = std::min(n, kBuckets);
  for (size_t k = 0; k < buckets; ++k) {
    const size_t lo = k * n / buckets, hi = (k + 1) * n / buckets;
    size_t imin = lo, imax = lo;
    for (size_t i = lo; i < hi; ++i) {
      // NaN (no validation loss) is kept only when the whole run of epochs has no other.
      if (history[i].*loss < history[imin].*loss || std::isnan(history[imin].*loss))
        imin = i;
      if (history[i].*loss > history[imax].*loss || std::isnan(history[imax].*loss))
        imax = i;
    }
    const size_t first = std::min(imin, imax), second = std::max(imin, imax);
    for (size_t i : {first, second}) {
      series.x.push_back(double(history[i].epoch));
      series.y.push_back(history[i].*loss);
      if (first == second)
        break;
    }
  }
}

} // namespace

std::string lossPlotSvg(const std::vector<EpochRecord> &history, const std::string &title) {
  LineSeries train{"training", {}, {}}, val{"validation", {}, {}};
  addEnvelope(train, history, &EpochRecord::trainLoss);
  addEnvelope(val, history, &EpochRecord::valLoss);
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
