// The loss curves of a training run as an SVG figure: training (and validation) loss per
// epoch on a logarithmic y axis with decade ticks, linear epoch axis, grid, axis labels and
// a legend.
#pragma once

#include "train/Trainer.h"

#include <string>
#include <vector>

namespace odec {

/// The SVG document. Losses that are not positive cannot be drawn on a log scale and are left
/// out (a curve resumes at the next positive value); an empty history gives empty axes. A
/// history of more than 1000 epochs is drawn as the lowest and highest loss of each of 1000
/// runs of epochs, so the document's size does not grow with the epoch count.
std::string lossPlotSvg(const std::vector<EpochRecord> &history, const std::string &title);

} // namespace odec
