// The report of stability-informed initialization, shared by `odec init` and
// `odec train --init stability`: what was found, against which region, and what time scales
// the eigenvalues mean, so a mismatch with the data's time scale shows.
#pragma once

#include "odec/odec.h"

#include <nlohmann/json.hpp>
#include <string>

namespace odec::cli {

/// The human report, one item per line, each indented by two spaces after the first.
std::string initReportText(const Model &m, const InitResult &r);

/// The JSON report: {"model", "solver", "region", "step", "margin", "strategy", "tries",
/// "acceptance_rate", "operating_points", "eigenvalues": [[re, im], ...] (λ),
/// "scaled_eigenvalues" (hλ), "max_abs_R", "time_scales": [{"eigenvalue", "decay_time",
/// "period"}, ...] (one per real eigenvalue or conjugate pair of the first point; null when
/// infinite), and for placement "target_eigenvalues" (λ), "placed_parameter" and
/// "placement_region" {"real", "imag", "radius", "frequency"} (each [lo, hi] or null)}.
nlohmann::ordered_json initReportJson(const Model &m, const InitResult &r);

} // namespace odec::cli
