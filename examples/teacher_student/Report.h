// The study's outputs: the histogram of minimum test loss per initialization (the paper's
// figures 4–5), the markdown table of medians and diverged fractions, and every run as CSV.
#pragma once

#include "Study.h"

#include <string>
#include <vector>

namespace odec::study {

/// One panel per (teacher kind, solver), the two initializations overlaid, over log10 of the
/// minimum test loss; diverged runs are counted in a separate bar at the right.
std::string histogramSvg(const std::vector<RunResult> &results, const StudyConfig &config);

/// | teachers | solver | init | median initial / early / minimum test loss | diverged (count
/// and share) |,
/// medians over all runs with diverged ones counted as +inf.
std::string markdownTable(const std::vector<RunResult> &results, const StudyConfig &config);

/// teacher,kind,solver,init,diverged,initial_test_loss,early_test_loss,min_test_loss
std::string resultsCsv(const std::vector<RunResult> &results);

} // namespace odec::study
