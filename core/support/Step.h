// What a solver step h may be, decided once for every entry point (the host API's calls, the
// trainer, initialization, data grids, the CLI's --step): positive and finite. Backward
// integration (h < 0) is internal to the continuous adjoint and never offered.
#pragma once

#include <cmath>
#include <stdexcept>
#include <string>

namespace odec {

inline bool isValidStep(double h) { return h > 0 && std::isfinite(h); }

/// Throws std::invalid_argument("<what> must be a positive finite number") unless h is one.
inline void requireStep(double h, const std::string &what) {
  if (!isValidStep(h))
    throw std::invalid_argument(what + " must be a positive finite number");
}

} // namespace odec
